/// An `evidence` record (an evidence capture closed) as `zonesep report` reads it back. The coding keys are
/// the keys `DeliveryRecords.evidenceJSON` writes.
///
/// Only `file` is required: the report uses the record for one thing, the SHA-256 it shows beside the alert
/// that names the file.
public struct EvidenceRecord: Decodable, Sendable, Equatable {
    public var timestamp: String?
    public var rule: String?
    public var flowID: String?
    public var file: String
    public var packets: UInt64?
    public var bytes: UInt64?
    /// nil when the file could not be written whole (`error` says why): no hash vouches for it.
    public var sha256: String?
    /// Why it was closed: `flow-end`, `packet-cap`, `end-of-run` (earlier versions also wrote
    /// `open-file-limit`, for a file closed early whose flow's later packets were not saved).
    public var closed: String?
    public var error: String?
    /// Packets of the flow left out of the file for their link type; absent when none were.
    public var leftOut: UInt64?
    public var sensor: String?

    enum CodingKeys: String, CodingKey {
        case timestamp, rule, file, packets, bytes, sha256, closed, error, sensor
        case flowID = "flow_id"
        case leftOut = "left_out"
    }
}
