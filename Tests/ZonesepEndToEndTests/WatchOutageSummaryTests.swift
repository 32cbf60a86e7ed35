import Foundation
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// A sensor blind for part of its run says so where an auditor reads: the link taken down and up under a
/// running `watch` is an outage in the interface's `files` entry of the summary (its span in the sensor's
/// clock, its kind, the time blind), and `zonesep report` of the alerts file lists it among the limits of
/// the audit, so a run that found no violation is not called clean. On network namespaces (TestNetwork);
/// needs root, as the other live tests.
final class WatchOutageSummaryTests: LiveTestCase {
    /// Seconds since the epoch now, by the wall clock `watch` stamps outages with.
    private func now() -> Double { Date().timeIntervalSince1970 }

    func testALinkDownMidRunIsAnOutageInTheSummaryAndALimitOfTheReport() throws {
        let net = try TestNetwork.threeZones()
        network = net
        let config = scratch.appendingPathComponent("zones.conf")
        try WatchTests.zonesV1.write(to: config, atomically: true, encoding: .utf8)
        let alerts = scratch.appendingPathComponent("alerts.jsonl")
        let (tool, args) = net.inNamespace(
            net.sensorNamespace,
            [
                zonesep.path, "watch", "--interface", net.sensorInterface, "--config", config.path,
                "--output", "json", "--alerts", alerts.path, "--bpf", "ip", "--workers", "2",
                "--stats-interval", "1",
            ])
        let d = try LiveDaemon(tool, args, scratch: scratch)
        daemon = d
        try d.waitForStderr("watching ")
        // Allowed traffic only (the mail-text relay's path), before and after: a clean verdict.
        try net.listenTCP(on: "lgwan", port: 25)
        try net.connectTCP(from: "internet", to: net.host("lgwan").address, port: 25)

        let ip = try Tools.require("ip", package: "iproute2")
        let downAt = now()
        try Tools.run(ip, ["-n", net.sensorNamespace, "link", "set", net.sensorInterface, "down"])
        try d.waitForStderr("eth0: interface is administratively down")
        usleep(2_500_000)
        let upAt = now()
        try Tools.run(ip, ["-n", net.sensorNamespace, "link", "set", net.sensorInterface, "up"])
        try d.waitForStderr("eth0: link up after")
        try net.connectTCP(from: "internet", to: net.host("lgwan").address, port: 25)
        usleep(500_000)
        d.signal(SIGTERM)
        let outcome = d.waitForExit(timeout: 30)
        XCTAssertTrue(outcome.exitedNormally && outcome.status == 0, outcome.brief)

        let summary = try XCTUnwrap(EventFile(url: alerts).records().last)
        XCTAssertEqual(summary["event_type"] as? String, "summary")
        XCTAssertEqual(JSONLines.int((summary["alerts"] as? [String: Any])?["total"]), 0, "\(summary)")
        let file = try XCTUnwrap((summary["files"] as? [[String: Any]])?.first)
        XCTAssertNil(file["error"] as? String)
        let outages = try XCTUnwrap(file["outages"] as? [[String: Any]], "\(file)")
        XCTAssertEqual(outages.count, 1, "\(outages)")
        XCTAssertEqual(outages.first?["kind"] as? String, "link-down")
        let from = try XCTUnwrap(EventFile.seconds(outages.first?["from"] as? String ?? ""))
        let to = try XCTUnwrap(EventFile.seconds(outages.first?["to"] as? String ?? ""))
        // The control loop looks at least once a second: each end is at most that late.
        XCTAssertGreaterThanOrEqual(from, downAt - 0.01)
        XCTAssertLessThan(from, downAt + 1.5)
        XCTAssertGreaterThanOrEqual(to, upAt - 0.01)
        XCTAssertLessThan(to, upAt + 1.5)
        let first = try XCTUnwrap(EventFile.seconds(file["first_packet"] as? String ?? ""))
        let last = try XCTUnwrap(EventFile.seconds(file["last_packet"] as? String ?? ""))
        XCTAssertTrue(first < from && to < last, "the outage lies inside the packets' span, in the same clock")
        let blind = try XCTUnwrap(JSONLines.int(file["blind_seconds"]))
        XCTAssertTrue((2...4).contains(blind), "blind_seconds \(blind)")
        XCTAssertEqual(JSONLines.int(file["capture_restarts"]), 0, "the capture stays open while the link is down")

        let out = scratch.appendingPathComponent("report.md")
        let run = try Harness.run(
            zonesep, ["report", "--config", config.path, alerts.path, "--report-format", "md", "-o", out.path],
            timeout: 60)
        XCTAssertEqual(run.status, 0, run.brief)
        let md = try String(contentsOf: out, encoding: .utf8)
        XCTAssertTrue(md.contains("| 取得の停止 capture outage: eth0 link-down | "), md)
        XCTAssertTrue(md.contains("| 取得できなかった時間 time blind: eth0 | \(blind) s, capture restarts 0 |"), md)
        XCTAssertTrue(md.contains("| blind \(blind) s: 1 capture outage |"), "the files table's status")
        let html = scratch.appendingPathComponent("report.html")
        let htmlRun = try Harness.run(
            zonesep, ["report", "--config", config.path, alerts.path, "-o", html.path], timeout: 60)
        XCTAssertEqual(htmlRun.status, 0, htmlRun.brief)
        let page = try String(contentsOf: html, encoding: .utf8)
        XCTAssertTrue(page.contains("data-violations=\"0\""))
        XCTAssertTrue(page.contains("data-limited=\"true\""), "no violation, but the sensor was blind a while")
        XCTAssertTrue(page.contains("取得の停止 1 capture outage (\(blind) s blind)"))
    }
}
