import Foundation
import XCTest
import ZonesepTestSupport

/// A run that read no packet (replay of an empty capture) or no record (collect that nothing was sent to)
/// has no time of the traffic to judge an exception's expiry by: its summary's `expired` and `expiring` are
/// `null`, not `false`. The run said "expired: false" of exceptions its own startup warnings called expired
/// by today's date (REVIEW-148 F12c); verdicts use packet or record time, never the wall clock.
final class ExpiryWithNoTrafficTimeTests: ScratchDirectoryTestCase {
    /// The demonstration's three exceptions, in file order: each has an expiry.
    static let exceptions = ["web-conference", "vendor-remote-maintenance", "etax-direct"]

    static func exceptions(in summary: [String: Any]?) -> [[String: Any]] {
        ((summary?["declarations"] as? [[String: Any]]) ?? []).filter { $0["type"] as? String == "exception" }
    }

    func testAnEmptyCaptureJudgesNoExpiry() throws {
        let capture = scratch.appendingPathComponent("empty.pcap")
        try PcapBytes().data.write(to: capture)
        let json = try Harness.run(
            zonesep, ["replay", "--config", "zones.conf", "--output", "json", capture.path], timeout: 60, in: root)
        let summary = JSONLines.replay(json).summary
        XCTAssertTrue(JSONLines.isNull(summary?["timestamp"]), json.brief)
        let list = Self.exceptions(in: summary)
        XCTAssertEqual(list.map { $0["name"] as? String }, Self.exceptions, json.brief)
        for e in list {
            XCTAssertTrue(JSONLines.isNull(e["expired"]), "\(e)")
            XCTAssertTrue(JSONLines.isNull(e["expiring"]), "\(e)")
            XCTAssertNotNil(e["expires"] as? String, "\(e)")
        }
        let text = try Harness.run(
            zonesep, ["replay", "--config", "zones.conf", "--output", "text", capture.path], timeout: 60, in: root)
        let row = try XCTUnwrap(
            text.stdoutLines.first { $0.contains("vendor-remote-maintenance") }, text.stdoutText)
        XCTAssertTrue(row.contains("expiry not judged (no packet time)"), String(row))
        XCTAssertFalse(row.contains("expired"), String(row))
    }
}

extension CollectTests {
    /// A collector that read no record: the startup warnings say two of the exceptions expired by today's
    /// date, and the summary says nothing it cannot know rather than `expired: false`.
    func testACollectOfNoRecordJudgesNoExpiry() throws {
        let run = try collect(extra: ["--stats-interval", "0"]) { _ in }
        XCTAssertEqual(JSONLines.int(run.summary["records"]), 0, "\(run.summary)")
        XCTAssertTrue(run.stderr.contains("'etax-direct' expired"), run.stderr)
        let list = ExpiryWithNoTrafficTimeTests.exceptions(in: run.summary)
        XCTAssertEqual(list.map { $0["name"] as? String }, ExpiryWithNoTrafficTimeTests.exceptions)
        for e in list {
            XCTAssertTrue(JSONLines.isNull(e["expired"]), "\(e)")
            XCTAssertTrue(JSONLines.isNull(e["expiring"]), "\(e)")
        }
    }
}
