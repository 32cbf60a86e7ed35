/// The one interface between the engine and every output: stdout, files, syslog, evidence, flow records,
/// metrics, the summary. The engine calls it with a batch of events at the end of each batch of frames
/// (or sooner, when its event buffer fills), never once per packet.
///
/// A sink says up front which events it wants (`interests`), so that the engine produces nothing that
/// nobody reads: with only alerts wanted, an allowed flow costs no event at all.
public protocol EventSink: AnyObject {
    var interests: EventInterests { get }
    /// Events in the order they happened. The batch, and the frame bytes it points at, are valid only
    /// during the call: a sink copies what it keeps.
    func consume(_ batch: EventBatch)
}

/// Which events a sink wants; the engine takes the union of its sinks' interests.
public struct EventInterests: OptionSet, Sendable {
    public let rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }

    /// Starts of flows with a verdict (alerts).
    public static let violationStarts = EventInterests(rawValue: 1)
    /// Starts of every flow, allowed ones included.
    public static let flowStarts = EventInterests(rawValue: 2)
    /// Packets of flows with a verdict, with their bytes (evidence).
    public static let flaggedPackets = EventInterests(rawValue: 4)
    /// Ends of flows with a verdict (the summary's violations, closing evidence files).
    public static let violationEnds = EventInterests(rawValue: 8)
    /// Ends of every flow (flow records).
    public static let flowEnds = EventInterests(rawValue: 16)
    /// Ends of flows that a declaration allowed (the audit of the policy's declarations): with flows
    /// allowed without one (most), they cost nothing.
    public static let declaredEnds = EventInterests(rawValue: 32)
    /// Host rule findings (`dual-homed-host`, `zone-vlan-mismatch`): rare, one per finding for the run.
    public static let hostFindings = EventInterests(rawValue: 64)
    /// Starts of flows whose first packet came inside a tunnel (flow records name the tunnel, which only
    /// that packet shows): plain flows cost nothing.
    public static let tunnelStarts = EventInterests(rawValue: 128)
    /// Packet time even while no event comes: after a batch that left none, an empty batch (its frames,
    /// no events) once a second of packet time at most. `watch` closes suppression windows by it while only
    /// allowed traffic passes; a replay does not ask (its windows close at its end, its output unchanged).
    public static let packetTime = EventInterests(rawValue: 256)
}

/// A batch of events and what they refer to: the frames of the engine's current batch (for
/// `flaggedPacket` events), their link type, and the policy in force (to name zones and declarations).
public struct EventBatch {
    public let events: UnsafeBufferPointer<EngineEvent>
    public let frames: UnsafeBufferPointer<Verifier.Frame>
    public let linkType: LinkType
    public let policy: Policy
    /// Counts the engine's policy reloads: a sink that renders with the policy can keep its renderer
    /// while this stays the same.
    public let policyEpoch: Int
    /// The host findings that this batch's `hostFinding` events index (empty in most batches).
    public let hostFindings: [HostFinding]
    /// Values of this batch's events that one sink computes for all (a flow's Community ID), indexed like
    /// `events`; nil: none kept, each sink computes its own.
    public let memo: EventMemo?

    public init(
        events: UnsafeBufferPointer<EngineEvent>, frames: UnsafeBufferPointer<Verifier.Frame>, linkType: LinkType,
        policy: Policy, policyEpoch: Int = 0, hostFindings: [HostFinding] = [], memo: EventMemo? = nil
    ) {
        self.events = events
        self.frames = frames
        self.linkType = linkType
        self.policy = policy
        self.policyEpoch = policyEpoch
        self.hostFindings = hostFindings
        self.memo = memo
    }

    /// The host finding a `hostFinding` event refers to.
    @inlinable
    public func hostFinding(of event: EngineEvent) -> HostFinding? {
        event.kind == .hostFinding && event.hostFinding >= 0 && Int(event.hostFinding) < hostFindings.count
            ? hostFindings[Int(event.hostFinding)] : nil
    }

    /// The frame an event refers to, if it refers to one.
    @inlinable
    public func frame(of event: EngineEvent) -> Verifier.Frame? {
        event.frame >= 0 && Int(event.frame) < frames.count ? frames[Int(event.frame)] : nil
    }
}

/// Hands every batch to several sinks in order. Each gets the whole batch, which may hold events it did
/// not ask for (another sink did): a sink skips what it does not use.
public final class SinkFanout: EventSink {
    public let sinks: [EventSink]
    public let interests: EventInterests

    public init(_ sinks: [EventSink]) {
        self.sinks = sinks
        interests = sinks.reduce(into: EventInterests()) { $0.formUnion($1.interests) }
    }

    public func consume(_ batch: EventBatch) {
        for s in sinks { s.consume(batch) }
    }
}
