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
                    frameLength: f?.wireLength))
            each?(e, batch)
        }
    }
}
