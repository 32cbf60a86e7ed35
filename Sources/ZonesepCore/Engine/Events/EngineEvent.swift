/// What the engine tells its sinks: a value with no references, so a batch of them is a flat buffer the
/// engine fills without allocating and hands over whole.
///
/// The flow's entry is copied in as it stood when the event happened: a sink never looks into the flow
/// table (which the next packet may change) to learn about a flow.
public struct EngineEvent: Sendable {
    public enum Kind: UInt8, Sendable {
        /// A new flow was judged: `flow.verdict` is its rule (nil: allowed), `flow.declaration` the
        /// declaration that allowed it or that a `conduit-mac-mismatch` concerns. Also, once, for a flow
        /// allowed at its start whose conduit's MAC a later packet showed to differ (`flow.verdictIsLate`):
        /// `frame` is that packet, which dates its alert.
        case flowStarted
        /// A packet of a flow with a verdict (for evidence): `frame` indexes the batch's frames.
        case flaggedPacket
        /// A flow left the table: `flow` has its final counters, `endReason` why.
        case flowEnded
        /// A host rule fired (`dual-homed-host`, `zone-vlan-mismatch`): `hostFinding` indexes the batch's
        /// `hostFindings`, `frame` is the frame that completed it (-1 when it came from none); `flow` is
        /// empty.
        case hostFinding
    }

    public var kind: Kind
    public var endReason: FlowEndReason
    /// For a `hostFinding` event, its index in `EventBatch.hostFindings`; -1 otherwise. (16 bits fit in the
    /// hole before `frame`, so the event does not grow; a batch holds far fewer events than that.)
    public var hostFinding: Int16 = -1
    /// The frame of the batch the event belongs to (flow starts and flagged packets), -1 for none (a flow
    /// that ended by idling out while another frame was being processed, or at the end of the run).
    public var frame: Int32
    public var flow: FlowEntry

    @inlinable
    public init(kind: Kind, flow: FlowEntry, frame: Int32 = -1, endReason: FlowEndReason = .idle) {
        self.kind = kind
        self.flow = flow
        self.frame = frame
        self.endReason = endReason
    }

    /// A host finding's event: `finding` indexes `EventBatch.hostFindings`, `frame` the frame that showed
    /// it (or -1).
    @inlinable
    public init(hostFinding finding: Int, frame: Int32 = -1) {
        self.kind = .hostFinding
        self.flow = FlowEntry(
            key: FlowKey(
                addressA: IPAddress(rawValue: 0), addressB: IPAddress(rawValue: 0), portA: 0, portB: 0, proto: 0,
                vlans: 0))
        self.frame = frame
        self.endReason = .idle
        self.hostFinding = Int16(truncatingIfNeeded: finding)
    }

    /// Whether this event reports a flow that broke a rule (its start, its packets or its end). A host
    /// finding's event does not (it has no flow): see `kind`.
    @inlinable public var concernsViolation: Bool { flow.rule != FlowEntry.noVerdict }
}
