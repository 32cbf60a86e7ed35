import Foundation
import XCTest

/// `collect --max-alert-rate`: the alerts over the ceiling were dropped with nothing counting them (the
/// summary said 50 violating, the SIEM got 5, the sinks said nothing dropped). They are counted now as
/// replay counts them: the summary's `alerts.rate_limited`, the stats record and the metrics.
extension CollectTests {
    func testAlertsOverTheRateCeilingAreCountedInSummaryStatsAndMetrics() throws {
        let curl = try XCTUnwrap(Tools.find("curl"), "curl is not installed")
        // 50 violating flows (50 LGWAN hosts' SMB to the Internet zone) within 50 ms of record time.
        let template = Self.timesTemplate(256, (152, 153), setID: 2)
        let first = Self.exportSet(
            256, (1...25).flatMap { Self.timesRecord(host: UInt8($0), Self.farT0ms + UInt64($0), Self.farT0ms + 60) })
        let second = Self.exportSet(
            256, (26...50).flatMap { Self.timesRecord(host: UInt8($0), Self.farT0ms + UInt64($0), Self.farT0ms + 60) })
        var scrape = ""
        let run = try collect(extra: ["--max-alert-rate", "5", "--metrics", "127.0.0.1:0"]) { c in
            try Self.send(
                [
                    Self.ipfixMessage(exportTime: Self.farT0, sequence: 0, template, first),
                    Self.ipfixMessage(exportTime: Self.farT0, sequence: 25, second),
                ], to: c.port)
            usleep(1_500_000)  // the metrics are refreshed once a second
            let line = c.stderr.split(separator: "\n").first { $0.contains("metrics at http://127.0.0.1:") } ?? ""
            let url = String(line[(line.range(of: "http://")?.lowerBound ?? line.endIndex)...])
            scrape = try Harness.run(curl, ["-sS", "--max-time", "5", url], timeout: 20).stdoutText
        }
        XCTAssertEqual(run.alerts.count, 5, "the ceiling: 5 alert records in the one second")
        let alerts = try XCTUnwrap(run.summary["alerts"] as? [String: Any], "\(run.summary)")
        XCTAssertEqual(JSONLines.int(alerts["total"]), 50)
        XCTAssertEqual(JSONLines.int((alerts["by_rule"] as? [String: Any])?["sanitisation-bypass"]), 50)
        XCTAssertEqual(JSONLines.int(alerts["rate_limited"]), 45)
        XCTAssertEqual(JSONLines.int(alerts["suppressed"]), 0)
        let stats = try XCTUnwrap(run.records.last { $0["event_type"] as? String == "stats" })
        XCTAssertEqual(JSONLines.int(stats["alerts"]), 50)
        XCTAssertEqual(JSONLines.int(stats["alerts_rate_limited"]), 45)
        XCTAssertEqual(JSONLines.int(stats["alerts_suppressed"]), 0)
        let m = Self.samples(scrape)
        XCTAssertEqual(m["zonesep_alerts_rate_limited_total"], 45, scrape)
        XCTAssertEqual(m["zonesep_alerts_suppressed_total"], 0, scrape)
    }
}
