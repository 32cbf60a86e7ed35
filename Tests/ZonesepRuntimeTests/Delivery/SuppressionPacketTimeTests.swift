import Foundation
import XCTest
import ZonesepCore
import ZonesepOutput
import ZonesepTestSupport

@testable import ZonesepRuntime

/// `--suppress-window` in `watch` closes a window by packet time even when only allowed traffic follows
/// it: the engine tells the delivery packet time after batches that left no event, so the `alert_update`
/// reaches the outputs with the first packets past the window's end (within a second of packet time),
/// not with the next violation. A replay is not told: its windows close as before, at its end.
final class SuppressionPacketTimeTests: StdoutFileTestCase {
    static let window: Int64 = 3_000_000

    /// Two SYNs of one violating flow key (lgwan → internet tcp/445: one alert, one folded), then allowed
    /// lgwan SYNs every half second of packet time up to 5.5 s, each frame a batch of its own as a quiet
    /// link gives them.
    static func frames() -> [SinkCombinationTests.Frame] {
        typealias R = SuppressionAcrossReloadTests
        var out = [
            R.frame("10.20.0.2", 50001, "10.30.0.2", 445, at: 0),
            R.frame("10.20.0.2", 50002, "10.30.0.2", 445, at: 1),
        ]
        for half in 4...11 {
            var f = R.frame("10.20.0.2", UInt16(40000 + half), "10.20.0.3", 80, at: 0)
            f.time += Int64(half) * 500_000
            out.append(f)
        }
        return out
    }

    static func policy() -> Policy {
        typealias R = SuppressionAcrossReloadTests
        return Policy(PolicyConfig(sensor: "core-span", zones: [R.mynumber, R.lgwan, R.internet]))
    }

    func lines(_ path: String) throws -> [Substring] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
    }

    /// What the alerts file and standard output hold after each frame's batch, by the frame's packet time
    /// (µs after the first SYN).
    func run(live: Bool) throws -> (afterFrame: [(time: Int64, file: [Substring])], end: [Substring]) {
        var c = DeliveryConfig()
        c.alertsPath = dir.appendingPathComponent("alerts.jsonl").path
        c.suppressWindowMicros = Self.window
        let (pipeline, session) = try deliver(c, policy: Self.policy(), live: live)
        let frames = Self.frames()
        var seen: [(time: Int64, file: [Substring])] = []
        try session.process(frames, inBatchesOf: 1, linkType: .ethernet) { i in
            let file = try lines(c.alertsPath!)
            XCTAssertEqual(file, try lines(stdoutPath), "after the frame at \(i)")
            seen.append((frames[i].time - SuppressionAcrossReloadTests.t0, file))
        }
        var summary = session.finish(files: [])
        pipeline.finish(into: &summary)
        defer { pipeline.close() }
        XCTAssertEqual(summary.alertsSuppressed, 1)
        return (seen, try lines(c.alertsPath!))
    }

    func testWatchWritesTheUpdateWithTheFirstAllowedPacketsPastTheWindowsEnd() throws {
        let (afterFrame, end) = try run(live: true)
        for (time, file) in afterFrame {
            let updates = file.filter { $0.contains("\"event_type\":\"alert_update\"") }
            if time < Self.window {
                XCTAssertEqual(updates.count, 0, "the window is open at \(time) µs")
            } else if time >= Self.window + 1_000_000 {
                // Within a second of packet time past the window's end, not at the stop.
                XCTAssertEqual(updates.count, 1, "a second past the window's end (\(time) µs): \(file)")
            }
        }
        let update = try XCTUnwrap(end.first { $0.contains("\"event_type\":\"alert_update\"") })
        XCTAssertTrue(update.contains("\"folded\":1"), String(update))
        XCTAssertEqual(end.filter { $0.contains("\"event_type\":\"alert_update\"") }.count, 1, "written once")
    }

    /// A replay's output stays as it was: its window closes with its end.
    func testReplayClosesTheWindowAtItsEndAsBefore() throws {
        let (afterFrame, end) = try run(live: false)
        for (time, file) in afterFrame {
            XCTAssertFalse(file.contains { $0.contains("alert_update") }, "no update before the end (\(time) µs)")
        }
        XCTAssertEqual(end.filter { $0.contains("\"event_type\":\"alert_update\"") }.count, 1)
    }
}
