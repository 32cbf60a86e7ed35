import XCTest
import ZonesepCore

@testable import ZonesepOutput

/// Folding repeated alerts and the alerts-per-second ceiling, both in packet time.
final class SuppressionTests: XCTestCase {
    typealias F = OutputFixtures
    let hour: Int64 = 3_600_000_000

    /// What a delivery loop does with each alert: collect closed windows, fold, or write and open.
    func run(_ s: inout AlertSuppressor, _ alerts: [Alert]) -> (written: [UInt64], updates: [AlertSuppressor.Update]) {
        var written: [UInt64] = []
        var updates: [AlertSuppressor.Update] = []
        for a in alerts {
            while let u = s.nextClosed(by: a.timestampMicros) { updates.append(u) }
            if s.fold(a) { continue }
            s.opened(a)
            written.append(a.flowSerial)
        }
        return (written, updates)
    }

    func testRepeatsWithinTheWindowFoldIntoTheFirst() {
        var s = AlertSuppressor(windowMicros: hour)
        let alerts = [
            F.alert(srcPort: 50000, at: 0, serial: 1),
            F.alert(srcPort: 50001, at: 60, serial: 2),  // another source port: same key
            F.alert(srcPort: 50002, at: 3599, serial: 3),
        ]
        let (written, updates) = run(&s, alerts)
        XCTAssertEqual(written, [1])
        XCTAssertEqual(updates, [])
        XCTAssertEqual(s.suppressed, 2)
        let end = s.finish(at: F.t0 + 4000 * 1_000_000)
        XCTAssertEqual(end.count, 1)
        XCTAssertEqual(end.first?.first.flowSerial, 1)
        XCTAssertEqual(end.first?.folded, 2)
        XCTAssertEqual(end.first?.lastSeenMicros, F.t0 + 3599 * 1_000_000)
        XCTAssertEqual(end.first?.closedMicros, F.t0 + hour, "closed at the window's end, before the run's")
    }

    func testTheWindowClosesByPacketTimeAndANewOneStarts() {
        var s = AlertSuppressor(windowMicros: hour)
        let (written, updates) = run(
            &s,
            [
                F.alert(at: 0, serial: 1), F.alert(at: 10, serial: 2),
                F.alert(at: 3600, serial: 3),  // exactly at the end: the window is closed
                F.alert(at: 3700, serial: 4),
            ])
        XCTAssertEqual(written, [1, 3])
        XCTAssertEqual(updates.map(\.first.flowSerial), [1])
        XCTAssertEqual(updates.first?.folded, 1)
        XCTAssertEqual(updates.first?.closedMicros, F.t0 + hour)
        XCTAssertNil(s.nextClosed(by: F.t0 + hour + 3_599_000_000))
        let u = s.nextClosed(by: F.t0 + 2 * hour)
        XCTAssertEqual(u?.first.flowSerial, 3)
        XCTAssertEqual(u?.folded, 1)
        XCTAssertEqual(s.finish(at: F.t0 + 3 * hour), [])
    }

    func testEveryPartOfTheKeyCounts() {
        var s = AlertSuppressor(windowMicros: hour)
        let (written, _) = run(
            &s,
            [
                F.alert(at: 0, serial: 1),
                F.alert(.lgwanExternal, at: 1, serial: 2),  // rule
                F.alert(src: "10.20.3.5", at: 2, serial: 3),  // initiator
                F.alert(dst: "10.30.7.9", at: 3, serial: 4),  // responder
                F.alert(port: 139, at: 4, serial: 5),  // port
                F.alert(proto: 17, at: 5, serial: 6),  // protocol
                F.alert(src: "10.30.7.8", srcPort: 445, dst: "10.20.3.4", port: 51512, at: 6, serial: 7),  // reversed
                F.alert(at: 7, serial: 8),  // the first again: folded
            ])
        XCTAssertEqual(written, [1, 2, 3, 4, 5, 6, 7])
        XCTAssertEqual(s.suppressed, 1)
    }

    func testAWindowThatFoldedNothingClosesSilently() {
        var s = AlertSuppressor(windowMicros: 60_000_000)
        _ = run(&s, [F.alert(at: 0, serial: 1)])
        XCTAssertNil(s.nextClosed(by: F.t0 + 3_600_000_000))
        XCTAssertEqual(s.openWindows, 0)
    }

    func testZeroWindowFoldsNothing() {
        var s = AlertSuppressor(windowMicros: 0)
        let (written, updates) = run(&s, (1...5).map { F.alert(at: Double($0), serial: UInt64($0)) })
        XCTAssertEqual(written, [1, 2, 3, 4, 5])
        XCTAssertEqual(updates, [])
        XCTAssertEqual(s.finish(at: F.t0), [])
        XCTAssertEqual(s.suppressed, 0)
    }

    func testSameAlertsGiveTheSameFolds() {
        var alerts: [Alert] = []
        for i in 0..<200 {
            let src = "10.20.3.\(i % 7)"
            let seconds = Double(i * 97 % 10_000)
            alerts.append(F.alert(src: src, srcPort: UInt16(40000 + i), at: seconds, serial: UInt64(i)))
        }
        alerts.sort { $0.timestampMicros < $1.timestampMicros }
        var a = AlertSuppressor(windowMicros: 600_000_000)
        var b = AlertSuppressor(windowMicros: 600_000_000)
        let ra = run(&a, alerts)
        let rb = run(&b, alerts)
        XCTAssertEqual(ra.written, rb.written)
        XCTAssertEqual(ra.updates, rb.updates)
        XCTAssertEqual(a.finish(at: F.t0 + 20_000_000_000), b.finish(at: F.t0 + 20_000_000_000))
        XCTAssertEqual(UInt64(ra.written.count) + a.suppressed, 200)
    }

    /// The flood: distinct violating flows, each opening a window of an hour, grew the windows
    /// without end (86 -> 213 MB at 300,000 flows). Now they stay within the cap, and what the cap closed
    /// early is counted. Counted in entries, not resident memory.
    func testAFloodOfDistinctViolatingFlowsStaysWithinTheCap() {
        var s = AlertSuppressor(windowMicros: hour, maxWindows: 1000)
        let base = F.alert(at: 0, serial: 0)
        var largest = 0
        var queued = 0
        for i in 0..<100_000 {
            var a = base
            a.srcIP = IPAddress(v4: 0x0a14_0000 | UInt32(i))
            a.flowSerial = UInt64(i)
            a.timestampMicros = F.t0 + Int64(i) * 1000
            while s.nextClosed(by: a.timestampMicros) != nil {}
            XCTAssertFalse(s.fold(a))
            s.opened(a)
            largest = max(largest, s.openWindows)
            queued = max(queued, s.closing.count)
        }
        XCTAssertEqual(largest, 1000)
        XCTAssertEqual(s.evicted, 99_000)
        XCTAssertLessThanOrEqual(queued, 2 * 4096 + 1000, "the closing queue is compacted as it goes")
        XCTAssertEqual(s.finish(at: F.t0 + hour), [], "none of them folded anything")
    }

    /// A window closed early by the cap still reports what it folded, at once, and its key starts afresh.
    func testAWindowClosedEarlyStillReportsWhatItFolded() {
        var s = AlertSuppressor(windowMicros: hour, maxWindows: 2)
        let (written, updates) = run(
            &s,
            [
                F.alert(at: 0, serial: 1), F.alert(at: 1, serial: 2), F.alert(at: 2, serial: 3),  // 1 folds 2
                F.alert(src: "10.20.3.5", at: 3, serial: 4),
                F.alert(src: "10.20.3.6", at: 4, serial: 5),  // the cap: 1's window closes early
                F.alert(at: 5, serial: 6),  // written again, a window of its own
                F.alert(at: 6, serial: 7),
            ])
        XCTAssertEqual(written, [1, 4, 5, 6])
        XCTAssertEqual(updates.map(\.first.flowSerial), [1])
        XCTAssertEqual(updates.first?.folded, 2)
        XCTAssertEqual(updates.first?.closedMicros, F.t0 + 4_000_000, "closed when the cap took it")
        XCTAssertEqual(s.evicted, 2, "1's window, then 4's to make room for 6")
        XCTAssertLessThanOrEqual(s.openWindows, 2)
        XCTAssertEqual(s.finish(at: F.t0 + 10_000_000).map(\.folded), [1])
    }

    func testRateLimitPerSecondOfPacketTime() {
        var r = AlertRateLimiter(maxPerSecond: 2)
        let t = F.t0
        XCTAssertTrue(r.admit(at: t))
        XCTAssertTrue(r.admit(at: t + 500_000))
        XCTAssertFalse(r.admit(at: t + 999_999))
        XCTAssertTrue(r.admit(at: t + 1_000_000), "a new second")
        XCTAssertTrue(r.admit(at: t + 1_999_999))
        XCTAssertFalse(r.admit(at: t + 1_999_999))
        XCTAssertFalse(r.admit(at: t + 1_999_999))
        XCTAssertEqual(r.limited, 3)
        var off = AlertRateLimiter(maxPerSecond: 0)
        for i in 0..<1000 { XCTAssertTrue(off.admit(at: t + Int64(i))) }
        XCTAssertEqual(off.limited, 0)
    }
}
