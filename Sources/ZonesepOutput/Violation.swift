import ZonesepCore

/// A violating flow with its totals, known once the flow has ended (or the replay has): what an
/// auditor needs beside the alert itself — how long it went on and how much crossed.
public struct Violation: Sendable {
    public var alert: Alert
    public var firstSeenMicros: Int64
    public var lastSeenMicros: Int64
    public var packets: UInt64
    public var bytes: UInt64
    /// Why the flow left the table: idle, closed, evicted, or end of capture.
    public var end: FlowEndReason
    /// The evidence capture of the flow (file name as in the alert's `evidence` field) and its SHA-256,
    /// where `--evidence` wrote one.
    public var evidenceFile: String?
    public var evidenceSHA256: String?
    /// Why `--evidence` made no file for the flow, whose alert went out with `"evidence":null` (a full
    /// disk, the evidence limits); nil when it made one, and when the alert never reached the evidence stage.
    public var evidenceError: String?
    /// Packets of the flow left out of its file (the byte budget, another link type): the file's hash vouches
    /// for less than all of the flow, and the report must not call it whole.
    public var evidenceLeftOut: UInt64 = 0
    /// The digest of the alert's Community ID where a sink before the collector hashed it (the alert's
    /// outputs); nil: the summary hashes it when it writes the violation.
    public var flowID: FlowIDDigest?
    /// The session (a `watch` worker) whose flow table held the flow: its serial names it only within that
    /// session, so the evidence a session wrote is matched to its own violations. Not written out.
    public var session = 0

    /// The violation's Community ID as text (`1:<base64>`).
    public var flowIDText: String { flowID.map(CommunityID.text) ?? CommunityID.text(CommunityID.digest(of: alert)) }

    public init(alert: Alert, flow: FlowEntry, end: FlowEndReason, flowID: FlowIDDigest? = nil) {
        self.alert = alert
        self.flowID = flowID
        self.firstSeenMicros = flow.firstSeen
        self.lastSeenMicros = flow.lastSeen
        self.packets = flow.packets
        self.bytes = flow.bytes
        self.end = end
    }
}

extension FlowEndReason {
    public var name: String {
        switch self {
        case .idle: return "idle"
        case .closed: return "closed"
        case .evicted: return "evicted"
        case .endOfCapture: return "end-of-capture"
        }
    }
}
