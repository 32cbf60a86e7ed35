import Foundation
import XCTest
import ZonesepTestSupport

/// Internet traffic carried to the security cloud's gateway in a tunnel (GRE or IP in IP from the Internet
/// zone's router to a `[[gateways]]` address), with the real servers' addresses inside, is allowed by that
/// gateway, both ways; the same traffic in a tunnel to another address is still `security-cloud-bypass`.
final class GatewayTunnelReplayTests: ScratchDirectoryTestCase {
    static let router: [UInt8] = [10, 30, 0, 254]
    static let gateway: [UInt8] = [203, 0, 113, 10]  // the demonstration's security-cloud gateway
    static let pc: [UInt8] = [10, 30, 1, 1]
    static let server: [UInt8] = [93, 184, 216, 34]

    /// A TCP header from `sport` to `dport` with `flags` (0x02 SYN, 0x12 SYN-ACK).
    static func tcp(_ sport: UInt16, _ dport: UInt16, flags: UInt8) -> [UInt8] {
        var t = PcapBytes.tcpSYN(sport, dport)
        t[13] = flags
        return t
    }

    /// An Ethernet frame of IP protocol `proto` (47 GRE, 4 IP in IP) from `outerSrc` to `outerDst` carrying
    /// the TCP packet `inner` (an IPv4 header and its TCP header).
    static func tunnelled(_ proto: UInt8, _ outerSrc: [UInt8], _ outerDst: [UInt8], _ inner: [UInt8]) -> [UInt8] {
        let gre: [UInt8] = proto == 47 ? [0, 0, 0x08, 0x00] : []
        let macs: [UInt8] = [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1]
        return macs + [0x08, 0x00] + PcapBytes.ipv4(proto, id: 7, outerSrc, outerDst, payload: gre.count + inner.count)
            + gre + inner
    }

    static func packet(_ src: [UInt8], _ dst: [UInt8], _ tcp: [UInt8]) -> [UInt8] {
        PcapBytes.ipv4(6, id: 9, src, dst, payload: tcp.count) + tcp
    }

    func testTrafficTunnelledToTheGatewayIsAllowedByIt() throws {
        let conf = root.appendingPathComponent("zones.conf")
        var pcap = PcapBytes()
        let t0: Int64 = 1_800_000_000_000_000
        // To the gateway in GRE: the PC's SYN to the server.
        pcap.append(
            Self.tunnelled(
                47, Self.router, Self.gateway, Self.packet(Self.pc, Self.server, Self.tcp(40000, 443, flags: 2))),
            micros: t0)
        // Back from the gateway in IP in IP: a reply is the first packet seen of this flow.
        pcap.append(
            Self.tunnelled(
                4, Self.gateway, Self.router, Self.packet(Self.server, Self.pc, Self.tcp(443, 40001, flags: 0x12))),
            micros: t0 + 1000)
        // In GRE to an address that is no gateway: a bypass, as without the tunnel.
        pcap.append(
            Self.tunnelled(
                47, Self.router, [198, 51, 100, 7], Self.packet(Self.pc, Self.server, Self.tcp(40002, 443, flags: 2))),
            micros: t0 + 2000)
        let capture = scratch.appendingPathComponent("gateway-tunnel.pcap")
        try pcap.data.write(to: capture)
        let flows = scratch.appendingPathComponent("flows.jsonl")

        let outcome = try Harness.run(
            zonesep, ["replay", "--config", conf.path, "--output", "json", "--flows", flows.path, capture.path],
            timeout: 60)
        XCTAssertEqual(outcome.status, 1, outcome.brief)
        let (alerts, summary, problems) = JSONLines.replay(outcome)
        XCTAssertEqual(problems, [])
        let rules = alerts.map {
            "\($0.object["rule"] as? String ?? "?") \($0.object["src_port"] as? Int ?? 0) "
                + "\($0.object["tunnel_ends"] as? String ?? "-")"
        }
        // The GRE to the address that is no gateway breaks the policy by its own ends too: its alert comes first
        // (a tunnel's alert is written just before that of the flow whose start showed it).
        XCTAssertEqual(rules, ["security-cloud-bypass 0 gre", "security-cloud-bypass 40002 -"])
        var allowedBy: [Int: String] = [:]
        for line in try String(contentsOf: flows, encoding: .utf8).split(separator: "\n") {
            let o = try XCTUnwrap(JSONLines.object(line), String(line))
            let port = (o["src_port"] as? Int) == 443 ? o["dest_port"] as? Int : o["src_port"] as? Int
            let by = o["allowed_by"] as? [String: Any]
            allowedBy[port ?? 0] = "\(by?["type"] as? String ?? "-") \(by?["name"] as? String ?? "-")"
        }
        XCTAssertEqual(allowedBy[40000], "gateway security-cloud")
        XCTAssertEqual(allowedBy[40001], "gateway security-cloud")
        let declarations = try XCTUnwrap(summary?["declarations"] as? [[String: Any]])
        let cloud = try XCTUnwrap(declarations.first { $0["name"] as? String == "security-cloud" })
        XCTAssertEqual(JSONLines.int(cloud["flows"]), 2)
    }

    /// A connection tunnelled to the gateway that an exception allowed at its start is judged again at its
    /// first packet after the exception's expiry the way it was judged at its start: the gateway allows it
    /// then, where the re-judging raised `security-cloud-bypass` (REVIEW-147 F4).
    func testATunnelledConnectionOutlivingItsExceptionIsAllowedByTheGateway() throws {
        let conf = scratch.appendingPathComponent("gateway-exception.conf")
        try """
        [zones.internet]
        kind = "internet"
        networks = ["10.30.0.0/16"]

        [[gateways]]
        name = "security-cloud"
        addresses = ["203.0.113.10"]

        [[exceptions]]
        name = "web"
        from = ["10.30.1.1"]
        to = ["93.184.216.34"]
        ports = ["tcp/443"]
        approved = "No.1"
        expires = 2027-01-15T08:00:30Z
        """.write(to: conf, atomically: true, encoding: .utf8)
        var pcap = PcapBytes()
        let t0: Int64 = 1_800_000_000_000_000  // 2027-01-15T08:00:00Z, 30 s before the expiry
        for (i, offset) in [0, 20_000_000, 40_000_000, 45_000_000].enumerated() {
            pcap.append(
                Self.tunnelled(
                    47, Self.router, Self.gateway,
                    Self.packet(Self.pc, Self.server, Self.tcp(40000, 443, flags: i == 0 ? 2 : 0x10))),
                micros: t0 + Int64(offset))
        }
        let capture = scratch.appendingPathComponent("gateway-exception.pcap")
        try pcap.data.write(to: capture)
        let flows = scratch.appendingPathComponent("gateway-exception-flows.jsonl")
        let outcome = try Harness.run(
            zonesep, ["replay", "--config", conf.path, "--output", "json", "--flows", flows.path, capture.path],
            timeout: 60)
        XCTAssertEqual(outcome.status, 0, outcome.brief)
        let (alerts, _, problems) = JSONLines.replay(outcome)
        XCTAssertEqual(problems, [])
        XCTAssertEqual(alerts.count, 0)
        let records = try String(contentsOf: flows, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(records.count, 1)
        let by = try XCTUnwrap(JSONLines.object(records[0])?["allowed_by"] as? [String: Any])
        XCTAssertEqual(by["type"] as? String, "gateway", "allowed by the gateway once the exception expired")
    }
}
