import Foundation
import XCTest
import ZonesepTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// `zonesep watch --workers 3` on ICMP errors sent raw into the test network's bridge: the fanout hands an
/// error to the worker of the pair it quotes, and there it joins that flow when the flow is known (a ping
/// and the errors about it are one flow, a datagram and a router's error about it too), or is judged by its
/// own addresses when the quoted packet was never seen, exactly as a replay of the same frames judges it.
final class WatchQuotedFlowTests: LiveTestCase {
    typealias W = WatchFragmentTests

    /// An ICMP (or, with `v6`, ICMPv6) message of `type` whose body after the 8-byte header is `body`.
    static func icmp(_ type: UInt8, code: UInt8 = 0, id: UInt16 = 0, _ body: [UInt8] = []) -> [UInt8] {
        [type, code, 0, 0, UInt8(id >> 8), UInt8(id & 0xff), 0, 1] + body
    }

    static func ip4(_ proto: UInt8, _ src: String, _ dst: String, _ transport: [UInt8]) -> [UInt8] {
        PcapBytes.ipv4(proto, id: 7, W.v4(src), W.v4(dst), payload: transport.count) + transport
    }

    /// Each frame between a client (mynumber :10 or LGWAN :20) and the Internet zone's MAC (:30).
    static func frames() -> [[UInt8]] {
        var f: [[UInt8]] = []
        // A ping answered by a port unreachable, and a router on the way reporting it too: one flow.
        let echo = ip4(1, "10.20.6.1", "10.30.6.1", icmp(8, id: 0x1234, Array("abcdefgh".utf8)))
        f.append(W.ether(echo, fromClient: true, client: 0x20))
        f.append(W.ether(ip4(1, "10.30.6.1", "10.20.6.1", icmp(3, code: 3, echo)), fromClient: false, client: 0x20))
        f.append(W.ether(ip4(1, "10.30.0.1", "10.20.6.1", icmp(11, echo)), fromClient: false, client: 0x20))
        // The same over IPv6: an echo and a router's time exceeded about it.
        let (pc, far, router) = (W.v6(0x20, 1), W.v6(0x30, 1), W.v6(0x30, 0xfe))
        let echo6Body = icmp(128, id: 0x4321, Array("abcdefgh".utf8))
        let echo6 = PcapBytes.ipv6(58, pc, far, payload: echo6Body.count) + echo6Body
        f.append(W.ether(echo6, fromClient: true, client: 0x20, type: 0x86dd))
        let exceeded6 = icmp(3, echo6)
        f.append(
            W.ether(
                PcapBytes.ipv6(58, router, pc, payload: exceeded6.count) + exceeded6, fromClient: false, client: 0x20,
                type: 0x86dd))
        // A mynumber host's port unreachables quoting a made-up connection of an Internet host to an external
        // proxy, with data behind the quote: judged by their own addresses on the quoted pair's worker.
        let madeUp =
            ip4(6, "10.30.6.2", "203.0.113.10", PcapBytes.tcpSYN(5000, 443))
            + Array(String(repeating: "SECRET-RESIDENT-DATA", count: 20).utf8)
        for _ in 0..<3 {
            f.append(W.ether(ip4(1, "10.10.6.2", "10.30.6.2", icmp(3, code: 3, madeUp)), fromClient: true))
        }
        // An Internet host's host unreachable to an LGWAN PC quoting a made-up SMB SYN of that PC.
        let framing = ip4(6, "10.20.6.3", "10.10.6.53", PcapBytes.tcpSYN(5000, 445))
        f.append(W.ether(ip4(1, "10.30.6.3", "10.20.6.3", icmp(3, code: 1, framing)), fromClient: false, client: 0x20))
        // A datagram and a router's time exceeded about it (the router's pair is not the datagram's).
        let datagram = ip4(17, "10.20.6.5", "10.30.6.5", [0xc3, 0x50, 0, 53, 0, 12, 0, 0, 1, 2, 3, 4])
        f.append(W.ether(datagram, fromClient: true, client: 0x20))
        f.append(W.ether(ip4(1, "10.30.0.1", "10.20.6.5", icmp(11, datagram)), fromClient: false, client: 0x20))
        return f
    }

    func testWorkersJudgeICMPErrorsAsAReplayDoes() throws {
        _ = try Tools.require("python3", package: "python3")
        let net = try TestNetwork.threeZones()
        network = net
        let frames = Self.frames()
        let configURL = scratch.appendingPathComponent("zones.conf")
        try WatchFragmentTests.config.write(to: configURL, atomically: true, encoding: .utf8)

        var pcap = PcapBytes()
        for (i, f) in frames.enumerated() { pcap.append(f, micros: 1_781_480_460_000_000 + Int64(i) * 1000) }
        let pcapURL = scratch.appendingPathComponent("errors.pcap")
        try pcap.data.write(to: pcapURL)
        let replay = try Harness.run(
            zonesep, ["replay", "--config", configURL.path, "--output", "json", pcapURL.path], timeout: 60)
        let (replayed, replaySummary, problems) = JSONLines.replay(replay)
        XCTAssertEqual(problems, [])
        let expected = replayed.map(\.object)
        XCTAssertEqual(
            Set(expected.map(W.key)),
            [
                "sanitisation-bypass icmp 10.20.6.1:-1 -> 10.30.6.1:-1",
                "sanitisation-bypass icmpv6 fd00:20::6:1:-1 -> fd00:30::6:1:-1",
                "mynumber-isolation icmp 10.10.6.2:-1 -> 10.30.6.2:-1",
                "sanitisation-bypass icmp 10.30.6.3:-1 -> 10.20.6.3:-1",
                "sanitisation-bypass udp 10.20.6.5:50000 -> 10.30.6.5:53",
            ])
        XCTAssertEqual(expected.count, 5, "one alert a flow: \(expected.map(W.key))")
        XCTAssertEqual(JSONLines.int(replaySummary?["flows"]), 5)

        let alertsURL = scratch.appendingPathComponent("alerts.jsonl")
        let (tool, args) = net.inNamespace(
            net.sensorNamespace,
            [
                zonesep.path, "watch", "--interface", net.sensorInterface, "--config", configURL.path,
                "--alerts", alertsURL.path, "--suppress-window", "0", "--output", "json", "--workers", "3",
                "--stats-interval", "0", "--bpf", "ether host 02:00:00:00:77:30",
            ])
        let watch = try LiveDaemon(tool, args, scratch: scratch)
        daemon = watch
        try watch.waitForStderr("watching ")
        try sendRaw(frames, from: "mynumber", on: net)
        let file = EventFile(url: alertsURL)
        stop(watch, after: expected.count, alertsIn: file)

        let live = file.alerts()
        let summary = file.records().last
        XCTAssertEqual(summary?["event_type"] as? String, "summary")
        XCTAssertEqual(live.map(W.key).sorted(), expected.map(W.key).sorted(), "watch --workers 3 = replay")
        XCTAssertEqual(W.totals(summary), W.totals(replaySummary), "packets, coverage, anomalies and matrix")
        let workers = (file.records().last { $0["event_type"] as? String == "stats" }?["worker_packets"] as? [Any])?
            .compactMap(JSONLines.int)
        XCTAssertEqual(workers?.reduce(0, +), frames.count, "every frame, each taken by one worker: \(workers ?? [])")
        XCTAssertEqual(workers?.filter { $0 > 0 }.count ?? 0 > 1, true, "the pairs spread: \(workers ?? [])")
    }
}
