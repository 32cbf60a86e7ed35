import Foundation
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// What the capture dropped reaches the run's summary and its audit report: `watch`'s summary carries the
/// closing `stats` record's kernel counts as `dropped` (the sum over the workers), the text summary says them
/// beside the coverage, and `zonesep report` on the alerts file shows the number as a limit, not "unknown".
/// On network namespaces (TestNetwork); needs root, as the other live tests.
final class WatchDropsSummaryTests: LiveTestCase {
    /// `zonesep watch` with two workers on the sensor's port, IPv4 only, every record in the alerts file.
    private func start(_ net: TestNetwork, _ extra: [String]) throws -> (LiveDaemon, URL) {
        let config = scratch.appendingPathComponent("zones.conf")
        try WatchTests.zonesV1.write(to: config, atomically: true, encoding: .utf8)
        let alerts = scratch.appendingPathComponent("alerts.jsonl")
        let (tool, args) = net.inNamespace(
            net.sensorNamespace,
            [
                zonesep.path, "watch", "--interface", net.sensorInterface, "--config", config.path,
                "--alerts", alerts.path, "--suppress-window", "0", "--bpf", "ip", "--workers", "2",
                "--stats-interval", "0",
            ] + extra)
        let d = try LiveDaemon(tool, args, scratch: scratch)
        daemon = d
        try d.waitForStderr("watching ")
        return (d, alerts)
    }

    /// Stops the daemon (exit 0) and returns its closing `stats` record's kernel drops (kernel, interface)
    /// and its summary, the alerts file's last record.
    private func stop(_ d: LiveDaemon, alerts: URL) throws -> (ProcessOutcome, UInt64, UInt64, [String: Any]) {
        d.signal(SIGTERM)
        let outcome = d.waitForExit(timeout: 30)
        XCTAssertTrue(outcome.exitedNormally && outcome.status == 0, outcome.brief)
        let records = EventFile(url: alerts).records()
        let stats = try XCTUnwrap(records.last { $0["event_type"] as? String == "stats" }, "no closing stats record")
        let kernel = try XCTUnwrap(stats["kernel"] as? [String: Any], "\(stats)")
        let summary = try XCTUnwrap(records.last, "an empty alerts file")
        XCTAssertEqual(summary["event_type"] as? String, "summary")
        return (
            outcome, UInt64(try XCTUnwrap(JSONLines.int(kernel["dropped"]))),
            UInt64(try XCTUnwrap(JSONLines.int(kernel["if_dropped"]))), summary
        )
    }

    /// `zonesep report` on the alerts file, in `format`.
    private func report(_ alerts: URL, format: String) throws -> String {
        let out = scratch.appendingPathComponent("report.\(format)")
        let config = scratch.appendingPathComponent("zones.conf")
        let run = try Harness.run(
            zonesep,
            ["report", "--config", config.path, alerts.path, "--report-format", format, "-o", out.path], timeout: 60)
        XCTAssertEqual(run.status, 0, run.brief)
        return try String(contentsOf: out, encoding: .utf8)
    }

    /// A ring of 64 KiB a worker, the sensor held still through a burst of 3000 pings: the kernel drops, and
    /// the summary, its text and the report of the alerts file say how many (the text output's coverage line
    /// alone said 100 % of the frames seen).
    func testAnOverflowedRingsDropsReachTheSummaryAndTheReport() throws {
        let net = try TestNetwork.threeZones()
        network = net
        let (d, alerts) = try start(net, ["--snaplen", "128", "--buffer-size", "65536"])
        d.signal(SIGSTOP)
        let flood = try net.run(
            on: "lgwan", ["ping", "-n", "-q", "-f", "-c", "3000", "-w", "10", net.host("internet").address], timeout: 20
        )
        d.signal(SIGCONT)
        XCTAssertTrue(flood.exitedNormally, flood.brief)
        let (outcome, kernel, interface, summary) = try stop(d, alerts: alerts)
        let dropped = kernel + interface
        XCTAssertGreaterThan(dropped, 0, "the ring overflowed: \(outcome.stderrText)")
        XCTAssertEqual(JSONLines.int(summary["dropped"]).map(UInt64.init), dropped, "\(summary)")

        let text = outcome.stdoutText
        XCTAssertTrue(
            text.contains(
                "\n\(dropped) packets dropped by the capture before zonesep saw them (kernel \(kernel), interface "
                    + "\(interface)): the coverage above counts only the frames zonesep saw"), text)
        XCTAssertTrue(outcome.stderrText.contains("dropped by the capture (kernel "), outcome.stderrText)

        let md = try report(alerts, format: "md")
        XCTAssertTrue(md.contains("| 取りこぼしたパケット dropped packets | \(dropped) |"), md)
        let html = try report(alerts, format: "html")
        XCTAssertTrue(html.contains("data-limited=\"true\""), "the verdict is limited")
        let grouped = String(dropped).reversed().enumerated().map { String($1) + ($0 > 0 && $0 % 3 == 0 ? "," : "") }
            .reversed().joined()
        XCTAssertTrue(html.contains("取りこぼし \(grouped) dropped packets"), "the verdict's limits name them")
        XCTAssertFalse(html.contains("capture files do not record drops"), "a live run is no capture file")
        print("watch: 2 workers, 64 KiB rings, paused through 3000 pings: dropped \(kernel) + \(interface)")
    }

    /// Without an overflow too the summary's `dropped` is the closing stats record's kernel counts (0 here):
    /// a live run knew it lost nothing, which the report says as 0, not "unknown".
    func testTheSummarysDropsAreTheClosingStatsKernelCounts() throws {
        let net = try TestNetwork.threeZones()
        network = net
        let (d, alerts) = try start(net, ["--output", "json"])
        try net.ping(from: "mynumber", to: net.host("lgwan").address)
        let deadline = Date().addingTimeInterval(10)
        while EventFile(url: alerts).alerts().isEmpty && Date() < deadline { usleep(10_000) }
        usleep(300_000)
        let (outcome, kernel, interface, summary) = try stop(d, alerts: alerts)
        XCTAssertEqual(JSONLines.int(summary["dropped"]).map(UInt64.init), kernel + interface, "\(summary)")
        let stdoutSummary = outcome.stdoutLines.last.flatMap(JSONLines.object)
        XCTAssertEqual(JSONLines.int(stdoutSummary?["dropped"]).map(UInt64.init), kernel + interface)
        let md = try report(alerts, format: "md")
        XCTAssertTrue(md.contains("| 取りこぼしたパケット dropped packets | \(kernel + interface) |"), md)
        // The files table's one row, the interface captured, carries the run's drops as its own.
        let row = md.split(separator: "\n").first { $0.hasPrefix("| \(net.sensorInterface) |") }
        XCTAssertEqual(
            row.map { $0.split(separator: "|")[3].trimmingCharacters(in: .whitespaces) }, "\(kernel + interface)", md)
    }
}
