import Foundation
import XCTest
import ZonesepTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// `zonesep watch --workers 3` on mirrored traffic that reaches the sensor inside tunnels, sent raw into the
/// test network's bridge: one connection mirrored by two switches (two GRE or ERSPAN sessions), its request
/// through one switch's tunnel and its reply through another's, seen plain and MPLS-labelled, or carried by
/// two VXLAN tunnel endpoints, is one flow to the verifier, and must be one worker's: the alerts, flows and
/// matrix are those of a replay of the same frames.
final class WatchTunnelTests: LiveTestCase {
    typealias W = WatchFragmentTests

    static func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xff)] }

    static func ip4(_ proto: UInt8, _ src: String, _ dst: String, _ payload: [UInt8]) -> [UInt8] {
        PcapBytes.ipv4(proto, id: 7, W.v4(src), W.v4(dst), payload: payload.count) + payload
    }

    static func segment(_ sport: UInt16, _ dport: UInt16, flags: UInt8) -> [UInt8] {
        var s = PcapBytes.tcpSYN(sport, dport)
        s[13] = flags
        return s
    }

    static func udp(_ sport: UInt16, _ dport: UInt16, _ payload: [UInt8]) -> [UInt8] {
        be16(sport) + be16(dport) + be16(UInt16(8 + payload.count)) + [0, 0] + payload
    }

    /// The inner Ethernet frame of an IPv4 packet between a client (:10 mynumber, :20 LGWAN) and the Internet
    /// zone's MAC (:30), in the direction given.
    static func inner(_ ip: [UInt8], fromClient: Bool, client: UInt8 = 0x10) -> [UInt8] {
        let (c, server): ([UInt8], [UInt8]) = ([2, 0, 0, 0, 0x77, client], [2, 0, 0, 0, 0x77, 0x30])
        return (fromClient ? server + c : c + server) + [0x08, 0x00] + ip
    }

    /// A mirror's tunnel from `mirror` to the sensor's address, as the frame the bridge floods to the sensor.
    static func tunnel(_ proto: UInt8, from mirror: String, _ payload: [UInt8]) -> [UInt8] {
        W.ether(ip4(proto, mirror, "192.0.2.100", payload), fromClient: true)
    }

    static func gre(_ frame: [UInt8], from mirror: String) -> [UInt8] {
        tunnel(47, from: mirror, [0, 0, 0x65, 0x58] + frame)
    }

    /// ERSPAN type II (GRE with a sequence number) of `session`.
    static func erspan(_ frame: [UInt8], from mirror: String, session: UInt16, sequence: UInt8) -> [UInt8] {
        let header: [UInt8] =
            [0x10, 0, 0x88, 0xbe, 0, 0, 0, sequence] + [
                0x10, 0, UInt8(session >> 8), UInt8(session & 0xff), 0, 0, 0, 0,
            ]
        return tunnel(47, from: mirror, header + frame)
    }

    /// VXLAN from a tunnel endpoint, whose UDP source port (a hash of the inner flow) differs by direction.
    static func vxlan(_ frame: [UInt8], from vtep: String, sourcePort: UInt16) -> [UInt8] {
        tunnel(17, from: vtep, udp(sourcePort, 4789, [0x08, 0, 0, 0, 0, 0x13, 0x89, 0] + frame))
    }

    /// The same IPv4 packet behind two MPLS labels on the link (a carrier-side port of the same SPAN).
    static func labelled(_ ip: [UInt8], fromClient: Bool) -> [UInt8] {
        let labels: [UInt8] = [0, 0x10, 0, 64, 0, 0x11, 0x01, 64]
        return W.ether(labels + ip, fromClient: fromClient, type: 0x8847)
    }

    /// A TCP handshake between mynumber host 10.10.9.`n` and Internet host 10.30.9.`n`: its three packets,
    /// and whether each goes from the client.
    static func handshake(_ n: Int) -> [([UInt8], Bool)] {
        let (c, s, port) = ("10.10.9.\(n)", "10.30.9.\(n)", UInt16(41000 + n))
        return [
            (ip4(6, c, s, segment(port, 443, flags: 0x02)), true),
            (ip4(6, s, c, segment(443, port, flags: 0x12)), false),
            (ip4(6, c, s, segment(port, 443, flags: 0x10)), true),
        ]
    }

    /// The reviewer's cases and more, each over its own host pairs and its own mirrors (so that under a
    /// fanout by the tunnel's addresses some copies would land on another worker than their connection).
    static func frames() -> [[UInt8]] {
        var f: [[UInt8]] = []
        func mirror(_ n: Int, _ side: Int) -> String { "192.0.2.\(2 * n + side)" }
        // Every frame mirrored twice, by two switches' GRE (bridged Ethernet) tunnels.
        for n in 1...4 {
            for (ip, up) in handshake(n) {
                f.append(gre(inner(ip, fromClient: up), from: mirror(n, 0)))
                f.append(gre(inner(ip, fromClient: up), from: mirror(n, 1)))
            }
        }
        // Twice again, by two ERSPAN II sessions (10 and 20) of two switches.
        for n in 5...8 {
            for (i, (ip, up)) in handshake(n).enumerated() {
                f.append(erspan(inner(ip, fromClient: up), from: mirror(n, 0), session: 10, sequence: UInt8(i)))
                f.append(erspan(inner(ip, fromClient: up), from: mirror(n, 1), session: 20, sequence: UInt8(i)))
            }
        }
        // The request through one switch's session, the reply through the other's.
        for n in 9...12 {
            for (i, (ip, up)) in handshake(n).enumerated() {
                f.append(
                    erspan(
                        inner(ip, fromClient: up), from: mirror(n, up ? 0 : 1), session: up ? 10 : 20,
                        sequence: UInt8(i)))
            }
        }
        // Seen plain on the customer side and labelled on the carrier side.
        for n in 13...16 {
            for (ip, up) in handshake(n) {
                f.append(W.ether(ip, fromClient: up))
                f.append(labelled(ip, fromClient: up))
            }
        }
        // VXLAN: each direction from its own tunnel endpoint, with its own source port.
        for n in 17...20 {
            for (ip, up) in handshake(n) {
                f.append(vxlan(inner(ip, fromClient: up), from: mirror(n, up ? 0 : 1), sourcePort: up ? 50000 : 61000))
            }
        }
        // UDP from LGWAN hosts to an Internet server: requests through one GRE tunnel carrying IP, replies
        // through another. Half-flows would each be judged with their own initiator.
        for n in 21...24 {
            let (c, s) = ("10.20.9.\(n)", "10.30.9.50")
            let request = ip4(17, c, s, udp(UInt16(40000 + n), 3478, [1, 2, 3, 4]))
            let reply = ip4(17, s, c, udp(3478, UInt16(40000 + n), [5, 6, 7, 8]))
            f.append(tunnel(47, from: mirror(n, 0), [0, 0, 0x08, 0x00] + request))
            f.append(tunnel(47, from: mirror(n, 1), [0, 0, 0x08, 0x00] + reply))
        }
        return f
    }

    func testAConnectionSeenThroughSeveralTunnelsIsJudgedOnceAsInAReplay() throws {
        let (net, configURL) = try threeZonesWithConfig()
        let frames = Self.frames()
        let outcome = try replay(frames, savedAs: "tunnels.pcap", config: configURL)
        let (replayed, replaySummary, problems) = JSONLines.replay(outcome)
        XCTAssertEqual(problems, [])
        let expected = replayed.map(\.object)
        XCTAssertEqual(
            expected.count, 24, "one alert a connection, whatever tunnels brought it: \(expected.map(Self.key))")
        XCTAssertEqual(JSONLines.int(replaySummary?["flows"]), 24)

        let (_, workers) = try watchMatchesReplay(
            frames, on: net, config: configURL, replayAlerts: expected, replaySummary: replaySummary)
        XCTAssertEqual(workers?.count, 3)
    }

    /// A mynumber host's own VXLAN to an Internet address: its alert (`tunnel_ends`) reaches the alerts file
    /// while watch runs, before it is stopped, beside the alert of the flow inside, as in a replay.
    func testAMynumberHostsTunnelToTheInternetIsAlertedLive() throws {
        let (net, configURL) = try threeZonesWithConfig()
        var frames: [[UInt8]] = []
        for (ip, up) in Self.handshake(40) {
            let vxlan: [UInt8] = [0x08, 0, 0, 0, 0, 0x13, 0x89, 0] + Self.inner(ip, fromClient: up)
            let outer =
                up
                ? Self.ip4(17, "10.10.9.70", "198.51.100.9", Self.udp(50000, 4789, vxlan))
                : Self.ip4(17, "198.51.100.9", "10.10.9.70", Self.udp(61000, 4789, vxlan))
            frames.append(W.ether(outer, fromClient: up))
        }
        let outcome = try replay(frames, savedAs: "own-vxlan.pcap", config: configURL)
        let (replayed, replaySummary, problems) = JSONLines.replay(outcome)
        XCTAssertEqual(problems, [])
        XCTAssertEqual(
            replayed.map { "\(Self.key($0.object)) \($0.object["tunnel_ends"] as? String ?? "-")" },
            [
                "mynumber-isolation udp 10.10.9.70:50000 -> 198.51.100.9:4789 vxlan",
                "mynumber-isolation tcp 10.10.9.40:41040 -> 10.30.9.40:443 -",
            ])
        let (live, _) = try watchMatchesReplay(
            frames, on: net, config: configURL, replayAlerts: replayed.map(\.object), replaySummary: replaySummary)
        XCTAssertEqual(live.compactMap { $0["tunnel_ends"] as? String }, ["vxlan"], "once: one worker saw it")
    }

    /// A reload that adds a VXLAN port: the fanout opens the tunnels on it from then on, as the verifier does,
    /// so a connection whose two directions come from two tunnel endpoints on that port is judged once.
    func testAReloadedVXLANPortIsOpenedByTheFanoutToo() throws {
        let (net, configURL) = try threeZonesWithConfig()
        let before = "[sensor]\nname = \"worker-test\"\nvxlan_ports = [4789]\n\n"
        let after = "[sensor]\nname = \"worker-test\"\nvxlan_ports = [4789, 14789]\n\n"
        let zones = Self.threeZonesConfig.replacingOccurrences(of: ZonesText.sensor("worker-test"), with: "")
        try (after + zones).write(to: configURL, atomically: true, encoding: .utf8)
        var frames: [[UInt8]] = []
        for n in 30...37 {
            for (ip, up) in Self.handshake(n) {
                let vxlan: [UInt8] = [0x08, 0, 0, 0, 0, 0x13, 0x89, 0] + Self.inner(ip, fromClient: up)
                let from = "192.0.2.\(2 * n + (up ? 0 : 1))"
                frames.append(Self.tunnel(17, from: from, Self.udp(up ? 50000 : 61000, 14789, vxlan)))
            }
        }
        let outcome = try replay(frames, savedAs: "vxlan.pcap", config: configURL)
        let (replayed, replaySummary, problems) = JSONLines.replay(outcome)
        XCTAssertEqual(problems, [])
        XCTAssertEqual(replayed.count, 8, "one alert a connection")

        try (before + zones).write(to: configURL, atomically: true, encoding: .utf8)
        _ = try watchMatchesReplay(
            frames, on: net, config: configURL, replayAlerts: replayed.map(\.object), replaySummary: replaySummary
        ) { watch in
            try (after + zones).write(to: configURL, atomically: true, encoding: .utf8)
            watch.signal(SIGHUP)
            try watch.waitForStderr("reloaded")
            usleep(300_000)  // each worker takes the new map between two packets
        }
    }
}
