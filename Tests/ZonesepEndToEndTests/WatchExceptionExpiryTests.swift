import Foundation
import XCTest
import ZonesepTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// An exception that expires while `watch` runs: the flow it allowed before is allowed, the same flow after
/// is a violation, and stderr says when the exception stopped applying, so the operator who sees the alerts
/// begin reads why beside them. On network namespaces (TestNetwork); needs root, as the other live tests.
final class WatchExceptionExpiryTests: LiveTestCase {
    func testAnExceptionExpiringWhileWatchingIsSaidAndItsFlowsThenAlert() throws {
        let net = try TestNetwork.threeZones()
        network = net
        // Expires 6 s from now, as an offset date-time in JST (zones.conf reads dates in JST).
        let expiry = Date().addingTimeInterval(6).timeIntervalSince1970.rounded(.up)
        let f = ISO8601DateFormatter()
        f.timeZone = TimeZone(secondsFromGMT: 9 * 3600)
        f.formatOptions = [.withInternetDateTime]
        let config = scratch.appendingPathComponent("zones.conf")
        let exception = """

            [[exceptions]]
            name = "web-trial"
            from = ["10.20.0.2"]
            to = ["10.30.0.2"]
            ports = ["tcp/80"]
            approved = "CISO承認 試験"
            expires = \(f.string(from: Date(timeIntervalSince1970: expiry)))

            """
        try (ZonesText.sensor("watch-test") + ZonesText.threeZones() + exception).write(
            to: config, atomically: true, encoding: .utf8)
        let (tool, args) = net.inNamespace(
            net.sensorNamespace,
            [
                zonesep.path, "watch", "--interface", net.sensorInterface, "--config", config.path,
                "--output", "json", "--bpf", "ip", "--suppress-window", "0",
            ])
        let d = try LiveDaemon(tool, args, scratch: scratch)
        daemon = d
        try d.waitForStderr("watching ")
        try net.listenTCP(on: "internet", port: 80)
        try net.connectTCP(from: "lgwan", to: net.host("internet").address, port: 80)
        XCTAssertFalse(d.stderrText.contains("no longer applies"), d.stderrText)
        let wait = expiry + 0.5 - Date().timeIntervalSince1970
        XCTAssertGreaterThan(wait, 0, "the first connection came before the expiry")
        usleep(UInt32(max(0, wait) * 1_000_000))
        try net.connectTCP(from: "lgwan", to: net.host("internet").address, port: 80)
        try d.waitForStderr("exception 'web-trial' (expires = ")
        d.signal(SIGTERM)
        let outcome = d.waitForExit(timeout: 30)
        XCTAssertTrue(outcome.exitedNormally && outcome.status == 0, outcome.brief)
        let said = d.stderrText
        let utc = ISO8601DateFormatter()
        utc.timeZone = TimeZone(secondsFromGMT: 0)
        let instant = utc.string(from: Date(timeIntervalSince1970: expiry)).dropLast() + ".000000Z"
        XCTAssertTrue(said.contains("no longer applies from \(instant), "), said)
        XCTAssertTrue(said.contains("which packet time has reached: the flows it allowed are violations from now on"))
        XCTAssertEqual(said.components(separatedBy: "exception 'web-trial' (expires").count, 2, "said once: \(said)")
        let records = outcome.stdoutLines.compactMap { JSONLines.object($0) }
        let alerts = records.filter { $0["event_type"] as? String == "alert" }
        XCTAssertEqual(alerts.count, 1, "the connection after the expiry alone: \(alerts)")
        XCTAssertEqual(alerts.first?["rule"] as? String, "sanitisation-bypass")
    }
}
