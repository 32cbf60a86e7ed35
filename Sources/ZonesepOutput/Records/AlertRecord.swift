/// An `alert` record as `zonesep report` reads it back. The coding keys are the keys `AlertFormat.json`
/// writes, with `evidence` and `evidence_error` that `DeliveryRecords.alertJSON` adds.
///
/// Every field is optional on reading: the report needs an alert only when a violation of the summary names
/// it (same `flow_id` and `timestamp`), and `SavedRun` then requires its zones; an alert it does not pair
/// (a filtered or hand-cut file) must not stop the report.
public struct AlertRecord: Decodable, Sendable, Equatable {
    public var timestamp: String?
    public var rule: String?
    public var severity: String?
    public var proto: String?
    public var srcIP: String?
    public var srcPort: UInt64?
    public var destIP: String?
    public var destPort: UInt64?
    public var srcZone: String?
    public var destZone: String?
    /// How the initiator was decided (`syn`, `port-heuristic`, …).
    public var initiator: String?
    /// 802.1Q tags, outermost first.
    public var vlan: [UInt64]?
    public var srcMAC: String?
    public var destMAC: String?
    public var flowID: String?
    public var sensor: String?
    public var message: String?
    /// The evidence file of the flow (null when none could be kept).
    public var evidence: String?
    public var evidenceError: String?

    enum CodingKeys: String, CodingKey {
        case timestamp, rule, severity, proto, initiator, vlan, sensor, message, evidence
        case srcIP = "src_ip"
        case srcPort = "src_port"
        case destIP = "dest_ip"
        case destPort = "dest_port"
        case srcZone = "src_zone"
        case destZone = "dest_zone"
        case srcMAC = "src_mac"
        case destMAC = "dest_mac"
        case flowID = "flow_id"
        case evidenceError = "evidence_error"
    }
}
