import Foundation
import XCTest
import ZonesepTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// SIGUSR1, SIGUSR2 and SIGALRM, whose default action is to terminate, sent to a running `watch` and
/// `collect`: they are ignored (the first of each named on stderr), the run goes on, and SIGTERM then
/// ends it as usual, with the summary and, for `watch`, the open evidence file closed and hashed.
final class StraySignalTests: LiveTestCase {
    static let stray: [(signal: Int32, name: String)] = [
        (SIGUSR1, "SIGUSR1"), (SIGUSR2, "SIGUSR2"), (SIGALRM, "SIGALRM"),
    ]

    /// Sends each stray signal twice, then checks the daemon runs on and said each ignored exactly once.
    func sendStraySignals(_ d: LiveDaemon, file: StaticString = #filePath, line: UInt = #line) throws {
        for _ in 0..<2 {
            for s in Self.stray {
                d.signal(s.signal)
                usleep(100_000)
            }
        }
        for s in Self.stray { try d.waitForStderr("\(s.name) ignored") }
        usleep(300_000)
        XCTAssertTrue(
            d.process.isRunning, "still running after USR1, USR2, ALRM: \(d.stderrText)", file: file, line: line)
        for s in Self.stray {
            XCTAssertEqual(
                d.stderrText.components(
                    separatedBy: "\(s.name) ignored: SIGHUP reloads zones.conf, SIGTERM or SIGINT stops"
                )
                .count - 1, 1, "the first \(s.name) is named, once: \(d.stderrText)", file: file, line: line)
        }
    }

    func testCollectIgnoresThemAndStopsOnSIGTERMWithItsSummary() throws {
        let config = root.appendingPathComponent("zones.conf").path
        let d = try LiveDaemon(
            zonesep,
            [
                "collect", "--config", config, "--listen", "udp://127.0.0.1:\(try Loopback.freePort(SOCK_DGRAM))",
                "--output", "json",
                "--stats-interval", "0",
            ], scratch: scratch, name: "collect")
        daemon = d
        try d.waitForStderr("collecting")
        try sendStraySignals(d)
        d.signal(SIGTERM)
        let outcome = d.waitForExit(timeout: 30)
        XCTAssertTrue(outcome.exitedNormally && outcome.status == 0, outcome.brief)
        XCTAssertEqual(outcome.stdoutLines.last.flatMap(JSONLines.object)?["event_type"] as? String, "summary")
    }

    func testWatchIgnoresThemAndStillHashesItsEvidenceOnSIGTERM() throws {
        let net = try TestNetwork.threeZones()
        network = net
        let config = scratch.appendingPathComponent("zones.conf")
        try WatchTests.zonesV1.write(to: config, atomically: true, encoding: .utf8)
        let alerts = EventFile(url: scratch.appendingPathComponent("alerts.jsonl"))
        let evidence = scratch.appendingPathComponent("evidence")
        let (tool, args) = net.inNamespace(
            net.sensorNamespace,
            [
                zonesep.path, "watch", "--interface", net.sensorInterface, "--config", config.path,
                "--output", "json", "--alerts", alerts.url.path, "--evidence", evidence.path, "--workers", "2",
                "--bpf", "ip",
            ])
        let d = try LiveDaemon(tool, args, scratch: scratch)
        daemon = d
        try d.waitForStderr("watching ")

        // A forbidden ping: its alert names an evidence file, which stays open (the ICMP flow has not ended).
        try net.ping(from: "mynumber", to: net.host("internet").address)
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline && alerts.alerts().isEmpty { usleep(50_000) }
        let file = try XCTUnwrap(alerts.alerts().first?["evidence"] as? String, "no alert: \(d.stderrText)")
        XCTAssertFalse(alerts.records().contains { $0["event_type"] as? String == "evidence" }, "the file is open")

        try sendStraySignals(d)
        d.signal(SIGTERM)
        let outcome = d.waitForExit(timeout: 30)
        XCTAssertTrue(outcome.exitedNormally && outcome.status == 0, outcome.brief)
        let records = alerts.records()
        XCTAssertEqual(records.last?["event_type"] as? String, "summary", "the summary ends the alerts file")
        let closing = records.filter { $0["event_type"] as? String == "evidence" }
        XCTAssertEqual(closing.count, 1)
        XCTAssertEqual(closing.first?["file"] as? String, file)
        XCTAssertEqual(closing.first?["closed"] as? String, "end-of-run")
        let sha = try XCTUnwrap(closing.first?["sha256"] as? String, "the open file was hashed at the stop")
        let sum = try Harness.run(
            URL(fileURLWithPath: "/usr/bin/sha256sum"), [evidence.appendingPathComponent(file).path], timeout: 10)
        XCTAssertEqual(sum.stdoutText.split(separator: " ").first.map(String.init), sha)
    }
}
