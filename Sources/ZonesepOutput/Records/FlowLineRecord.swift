/// A `flow` record of a `--flows` file as a reader gets it back: the coding keys are the keys
/// `FlowRecordFormat` writes, one schema for both directions (a test holds the writer to it).
public struct FlowLineRecord: Decodable, Sendable, Equatable {
    /// The declaration that allowed the flow (`allowed_by`).
    public struct AllowedBy: Decodable, Sendable, Equatable {
        public var type: String
        public var name: String
    }

    /// One layer of the `tunnel` list, outermost first.
    public struct Tunnel: Decodable, Sendable, Equatable {
        public var type: String
        public var src: String?
        public var dst: String?
        public var id: UInt64?
    }

    public var timestamp: String
    public var eventType: String
    public var proto: String
    public var srcIP: String
    public var srcPort: UInt64?
    public var destIP: String
    public var destPort: UInt64?
    public var srcZone: String
    public var destZone: String
    public var initiator: String
    public var vlan: [UInt64]
    public var tunnel: [Tunnel]?
    public var srcMAC: String?
    public var destMAC: String?
    public var flowID: String
    public var sensor: String
    public var start: String
    public var end: String
    public var endReason: String
    public var packetsToServer: UInt64
    public var packetsToClient: UInt64
    public var bytesToServer: UInt64
    public var bytesToClient: UInt64
    /// The rule the flow broke, or nil for an allowed flow.
    public var verdict: String?
    public var allowedBy: AllowedBy?

    enum CodingKeys: String, CodingKey {
        case timestamp, proto, initiator, vlan, tunnel, sensor, start, end, verdict
        case eventType = "event_type"
        case srcIP = "src_ip"
        case srcPort = "src_port"
        case destIP = "dest_ip"
        case destPort = "dest_port"
        case srcZone = "src_zone"
        case destZone = "dest_zone"
        case srcMAC = "src_mac"
        case destMAC = "dest_mac"
        case flowID = "flow_id"
        case endReason = "end_reason"
        case packetsToServer = "packets_toserver"
        case packetsToClient = "packets_toclient"
        case bytesToServer = "bytes_toserver"
        case bytesToClient = "bytes_toclient"
        case allowedBy = "allowed_by"
    }
}
