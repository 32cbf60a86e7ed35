import Foundation
import XCTest
import ZonesepTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// `watch --suppress-window` on a link where only allowed traffic follows a window: the window closes by
/// packet time with the first packets after its end (within a second of packet time), and its
/// `alert_update` reaches the alerts file while the sensor runs, not at the next violation or the stop.
/// On network namespaces (TestNetwork); needs root, as the other live tests.
final class WatchSuppressionWindowTests: LiveTestCase {
    static let testMAC: [UInt8] = [0x02, 0, 0, 0, 0x77, 0x31]

    /// A TCP SYN from `src` to `dst` (IPv4), sent from the test's own MAC to one no host has.
    static func syn(_ src: [UInt8], _ dst: [UInt8], _ sport: UInt16, _ dport: UInt16) -> [UInt8] {
        [0x02, 0, 0, 0, 0, 0x01] + testMAC + [0x08, 0x00] + PcapBytes.ipv4(6, id: 1, src, dst, payload: 20)
            + PcapBytes.tcpSYN(sport, dport)
    }

    func testAWindowFollowedOnlyByAllowedTrafficClosesWithItsFirstPacketsPastTheEnd() throws {
        let net = try TestNetwork.threeZones()
        network = net
        let config = scratch.appendingPathComponent("zones.conf")
        try (ZonesText.sensor("watch-test") + ZonesText.threeZones()).write(
            to: config, atomically: true, encoding: .utf8)
        let alertsURL = scratch.appendingPathComponent("alerts.jsonl")
        let (tool, args) = net.inNamespace(
            net.sensorNamespace,
            [
                zonesep.path, "watch", "--interface", net.sensorInterface, "--config", config.path,
                "--alerts", alertsURL.path, "--suppress-window", "2s", "--output", "json", "--stats-interval", "0",
                // Only the frames sent here: the hosts' own chatter would move packet time too.
                "--bpf", "ether host 02:00:00:00:77:31",
            ])
        let watch = try LiveDaemon(tool, args, scratch: scratch)
        daemon = watch
        try watch.waitForStderr("watching ")
        let file = EventFile(url: alertsURL)

        // Two SYNs of one key (lgwan → internet tcp/445, no path): one alert, one folded into its window.
        try sendRaw(
            [
                Self.syn([10, 20, 1, 1], [10, 30, 7, 8], 41001, 445),
                Self.syn([10, 20, 1, 1], [10, 30, 7, 8], 41002, 445),
            ],
            from: "lgwan", on: net)
        guard let (alert, _) = file.waitForAlert(timeout: 10, { $0["dest_port"] != nil }) else {
            return XCTFail("no alert; stderr:\n\(watch.stderrText)")
        }
        let opened = try XCTUnwrap((alert["timestamp"] as? String).flatMap(EventFile.seconds))

        // Then only allowed traffic (inside LGWAN), a SYN every half second, for up to 8 s.
        var updateSeen: Date?
        for i in 0..<16 where updateSeen == nil {
            usleep(500_000)
            try sendRaw(
                [Self.syn([10, 20, 1, UInt8(30 + i)], [10, 20, 5, 10], UInt16(43000 + i), 80)], from: "lgwan", on: net)
            usleep(100_000)
            if file.records().contains(where: { $0["event_type"] as? String == "alert_update" }) { updateSeen = Date() }
        }
        let seen = try XCTUnwrap(updateSeen, "no alert_update while allowed packets passed the window's end")
        // The window ends 2 s after the alert; the first packets past it close it (within a second of packet
        // time), give or take the sending and the worker's polling.
        XCTAssertLessThan(seen.timeIntervalSince1970 - opened, 2 + 1 + 1.5, "seconds from the alert to its update")

        watch.signal(SIGTERM)
        let outcome = watch.waitForExit(timeout: 30)
        XCTAssertTrue(outcome.exitedNormally && outcome.status == 0, outcome.brief)
        let updates = file.records().filter { $0["event_type"] as? String == "alert_update" }
        XCTAssertEqual(updates.count, 1, "written once, not again at the stop: \(updates)")
        XCTAssertEqual(JSONLines.int(updates.first?["folded"]), 1)
        XCTAssertEqual(updates.first?["first_seen"] as? String, alert["timestamp"] as? String)
    }
}
