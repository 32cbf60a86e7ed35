import Foundation
import XCTest
import ZonesepTestSupport

/// An ICMP error travels with the flow it quotes only when it is sent to the quoted packet's source (from
/// the quoted destination or a router on the path) and that flow is known. One sent to anyone else quotes a
/// packet its receiver never sent, and one quoting a packet never seen quotes no known flow: either is judged
/// as a flow of its own, so a forged error between two zones is flagged.
final class ICMPErrorReplayTests: ScratchDirectoryTestCase {
    static let ethernet: [UInt8] = [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00]
    static let ethernetIPv6: [UInt8] = [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x86, 0xdd]

    static func udp(_ src: [UInt8], _ sport: UInt16, _ dst: [UInt8], _ dport: UInt16, id: UInt16) -> [UInt8] {
        PcapBytes.ipv4(17, id: id, src, dst, payload: 8)
            + [UInt8(sport >> 8), UInt8(sport & 0xff), UInt8(dport >> 8), UInt8(dport & 0xff), 0, 8, 0, 0]
    }

    /// An ICMP error of `type`/`code` from `src` to `dst` quoting `packet` (its header and first 8 bytes).
    static func error(_ src: [UInt8], _ dst: [UInt8], type: UInt8, code: UInt8, quoting packet: [UInt8]) -> [UInt8] {
        error(src, dst, type: type, code: code, wholeQuote: Array(packet.prefix(28)))
    }

    /// An ICMP error of `type`/`code` from `src` to `dst` whose body is all of `quote`.
    static func error(_ src: [UInt8], _ dst: [UInt8], type: UInt8, code: UInt8, wholeQuote quote: [UInt8]) -> [UInt8] {
        let body = [type, code, 0, 0, 0, 0, 0, 0] + quote
        return PcapBytes.ipv4(1, id: 7, src, dst, payload: body.count) + body
    }

    /// An ICMP echo request (type 8) from `src` to `dst` with identifier `id`.
    static func echo(_ src: [UInt8], _ dst: [UInt8], id: UInt16) -> [UInt8] {
        let body: [UInt8] = [8, 0, 0, 0, UInt8(id >> 8), UInt8(id & 0xff), 0, 1] + Array("abcdefgh".utf8)
        return PcapBytes.ipv4(1, id: 3, src, dst, payload: body.count) + body
    }

    /// An IPv6 address fd00:Z::H:L (Z the zone's group, H and L the host's last two groups).
    static func v6(_ zone: UInt8, _ h: UInt8, _ l: UInt8) -> [UInt8] {
        [0xfd, 0, 0, zone] + [UInt8](repeating: 0, count: 8) + [0, h, 0, l]
    }

    /// Replays `frames` (one µs apart) with `--flows` (checking its exit status, where `status` is given);
    /// returns the alerts, the summary and each flow record as "proto src>dest toserver/toclient verdict".
    func replay(_ frames: [[UInt8]], name: String, status: Int32? = nil) throws -> (
        alerts: [[String: Any]], summary: [String: Any]?, flows: [String]
    ) {
        var pcap = PcapBytes()
        for (i, f) in frames.enumerated() { pcap.append(f, micros: 1_800_000_000_000_000 + Int64(i)) }
        let capture = scratch.appendingPathComponent(name + ".pcap")
        try pcap.data.write(to: capture)
        let flowsFile = scratch.appendingPathComponent(name + ".flows.jsonl")
        let conf = root.appendingPathComponent("zones.conf")
        let outcome = try Harness.run(
            zonesep,
            ["replay", "--config", conf.path, "--output", "json", "--flows", flowsFile.path, capture.path],
            timeout: 60)
        XCTAssertTrue(outcome.exitedNormally, outcome.brief)
        if let status { XCTAssertEqual(outcome.status, status, outcome.brief) }
        let (alerts, summary, problems) = JSONLines.replay(outcome)
        XCTAssertEqual(problems, [])
        let records = try String(contentsOf: flowsFile, encoding: .utf8).split(separator: "\n").compactMap {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        let flows = records.map {
            "\($0["proto"] as? String ?? "?") \($0["src_ip"] as? String ?? "?")>\($0["dest_ip"] as? String ?? "?") "
                + "\(JSONLines.int($0["packets_toserver"]) ?? -1)/\(JSONLines.int($0["packets_toclient"]) ?? -1) "
                + "\($0["verdict"] as? String ?? "allowed")"
        }
        return (alerts.map(\.object), summary, flows)
    }

    /// REVIEW-71 F2: a mynumber host sends an internet host three port unreachables quoting a made-up
    /// connection of that host to the security cloud's proxy, each with 400 bytes of data; and an internet
    /// host sends an LGWAN PC a host unreachable quoting a made-up SMB SYN of that PC to a mynumber server.
    /// Neither quoted packet was ever seen: each error is judged by its own addresses. Before, the first
    /// raised nothing (an allowed flow internet → proxy was invented) and the second raised a critical
    /// mynumber-isolation against the PC.
    func testAnErrorQuotingAPacketNeverSeenIsJudgedByItsOwnAddresses() throws {
        let mynumberHost: [UInt8] = [10, 10, 2, 2]
        let internetHost: [UInt8] = [10, 30, 7, 8]
        let proxy: [UInt8] = [203, 0, 113, 10]
        let madeUp =
            PcapBytes.ipv4(6, id: 1, internetHost, proxy, payload: 20) + PcapBytes.tcpSYN(5000, 443)
            + Array(String(repeating: "SECRET-RESIDENT-DATA", count: 20).utf8)
        let exfil = Self.ethernet + Self.error(mynumberHost, internetHost, type: 3, code: 3, wholeQuote: madeUp)
        let lgwanPC: [UInt8] = [10, 20, 3, 4]
        let framing = PcapBytes.ipv4(6, id: 2, lgwanPC, [10, 10, 1, 53], payload: 20) + PcapBytes.tcpSYN(5000, 445)
        let frame = Self.ethernet + Self.error([10, 30, 9, 9], lgwanPC, type: 3, code: 1, quoting: framing)

        let (alerts, summary, flows) = try replay([exfil, exfil, exfil, frame], name: "made-up-quotes")
        XCTAssertEqual(
            Set(
                alerts.map {
                    "\($0["rule"] as? String ?? "?") \($0["proto"] as? String ?? "?") "
                        + "\($0["src_ip"] as? String ?? "?")>\($0["dest_ip"] as? String ?? "?")"
                }),
            ["mynumber-isolation icmp 10.10.2.2>10.30.7.8", "sanitisation-bypass icmp 10.30.9.9>10.20.3.4"])
        XCTAssertEqual(alerts.count, 2)
        XCTAssertEqual(
            Set(flows),
            ["icmp 10.10.2.2>10.30.7.8 3/0 mynumber-isolation", "icmp 10.30.9.9>10.20.3.4 1/0 sanitisation-bypass"],
            "no flow of a quoted tuple")
        XCTAssertEqual(JSONLines.int(summary?["flows"]), 2)
        let coverage = summary?["coverage"] as? [String: Any]
        XCTAssertEqual(JSONLines.int(coverage?["judged"]), 4)
    }

    /// REVIEW-73 finding 5: a ping and the error it draws are one flow, one alert, whatever the echo's
    /// identifier: an internet host's port unreachable about an LGWAN PC's echo (id 1234, and id 0), and an
    /// internet router's ICMPv6 time exceeded about another PC's echo (id 4321). Before, every identifier
    /// but 0 split the error off as a second flow with a second alert.
    func testAnErrorAboutAPingIsCountedWithThePing() throws {
        var frames: [[UInt8]] = []
        for (pc, id) in [(UInt8(4), UInt16(1234)), (3, 0)] {
            let echo = Self.echo([10, 20, 5, pc], [10, 30, 5, 3], id: id)
            frames.append(Self.ethernet + echo)
            frames.append(
                Self.ethernet + Self.error([10, 30, 5, 3], [10, 20, 5, pc], type: 3, code: 3, quoting: echo))
        }
        let (pc6, far6, router6) = (Self.v6(0x20, 5, 5), Self.v6(0x30, 5, 5), Self.v6(0x30, 0, 1))
        let echo6Body: [UInt8] = [128, 0, 0, 0, 0x10, 0xe1, 0, 1] + Array("abcdefgh".utf8)
        let echo6 = PcapBytes.ipv6(58, pc6, far6, payload: echo6Body.count) + echo6Body
        let exceeded6 = [3, 0, 0, 0, 0, 0, 0, 0] + echo6
        frames.append(Self.ethernetIPv6 + echo6)
        frames.append(Self.ethernetIPv6 + PcapBytes.ipv6(58, router6, pc6, payload: exceeded6.count) + exceeded6)

        let (alerts, summary, flows) = try replay(frames, name: "ping-errors")
        XCTAssertEqual(alerts.count, 3, "\(alerts)")
        XCTAssertTrue(alerts.allSatisfy { $0["rule"] as? String == "sanitisation-bypass" }, "\(alerts)")
        XCTAssertEqual(
            Set(flows),
            [
                "icmp 10.20.5.4>10.30.5.3 1/1 sanitisation-bypass", "icmp 10.20.5.3>10.30.5.3 1/1 sanitisation-bypass",
                "icmpv6 fd00:20::5:5>fd00:30::5:5 1/1 sanitisation-bypass",
            ])
        XCTAssertEqual(JSONLines.int(summary?["flows"]), 3)
        XCTAssertEqual(JSONLines.int((summary?["alerts"] as? [String: Any])?["total"]), 3)
    }

    func testAnErrorQuotingAnotherHostsPacketIsJudgedOnItsOwn() throws {
        let lgwanHost: [UInt8] = [10, 20, 3, 4]
        let datagram = Self.udp(lgwanHost, 40000, [10, 20, 5, 5], 5353, id: 1)
        let frames = [
            // A datagram within lgwan, refused by its receiver, and a router of the internet zone on the path
            // reporting on it: both errors go to the datagram's sender and join its flow (allowed).
            datagram,
            Self.error([10, 20, 5, 5], lgwanHost, type: 3, code: 3, quoting: datagram),
            Self.error([10, 30, 0, 1], lgwanHost, type: 11, code: 0, quoting: datagram),
            // An internet host sends the lgwan host a port unreachable about 10.10.5.5 → 10.10.6.6: forged.
            Self.error(
                [10, 30, 9, 9], lgwanHost, type: 3, code: 3,
                quoting: Self.udp([10, 10, 5, 5], 40001, [10, 10, 6, 6], 53, id: 2)),
        ]
        let (alerts, summary, flows) = try replay(frames.map { Self.ethernet + $0 }, name: "icmp-errors", status: 1)
        XCTAssertEqual(alerts.count, 1, "\(alerts)")
        let a = try XCTUnwrap(alerts.first)
        XCTAssertEqual(a["rule"] as? String, "sanitisation-bypass")
        XCTAssertEqual(a["proto"] as? String, "icmp")
        XCTAssertEqual(a["src_ip"] as? String, "10.30.9.9")
        XCTAssertEqual(a["dest_ip"] as? String, "10.20.3.4")
        XCTAssertEqual(a["src_zone"] as? String, "internet")
        XCTAssertEqual(a["dest_zone"] as? String, "lgwan")
        XCTAssertEqual(JSONLines.int(summary?["flows"]), 2)

        // The datagram's flow holds its two genuine errors; the forged error is a flow of its own.
        XCTAssertEqual(
            Set(flows), ["udp 10.20.3.4>10.20.5.5 1/2 allowed", "icmp 10.30.9.9>10.20.3.4 1/0 sanitisation-bypass"])
    }
}
