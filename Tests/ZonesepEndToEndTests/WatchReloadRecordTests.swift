import Foundation
import XCTest
import ZonesepTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A reload is said in the alert stream when it happens, not only in the summary at the stop: what the SIEM
/// reads (the alerts file, syslog) must show a refused map as refused.
final class WatchReloadRecordTests: LiveTestCase {
    func testAppliedAndRefusedReloadsAreRecordedInTheAlertsFileAndSyslog() throws {
        let net = try TestNetwork.threeZones()
        network = net
        let collector = try Collector(
            directory: scratch.appendingPathComponent("rsyslog"), udp: false, tcp: false, unix: true)
        try collector.start()
        defer { collector.stop() }
        let config = scratch.appendingPathComponent("zones.conf")
        try WatchTests.zonesV1.write(to: config, atomically: true, encoding: .utf8)
        let v1 = try Coreutils.sha256sum(config.path)
        let alerts = scratch.appendingPathComponent("alerts.jsonl")
        let (tool, args) = net.inNamespace(
            net.sensorNamespace,
            [
                zonesep.path, "watch", "--interface", net.sensorInterface, "--config", config.path,
                "--output", "json", "--alerts", alerts.path, "--suppress-window", "0", "--bpf", "ip",
                "--stats-interval", "1", "--syslog", "unix://\(collector.unixSocket!)",
            ])
        let d = try LiveDaemon(tool, args, scratch: scratch)
        daemon = d
        let file = EventFile(url: alerts)
        try d.waitForStderr("watching ")
        try net.ping(from: "mynumber", to: net.host("lgwan").address)
        let before = Date().addingTimeInterval(10)
        while Date() < before && !file.records().contains(where: { $0["event_type"] as? String == "stats" }) {
            usleep(100_000)
        }

        try WatchTests.zonesV2.write(to: config, atomically: true, encoding: .utf8)
        let v2 = try Coreutils.sha256sum(config.path)
        d.signal(SIGHUP)
        try d.waitForStderr("reloaded (3 zones)")
        try WatchTests.zonesBroken.write(to: config, atomically: true, encoding: .utf8)
        d.signal(SIGHUP)
        try d.waitForStderr("reload refused")
        // Both are in the file before the stop, and a stats record after them carries the digest in force.
        let deadline = Date().addingTimeInterval(10)
        var records: [[String: Any]] = []
        repeat {
            usleep(100_000)
            records = file.records()
        } while Date() < deadline
            && !(records.filter { $0["event_type"] as? String == "reload" }.count == 2
                && records.last { $0["event_type"] as? String == "stats" }?["config_sha256"] as? String == v2
                && (records.lastIndex { $0["event_type"] as? String == "stats" } ?? 0)
                    > (records.lastIndex { $0["event_type"] as? String == "reload" } ?? Int.max))
        let reloads = records.filter { $0["event_type"] as? String == "reload" }
        XCTAssertEqual(reloads.count, 2, "\(records.map { $0["event_type"] as? String ?? "?" })")
        XCTAssertFalse(records.contains { $0["event_type"] as? String == "summary" }, "said before the stop")
        let firstStats = records.first { $0["event_type"] as? String == "stats" }
        XCTAssertEqual(firstStats?["config_sha256"] as? String, v1, "stats before the reload: \(firstStats ?? [:])")
        XCTAssertEqual(
            records.last { $0["event_type"] as? String == "stats" }?["config_sha256"] as? String, v2,
            "the refused map is not the one in force")
        if reloads.count == 2 {
            let (applied, refused) = (reloads[0], reloads[1])
            XCTAssertEqual(applied["applied"] as? Bool, true)
            XCTAssertEqual(applied["previous_sha256"] as? String, v1)
            XCTAssertEqual(applied["config_sha256"] as? String, v2)
            XCTAssertTrue(applied["error"] is NSNull, "\(applied)")
            XCTAssertEqual(applied["sensor"] as? String, "watch-test")
            XCTAssertEqual(applied["config"] as? String, config.path)
            XCTAssertNotNil(EventFile.seconds(applied["timestamp"] as? String ?? ""), "the latest packet time")
            XCTAssertNotNil(EventFile.seconds(applied["wall_time"] as? String ?? ""))
            XCTAssertEqual(refused["applied"] as? Bool, false)
            XCTAssertEqual(refused["previous_sha256"] as? String, v2)
            XCTAssertTrue(refused["config_sha256"] is NSNull, "\(refused)")
            XCTAssertEqual(JSONLines.int(refused["errors"]), 1)
            XCTAssertEqual(
                (refused["error"] as? String)?.hasPrefix(
                    "\(config.path):\(WatchTests.brokenLine): zones.branch.networks[0]"),
                true, "the error names file, line and key: \(refused)")
        }
        // syslog, as rsyslog parsed it: the refusal a warning (4), the applied reload a notice (5).
        let received = try collector.waitFor(2, in: "unix").filter { $0.msgID == "reload" }
        XCTAssertEqual(received.map(\.severity), [5, 4], "\(received.map(\.raw))")
        XCTAssertEqual(received.map { $0.data["applied"] as? String }, ["true", "false"])
        XCTAssertEqual(received.first?.data["config_sha256"] as? String, v2)
        XCTAssertEqual(received.last?.data["previous_sha256"] as? String, v2)
        XCTAssertEqual(
            (received.last?.data["error"] as? String)?.contains(":\(WatchTests.brokenLine): zones.branch"), true,
            "\(received.last?.raw ?? "")")

        d.signal(SIGTERM)
        XCTAssertEqual(d.waitForExit(timeout: 30).status, 0)
        // The saved-run reader takes the new records: the report of the alerts file is made.
        try WatchTests.zonesV2.write(to: config, atomically: true, encoding: .utf8)
        let md = scratch.appendingPathComponent("report.md")
        let report = try Harness.run(
            zonesep, ["report", alerts.path, "--config", config.path, "-o", md.path, "--report-format", "md"],
            timeout: 60)
        XCTAssertEqual(report.status, 0, report.brief)
        let text = (try? String(contentsOf: md, encoding: .utf8)) ?? ""
        XCTAssertTrue(text.contains("reload"), "the report lists the reloads among its limits")
    }
}
