import ZonesepCore

/// A sink that keeps every event it is handed, with the time and length of the frame it points at, and
/// calls `each` for every event (while the batch, and so the frame, is still valid).
final class RecordingSink: EventSink {
    struct Seen: Equatable {
        var kind: EngineEvent.Kind
        var serial: UInt64
        var rule: UInt8
        var reason: FlowEndReason?
        var frameTime: Int64?
        var frameLength: Int?
        /// Everything else the entry holds, so that two ways of starting and counting a flow (the new-flow
        /// lane and the full decode) are held to the same entry, field by field.
        var entry: EntryFields
    }

    struct EntryFields: Equatable {
        var key: FlowKey
        var initiatorIsA: Bool
        var method: InitiatorMethod
        var hasMACs: Bool
        var inTunnel: Bool
        var zones: [ZoneRef]
        var declaration: Int16
        var macs: [UInt64]
        var icmp: [UInt8]
        var times: [Int64]
        var counts: [UInt64]
        var tcpState: UInt8

        init(_ e: FlowEntry) {
            key = e.key
            initiatorIsA = e.initiatorIsA
            method = e.method
            hasMACs = e.hasMACs
            inTunnel = e.inTunnel
            zones = [e.zoneA, e.zoneB]
            declaration = e.declaration
            macs = [e.macA, e.macB]
            icmp = [e.icmpType, e.icmpCode]
            times = [e.firstSeen, e.lastSeen]
            counts = [e.packetsAB, e.packetsBA, e.bytesAB, e.bytesBA]
            tcpState = e.tcpState
        }
    }

    let interests: EventInterests
    private(set) var seen: [Seen] = []
    var each: ((EngineEvent, EventBatch) -> Void)?

    init(_ interests: EventInterests = [.flowStarts, .flowEnds, .flaggedPackets]) {
        self.interests = interests
    }

    func consume(_ batch: EventBatch) {
        for e in batch.events {
            let f = batch.frame(of: e)
            seen.append(
                Seen(
                    kind: e.kind, serial: e.flow.serial, rule: e.flow.rule,
                    reason: e.kind == .flowEnded ? e.endReason : nil, frameTime: f?.timestamp,
                    frameLength: f?.wireLength, entry: EntryFields(e.flow)))
            each?(e, batch)
        }
    }
}
