import Foundation
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// The closing counts of a `watch` stopped while traffic still arrives reconcile: the kernel's `received`
/// is the packets judged plus those it dropped, with no frame counted as received that came after the stop
/// and was never read (it said 54,388 received for 49,740 judged and 0 dropped), nor the copies a worker
/// threw away as it joined the fanout group (the flood starts before the daemon, so each has some). On
/// network namespaces (TestNetwork); needs root, as the other live tests.
final class WatchStopCountsTests: LiveTestCase {
    /// Sends TCP SYNs from the LGWAN host to the Internet host as fast as python can, for `seconds`.
    static let flood = """
        import socket, struct, sys, time
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        s.bind(("eth0", 0))
        head = bytes.fromhex("ffffffffffff02000a140002" "0800")
        ip = bytearray.fromhex("450000280000400040060000" "0a140002" "0a1e0002")
        c = sum(struct.unpack("!10H", ip))
        c = (c & 0xFFFF) + (c >> 16)
        ip[10:12] = struct.pack("!H", ~c & 0xFFFF)  # a bridge with br_netfilter drops a bad header checksum
        ip = bytes(ip)
        end = time.time() + float(sys.argv[1])
        n = 0
        while time.time() < end:
            for _ in range(256):
                n += 1
                tcp = struct.pack("!HHIIBBHHH", 1024 + n % 60000, 445, n, 0, 0x50, 0x02, 1024, 0, 0)
                s.send(head + ip + tcp)
        """

    private func stoppedMidFlood(workers: Int) throws {
        let net = try TestNetwork.threeZones()
        network = net
        let config = scratch.appendingPathComponent("zones.conf")
        try WatchTests.zonesV1.write(to: config, atomically: true, encoding: .utf8)
        let alerts = scratch.appendingPathComponent("alerts-\(workers).jsonl")
        let (tool, args) = net.inNamespace(
            net.sensorNamespace,
            [
                zonesep.path, "watch", "--interface", net.sensorInterface, "--config", config.path,
                "--output", "json", "--alerts", alerts.path, "--workers", "\(workers)", "--stats-interval", "1",
            ])
        let python = try Tools.require("python3", package: "python3")
        let (sender, senderArgs) = net.inNamespace(
            net.host("lgwan").namespace, [python.path, "-c", Self.flood, "30"])
        let flood = Process()
        flood.executableURL = sender
        flood.arguments = senderArgs
        flood.standardOutput = FileHandle.nullDevice
        flood.standardError = FileHandle.nullDevice
        try flood.run()
        defer {
            if flood.isRunning { kill(flood.processIdentifier, SIGKILL) }
            flood.waitUntilExit()
        }
        usleep(500_000)  // sending already, as each worker opens its capture
        let d = try LiveDaemon(tool, args, scratch: scratch, name: "watch-\(workers)")
        daemon = d
        try d.waitForStderr("watching ")
        let file = EventFile(url: alerts)
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline
            && !file.records().contains(where: {
                $0["event_type"] as? String == "stats" && (JSONLines.int($0["packets"]) ?? 0) > 10_000
            })
        {
            usleep(50_000)
        }
        XCTAssertTrue(flood.isRunning, "the sender is still sending at the stop")
        d.signal(SIGTERM)
        let outcome = d.waitForExit(timeout: 30)
        XCTAssertTrue(outcome.exitedNormally && outcome.status == 0, outcome.brief)

        let records = file.records()
        let stats = try XCTUnwrap(records.last { $0["event_type"] as? String == "stats" })
        let kernel = try XCTUnwrap(stats["kernel"] as? [String: Any], "\(stats)")
        let packets = try XCTUnwrap(JSONLines.int(stats["packets"]))
        let received = try XCTUnwrap(JSONLines.int(kernel["received"]))
        let dropped = try XCTUnwrap(JSONLines.int(kernel["dropped"]))
        XCTAssertGreaterThan(packets, 10_000)
        XCTAssertEqual(received, packets + dropped, "received = judged + dropped: \(stats)")
        let summary = try XCTUnwrap(records.last)
        XCTAssertEqual(JSONLines.int(summary["packets"]), packets)
        XCTAssertEqual(JSONLines.int(summary["dropped"]), dropped + (JSONLines.int(kernel["if_dropped"]) ?? 0))
    }

    func testOneWorkerStoppedMidFloodCountsWhatItJudged() throws { try stoppedMidFlood(workers: 1) }

    func testFourWorkersStoppedMidFloodCountWhatTheyJudged() throws { try stoppedMidFlood(workers: 4) }
}
