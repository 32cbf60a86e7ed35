import XCTest
import ZonesepCapture
import ZonesepCore
import ZonesepRuntime

/// `OutageLog`: what `watch`'s control loop sees at each look becomes spans of one cause each, with the
/// time blind over all of them, the longest listed when there are too many, and one still open at the stop
/// ended there.
final class OutageLogTests: XCTestCase {
    func testTheCauseIsNamedInOrderOfWhatExplainsTheBlindnessBest() {
        XCTAssertEqual(OutageLog.kind(link: .missing, capturing: 0, workers: 2), .interfaceGone)
        XCTAssertEqual(OutageLog.kind(link: .up, capturing: 1, workers: 2), .captureDown, "a worker not capturing")
        XCTAssertEqual(OutageLog.kind(link: .down, capturing: 2, workers: 2), .linkDown)
        XCTAssertEqual(OutageLog.kind(link: .noCarrier, capturing: 2, workers: 2), .noCarrier)
        XCTAssertEqual(OutageLog.kind(link: .down, capturing: 0, workers: 2), .captureDown)
        XCTAssertNil(OutageLog.kind(link: .up, capturing: 2, workers: 2))
    }

    func testEachStretchOfOneCauseIsOneOutageAndTheTimeBlindAddsThemUp() {
        var log = OutageLog()
        log.observe(nil, now: 1_000)
        log.observe(.interfaceGone, now: 2_000_000)
        log.observe(.interfaceGone, now: 3_000_000)  // the same outage, looked at again
        log.observe(.captureDown, now: 4_000_000)  // back, the capture not yet reopened
        log.observe(nil, now: 4_500_000)
        log.observe(.linkDown, now: 10_000_000)
        XCTAssertEqual(log.listed.count, 2, "the link-down outage is still going on")
        log.finish(now: 12_000_000)
        XCTAssertEqual(
            log.listed,
            [
                CaptureOutage(fromMicros: 2_000_000, toMicros: 4_000_000, kind: .interfaceGone),
                CaptureOutage(fromMicros: 4_000_000, toMicros: 4_500_000, kind: .captureDown),
                CaptureOutage(fromMicros: 10_000_000, toMicros: 12_000_000, kind: .linkDown),
            ])
        XCTAssertEqual(log.blindMicros, 4_500_000)
        XCTAssertEqual(log.notListed, 0)
    }

    func testPastTheListTheLongestAreKeptInTimeOrderAndTheRestCounted() {
        var log = OutageLog()
        var t: Int64 = 0
        // 101 flaps of 1 s, then one of a night, then another flap.
        for _ in 0...CaptureOutage.listed {
            log.observe(.noCarrier, now: t)
            log.observe(nil, now: t + 1_000_000)
            t += 10_000_000
        }
        log.observe(.linkDown, now: t)
        log.observe(nil, now: t + 8 * 3_600_000_000)
        log.observe(.noCarrier, now: t + 9 * 3_600_000_000)
        log.finish(now: t + 9 * 3_600_000_000 + 1_000_000)
        XCTAssertEqual(log.listed.count, CaptureOutage.listed)
        XCTAssertEqual(log.notListed, 3, "103 outages, 100 listed")
        XCTAssertTrue(log.listed.contains { $0.kind == .linkDown }, "the night down is listed")
        XCTAssertEqual(log.listed.map(\.fromMicros), log.listed.map(\.fromMicros).sorted())
        XCTAssertEqual(log.blindMicros, 102 * 1_000_000 + 8 * 3_600_000_000)
    }
}
