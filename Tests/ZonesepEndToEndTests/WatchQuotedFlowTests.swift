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
        let (net, configURL) = try threeZonesWithConfig()
        let frames = Self.frames()
        let outcome = try replay(frames, savedAs: "errors.pcap", config: configURL)
        let (replayed, replaySummary, problems) = JSONLines.replay(outcome)
        XCTAssertEqual(problems, [])
        let expected = replayed.map(\.object)
        XCTAssertEqual(
            Set(expected.map(Self.key)),
            [
                "sanitisation-bypass icmp 10.20.6.1:-1 -> 10.30.6.1:-1",
                "sanitisation-bypass icmpv6 fd00:20::6:1:-1 -> fd00:30::6:1:-1",
                "mynumber-isolation icmp 10.10.6.2:-1 -> 10.30.6.2:-1",
                "sanitisation-bypass icmp 10.30.6.3:-1 -> 10.20.6.3:-1",
                "sanitisation-bypass udp 10.20.6.5:50000 -> 10.30.6.5:53",
            ])
        XCTAssertEqual(expected.count, 5, "one alert a flow: \(expected.map(Self.key))")
        XCTAssertEqual(JSONLines.int(replaySummary?["flows"]), 5)

        let (_, workers) = try watchMatchesReplay(
            frames, on: net, config: configURL, replayAlerts: expected, replaySummary: replaySummary)
        XCTAssertEqual(workers?.filter { $0 > 0 }.count ?? 0 > 1, true, "the pairs spread: \(workers ?? [])")
    }
}
