import ZonesepCore

/// The sink behind the summary's list of violating flows: each one's alert when it starts, its counters
/// when it ends.
///
/// A sensor that runs for months must not grow without bound: past `limit` violating flows the list takes
/// no more (it counts them), while each still raises its alert elsewhere.
public final class ViolationCollector: EventSink {
    public static let defaultLimit = 100_000

    public let interests: EventInterests = [.violationStarts, .violationEnds]
    public let limit: Int
    /// Violating flows still in the table, by serial, with their Community ID digest where a sink before
    /// this one hashed it (the alert's outputs: `EventBatch.knownFlowID`).
    private var open: [UInt64: (alert: Alert, flowID: FlowIDDigest?)] = [:]
    public private(set) var violations: [Violation] = []
    public private(set) var omitted: UInt64 = 0

    public init(limit: Int = ViolationCollector.defaultLimit) { self.limit = limit }

    public func consume(_ batch: EventBatch) {
        // The tables are taken out of the object for the batch: touched in place, each access to a class's
        // property is checked for exclusivity at run time (some 80 instructions), several an event.
        var open = self.open
        var violations = self.violations
        self.open = [:]
        self.violations = []
        defer {
            self.open = open
            self.violations = violations
        }
        // Events are read where they lie (`for e in` copied each, a flow entry and all, most of them of
        // allowed flows).
        let events = batch.events
        for i in events.indices where events[i].concernsViolation {
            switch events[i].kind {
            case .flowStarted:
                if let a = Alert(flow: events[i].flow) {
                    open[events[i].flow.serial] = (a, batch.knownFlowID(of: i))
                }
            case .flowEnded:
                guard let o = open.removeValue(forKey: events[i].flow.serial) else { continue }
                if violations.count < limit {
                    violations.append(
                        Violation(alert: o.alert, flow: events[i].flow, end: events[i].endReason, flowID: o.flowID))
                } else {
                    omitted += 1
                }
            case .flaggedPacket, .hostFinding:
                continue
            }
        }
    }

    /// The violations in the order their flows started (a run's flows all end before its summary).
    public var inStartOrder: [Violation] { violations.sorted { $0.alert.flowSerial < $1.alert.flowSerial } }
}
