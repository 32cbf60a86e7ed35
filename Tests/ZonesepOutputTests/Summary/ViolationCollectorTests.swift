import XCTest
import ZonesepCore
import ZonesepTestSupport

@testable import ZonesepOutput

/// The violation collector keeps its open flows in start order and finds each flow's end by binary
/// search, leaving holes it clears now and then. Whatever the order flows end in, it must collect what
/// a plain table by serial collects: the same violations (alert, counters, end, flow id) in the same
/// order, the same count left out past the limit.
final class ViolationCollectorTests: XCTestCase {
    static let policy = Policy(
        PolicyConfig(
            sensor: "collector",
            zones: [Zone(id: "mynumber", kind: .mynumber, label: "m", networks: [IPPrefix("10.10.0.0/16")!])]))

    /// A violating flow numbered `serial`, with `packets` packets.
    static func flow(_ serial: UInt64, packets: UInt64 = 1) -> FlowEntry {
        var e = FlowEntry(
            key: FlowKey(
                addressA: IPAddress(rawValue: 0x0a0a_0000 | UInt128(serial & 0xffff)),
                addressB: IPAddress(rawValue: 0xc000_0200 | UInt128(serial & 0xff)), portA: UInt16(serial & 0xffff),
                portB: 443, proto: 6, vlans: 0))
        e.serial = serial
        // Every third of another rule, from an unzoned host: those left out are counted by rule and zones.
        e.rule = (serial % 3 == 0 ? RuleID.unzonedHost : RuleID.mynumberIsolation).rawValue
        e.zoneA = serial % 3 == 0 ? .unzoned : ZoneRef(rawValue: 0)
        e.firstSeen = Int64(serial) * 1000
        e.lastSeen = e.firstSeen + Int64(packets)
        e.packetsAB = packets
        return e
    }

    /// The collector as it was: a dictionary by serial.
    struct Reference {
        var open: [UInt64: Alert] = [:]
        var violations: [Violation] = []
        var omitted: UInt64 = 0
        /// The omitted by "rule src_zone dest_zone", from their alerts.
        var omittedBy: [String: UInt64] = [:]
        let limit: Int

        mutating func apply(_ e: EngineEvent) {
            guard e.concernsViolation else { return }
            switch e.kind {
            case .flowStarted: open[e.flow.serial] = Alert(flow: e.flow)
            case .flowEnded:
                guard let a = open.removeValue(forKey: e.flow.serial) else { return }
                if violations.count < limit {
                    violations.append(Violation(alert: a, flow: e.flow, end: e.endReason))
                } else {
                    omitted += 1
                    omittedBy["\(a.rule.name) \(a.srcZone.rawValue) \(a.destZone.rawValue)", default: 0] += 1
                }
            default: return
            }
        }
    }

    /// Feeds `events` to a collector of `limit` in batches of `batch`, and checks that it collects what the
    /// table by serial does: the violations in order with their counts and ends, the omitted, the open.
    @discardableResult
    func assertCollectsAsTheReference(
        _ events: [EngineEvent], limit: Int, batch: Int, _ what: String, line: UInt = #line
    ) -> ViolationCollector {
        let collector = ViolationCollector(limit: limit)
        feed(events, to: collector, batch: batch)
        var reference = Reference(limit: limit)
        events.forEach { reference.apply($0) }
        let v = collector.violations
        XCTAssertEqual(v.map(\.alert), reference.violations.map(\.alert), what, line: line)
        XCTAssertEqual(v.map(\.packets), reference.violations.map(\.packets), what, line: line)
        XCTAssertEqual(v.map(\.end), reference.violations.map(\.end), what, line: line)
        XCTAssertEqual(collector.omitted, reference.omitted, what, line: line)
        var omittedBy: [String: UInt64] = [:]
        for (g, n) in collector.omittedBy.counts {
            omittedBy["\(g.rule.name) \(g.srcZone.rawValue) \(g.destZone.rawValue)"] = n
        }
        XCTAssertEqual(omittedBy, reference.omittedBy, what, line: line)
        XCTAssertEqual(collector.openCount, reference.open.count, what, line: line)
        XCTAssertEqual(
            collector.inStartOrder.map(\.alert.flowSerial), reference.violations.map(\.alert.flowSerial).sorted(),
            what, line: line)
        return collector
    }

    func feed(_ events: [EngineEvent], to sink: EventSink, batch: Int, memo: EventMemo? = nil) {
        var i = 0
        while i < events.count {
            let chunk = Array(events[i..<min(i + batch, events.count)])
            memo?.reset()
            chunk.withUnsafeBufferPointer {
                sink.consume(
                    EventBatch(
                        events: $0, frames: UnsafeBufferPointer(start: nil, count: 0), linkType: .ethernet,
                        policy: Self.policy, memo: memo))
            }
            i += chunk.count
        }
    }

    func testAnyOrderOfEndsCollectsWhatATableBySerialCollects() {
        var random = SplitMix64(seed: 11)
        for (count, limit, batch) in [(0, 10, 7), (1, 10, 1), (40, 100, 5), (3_000, 100_000, 512), (3_000, 1_000, 64)] {
            // Starts in serial order (with allowed flows' serials skipped), ends shuffled and interleaved
            // with later starts; an eighth never end; an end of a flow that never started is ignored.
            let serials = (0..<count).map { UInt64($0 * 3 + 1) }
            var events: [EngineEvent] = []
            var pending: [UInt64] = []
            for s in serials {
                events.append(EngineEvent(kind: .flowStarted, flow: Self.flow(s)))
                pending.append(s)
                while pending.count > 20 || (!pending.isEmpty && Bool.random(using: &random)) {
                    let k = Int.random(in: 0..<pending.count, using: &random)
                    let s = pending.remove(at: k)
                    if s % 8 != 0 {
                        events.append(
                            EngineEvent(kind: .flowEnded, flow: Self.flow(s, packets: s % 5 + 1), endReason: .idle))
                    }
                }
            }
            events.append(EngineEvent(kind: .flowEnded, flow: Self.flow(2), endReason: .closed))
            for s in pending.shuffled(using: &random) {
                events.append(EngineEvent(kind: .flowEnded, flow: Self.flow(s), endReason: .endOfCapture))
            }
            assertCollectsAsTheReference(
                events, limit: limit, batch: batch, "\(count) flows, limit \(limit), batches of \(batch)")
        }
    }

    /// Ends already in start order come back as they are; one pair out of order anywhere (first, middle or
    /// last) is sorted, and serials that only look ordered at the ends are not taken as ordered.
    func testInStartOrderWithEndsInOrderAndNearlyInOrder() {
        let serials: [UInt64] = (1...40).map { $0 * 2 }
        var orders: [[UInt64]] = [serials, [], [5]]
        for k in [0, 19, 38] {
            orders.append(serials.enumerated().map { i, s in i == k ? serials[k + 1] : i == k + 1 ? serials[k] : s })
        }
        for order in orders {
            let collector = ViolationCollector()
            let events =
                serials.map { EngineEvent(kind: .flowStarted, flow: Self.flow($0)) }
                + order.map { EngineEvent(kind: .flowEnded, flow: Self.flow($0), endReason: .endOfCapture) }
            feed(events, to: collector, batch: 16)
            let ended = order.filter { serials.contains($0) }
            XCTAssertEqual(collector.violations.map(\.alert.flowSerial), ended)
            XCTAssertEqual(collector.inStartOrder.map(\.alert.flowSerial), ended.sorted(), "\(order)")
            XCTAssertEqual(collector.inStartOrder.map(\.end), ended.map { _ in .endOfCapture })
        }
    }

    /// A start out of serial order (no engine makes one) is still found at its end.
    func testAStartOutOfOrderIsFoundAtItsEnd() {
        let collector = ViolationCollector()
        let events =
            [9, 4, 7].map { EngineEvent(kind: .flowStarted, flow: Self.flow($0)) }
            + [4, 9, 7].map { EngineEvent(kind: .flowEnded, flow: Self.flow($0), endReason: .idle) }
        feed(events, to: collector, batch: 2)
        XCTAssertEqual(collector.violations.map(\.alert.flowSerial), [4, 9, 7])
        XCTAssertEqual(collector.openCount, 0)
    }

    /// Starts out of serial order among thousands (the open list's chunks hold 512: inserts cross their
    /// edges), ends in any order with compactions between them: what the table by serial collects.
    func testManyStartsOutOfOrderAcrossChunksCollectWhatATableBySerialCollects() {
        var random = SplitMix64(seed: 23)
        for (limit, batch) in [(100_000, 64), (700, 512)] {
            var events: [EngineEvent] = []
            var pending: [UInt64] = []
            var next: UInt64 = 1
            for round in 0..<40 {
                // A run in order, then a few older serials (given their verdict late).
                let run = (0..<100).map { next + UInt64($0) * 2 }
                next += 200
                var starts = run
                if round % 3 == 1 {
                    starts = run.filter { $0 % 7 != 0 } + run.filter { $0 % 7 == 0 }.shuffled(using: &random)
                }
                for s in starts {
                    events.append(EngineEvent(kind: .flowStarted, flow: Self.flow(s)))
                    pending.append(s)
                }
                for _ in 0..<Int.random(in: 0..<150, using: &random) where !pending.isEmpty {
                    let s = pending.remove(at: Int.random(in: 0..<pending.count, using: &random))
                    events.append(
                        EngineEvent(kind: .flowEnded, flow: Self.flow(s, packets: s % 4 + 1), endReason: .idle))
                }
            }
            for s in pending.shuffled(using: &random) {
                events.append(EngineEvent(kind: .flowEnded, flow: Self.flow(s), endReason: .endOfCapture))
            }
            let collector = assertCollectsAsTheReference(events, limit: limit, batch: batch, "limit \(limit)")
            XCTAssertEqual(collector.openCount, 0)
        }
    }

    /// At a capture's end every open flow ends in a row: the list of violations is made room for all of them
    /// at the first (no copy into fresh memory as it grows), and for no more than the limit.
    func testTheFlowsEndingAtTheEndAreGivenRoomAtTheFirstEnd() {
        for (count, limit) in [(5_000, 100_000), (5_000, 1_200)] {
            let collector = ViolationCollector(limit: limit)
            let serials = (1...count).map { UInt64($0) }
            feed(serials.map { EngineEvent(kind: .flowStarted, flow: Self.flow($0)) }, to: collector, batch: 512)
            let ends = serials.map { EngineEvent(kind: .flowEnded, flow: Self.flow($0), endReason: .endOfCapture) }
            feed(Array(ends.prefix(1)), to: collector, batch: 1)
            let kept = min(count, limit)
            XCTAssertGreaterThanOrEqual(collector.violations.capacity, kept)
            XCTAssertLessThan(collector.violations.capacity, kept + kept / 8, "room for the open flows, not twice")
            let place = collector.violations.withUnsafeBufferPointer { $0.baseAddress }
            feed(Array(ends.dropFirst()), to: collector, batch: 512)
            XCTAssertEqual(collector.violations.count, kept)
            XCTAssertEqual(collector.omitted, UInt64(count - kept))
            XCTAssertEqual(collector.violations.withUnsafeBufferPointer { $0.baseAddress }, place, "never moved")
            XCTAssertEqual(collector.inStartOrder.map(\.alert.flowSerial), Array(serials.prefix(kept)))
        }
    }

    /// The flow id a sink before the collector left in the batch goes with the violation; none when none.
    func testTheBatchsFlowIDGoesWithTheViolation() {
        let collector = ViolationCollector()
        let memo = EventMemo(capacity: 4)
        let d = FlowIDDigest(head: 7, middle: 8, tail: 9)
        let start = [
            EngineEvent(kind: .flowStarted, flow: Self.flow(1)), EngineEvent(kind: .flowStarted, flow: Self.flow(2)),
        ]
        memo.reset()
        memo.setFlowID(d, of: 1)
        start.withUnsafeBufferPointer {
            collector.consume(
                EventBatch(
                    events: $0, frames: UnsafeBufferPointer(start: nil, count: 0), linkType: .ethernet,
                    policy: Self.policy, memo: memo))
        }
        feed(
            [1, 2].map { EngineEvent(kind: .flowEnded, flow: Self.flow($0), endReason: .idle) }, to: collector, batch: 2
        )
        XCTAssertEqual(collector.violations.map(\.flowID), [nil, d])
    }
}
