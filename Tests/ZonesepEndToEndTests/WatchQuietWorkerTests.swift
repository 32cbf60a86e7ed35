import Foundation
import XCTest
import ZonesepTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// `watch --workers 2` where one worker's host pairs fall quiet while the port stays busy (the other
/// worker's pair goes on): the quiet worker ends its closed connection by the port's packet time, so the
/// connection's flow record is written 10 s of packet time after its close, as with one worker, while the
/// sensor runs, not at the stop (a kill in between lost it). On network namespaces (TestNetwork); needs
/// root, as the other live tests.
final class WatchQuietWorkerTests: LiveTestCase {
    static let testMAC: [UInt8] = [0x02, 0, 0, 0, 0x77, 0x32]

    /// A TCP segment with `flags` from `src` to `dst` (IPv4), sent from the test's own MAC to one no host has.
    static func tcp(_ src: [UInt8], _ sport: UInt16, _ dst: [UInt8], _ dport: UInt16, flags: UInt8) -> [UInt8] {
        var segment = PcapBytes.tcpSYN(sport, dport)
        segment[13] = flags
        return [0x02, 0, 0, 0, 0, 0x01] + testMAC + [0x08, 0x00] + PcapBytes.ipv4(6, id: 1, src, dst, payload: 20)
            + segment
    }

    func testAQuietWorkersClosedConnectionIsRecordedByThePortsPacketTime() throws {
        let net = try TestNetwork.threeZones()
        network = net
        let python = try Tools.require("python3", package: "python3")
        let config = scratch.appendingPathComponent("zones.conf")
        try (ZonesText.sensor("watch-test") + ZonesText.threeZones()).write(
            to: config, atomically: true, encoding: .utf8)
        let alertsURL = scratch.appendingPathComponent("alerts.jsonl")
        let flowsURL = scratch.appendingPathComponent("flows.jsonl")
        let (tool, args) = net.inNamespace(
            net.sensorNamespace,
            [
                zonesep.path, "watch", "--interface", net.sensorInterface, "--config", config.path,
                "--alerts", alertsURL.path, "--flows", flowsURL.path, "--workers", "2", "--output", "json",
                "--stats-interval", "0",
                // Only the frames sent here: the hosts' own chatter would reach the quiet worker.
                "--bpf", "ether host 02:00:00:00:77:32",
            ])
        let watch = try LiveDaemon(tool, args, scratch: scratch)
        daemon = watch
        try watch.waitForStderr("watching ")
        let flows = FileTail(flowsURL)
        defer { flows.stop() }

        // One whole connection between one host pair (mynumber 10.10.0.2 → internet 10.30.0.2, tcp/445): SYN,
        // SYN-ACK, ACK, FIN both ways, the last ACK. The fanout sends the pair to one worker, the other pair
        // below (lgwan 10.20.0.2 → internet) to the other (FanoutProgramTests.testSharedByHostPair).
        let (m, l, i): ([UInt8], [UInt8], [UInt8]) = ([10, 10, 0, 2], [10, 20, 0, 2], [10, 30, 0, 2])
        try sendRaw(
            [
                Self.tcp(m, 41001, i, 445, flags: 0x02), Self.tcp(i, 445, m, 41001, flags: 0x12),
                Self.tcp(m, 41001, i, 445, flags: 0x10), Self.tcp(m, 41001, i, 445, flags: 0x11),
                Self.tcp(i, 445, m, 41001, flags: 0x11), Self.tcp(m, 41001, i, 445, flags: 0x10),
            ],
            from: "mynumber", on: net)
        let closed = Date()
        // Then only the other pair: a SYN every 0.1 s for 20 s, in the background.
        let stream = """
            import socket, sys, time
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
            s.bind(("eth0", 0))
            for h in sys.argv[1:]:
                s.send(bytes.fromhex(h))
                time.sleep(0.1)
            """
        let syns = (0..<200).map { k in
            Self.tcp(l, UInt16(30000 + k), i, 80, flags: 0x02).map { String(format: "%02x", $0) }.joined()
        }
        try net.spawn(on: "lgwan", [python.path, "-c", stream] + syns)

        let found = flows.waitForRecord(timeout: 16) { JSONLines.int($0["src_port"]) == 41001 }
        watch.signal(SIGTERM)
        let outcome = watch.waitForExit(timeout: 30)
        XCTAssertTrue(outcome.exitedNormally && outcome.status == 0, outcome.brief)

        // The closing stats: which worker got what. The connection's 6 frames on one, the stream on the other.
        let stats = EventFile(url: alertsURL).records().last { $0["event_type"] as? String == "stats" }
        let perWorker = (stats?["worker_packets"] as? [Any])?.compactMap(JSONLines.int) ?? []
        XCTAssertEqual(perWorker.count, 2, "\(String(describing: stats))")
        guard perWorker.allSatisfy({ $0 > 0 }) else {
            throw XCTSkip("the fanout put both host pairs on one worker: \(perWorker)")
        }
        XCTAssertTrue(perWorker.contains(6), "one worker got the connection alone: \(perWorker)")

        let (record, seenAt) = try XCTUnwrap(
            found, "no flow record of the closed connection while watch ran; stderr:\n\(watch.stderrText)")
        XCTAssertEqual(record["end_reason"] as? String, "closed")
        XCTAssertEqual(JSONLines.int(record["packets_toserver"]), 4)
        XCTAssertEqual(JSONLines.int(record["packets_toclient"]), 2)
        // 10 s of packet time after the close (the closed timeout), and within the control thread's tick
        // (a second) and a worker's publishing after it.
        let after = seenAt.timeIntervalSince(closed)
        XCTAssertGreaterThan(after, 9.5, "not before its closed timeout")
        XCTAssertLessThan(after, 13, "seconds from the close to the record")
    }
}
