import Foundation
import XCTest
import ZonesepTestSupport

/// An IPv6 prefix holds IPv6 addresses only, though IPv4 addresses are kept in its bits' range (as
/// ::ffff:a.b.c.d): a replay of IPv4 and IPv6 SYNs written here, against a zone `::/0` and against a gateway
/// and an exception naming `::/0`. Each flow's record says where its responder was put and what judged it.
final class AddressFamilyReplayTests: XCTestCase {
    /// The flows each replay sees: a TCP SYN to port 443 from the first address to the second.
    static let ends = [
        ("10.20.1.1", "8.8.8.8"), ("10.20.1.1", "10.99.1.1"), ("fd00:20::1", "2001:db8::1"),
        ("10.30.1.1", "8.8.8.8"), ("fd00:30::1", "2001:db8::1"),
    ]

    /// The switch's MAC (every frame's source) is a router's, so the host rules leave the capture alone.
    static let header =
        ZonesText.sensor("families") + ZonesText.zone("lgwan", "10.20.0.0/16", "fd00:20::/48")
        + "\n[[routers]]\nname = \"core\"\nmacs = [\"02:00:00:00:00:01\"]\n\n"

    static func bytes(_ text: String) throws -> [UInt8] {
        if !text.contains(":") { return text.split(separator: ".").compactMap { UInt8($0) } }
        var a = in6_addr()
        XCTAssertEqual(inet_pton(AF_INET6, text, &a), 1, text)
        return withUnsafeBytes(of: &a) { Array($0) }
    }

    /// Ethernet, then IPv4 or IPv6 as the addresses are, then a TCP SYN from port 40000 + `n` to 443.
    static func syn(_ src: String, _ dst: String, _ n: Int) throws -> [UInt8] {
        let tcp = PcapBytes.tcpSYN(40000 + UInt16(n), 443)
        let v6 = src.contains(":")
        let eth: [UInt8] = [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, v6 ? 0x86 : 0x08, v6 ? 0xdd : 0x00]
        let ip =
            v6
            ? PcapBytes.ipv6(6, try bytes(src), try bytes(dst), payload: tcp.count)
            : PcapBytes.ipv4(6, id: UInt16(n), try bytes(src), try bytes(dst), payload: tcp.count)
        return eth + ip + tcp
    }

    /// Replays the flows against `conf` and returns each record's responder zone and verdict or the
    /// declaration that allowed it, by "initiator → responder".
    func replay(_ conf: String) throws -> [String: String] {
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("zonesep-families-\(UUID().uuidString)")
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: dir) }
        let confFile = dir.appendingPathComponent("zones.conf")
        try conf.write(to: confFile, atomically: true, encoding: .utf8)
        var pcap = PcapBytes()
        let t0: Int64 = 1_781_481_600_000_000  // 2026-06-15T00:00:00Z
        for (n, (src, dst)) in Self.ends.enumerated() {
            pcap.append(try Self.syn(src, dst, n), micros: t0 + Int64(n) * 1_000_000)
        }
        let capture = dir.appendingPathComponent("families.pcap")
        try pcap.data.write(to: capture)
        let flows = dir.appendingPathComponent("flows.jsonl")
        let outcome = try Harness.run(
            try Harness.zonesep(),
            ["replay", "--config", confFile.path, "--output", "json", "--flows", flows.path, capture.path],
            timeout: 60)
        XCTAssertEqual(outcome.status, 1, outcome.brief)
        var out: [String: String] = [:]
        for line in try String(contentsOf: flows, encoding: .utf8).split(separator: "\n") {
            let o = try XCTUnwrap(JSONLines.object(line), String(line))
            let by = (o["allowed_by"] as? [String: Any])?["name"] as? String
            let judged = (o["verdict"] as? String) ?? by.map { "allowed by \($0)" } ?? "allowed"
            out["\(o["src_ip"] as? String ?? "?") → \(o["dest_ip"] as? String ?? "?")"] =
                "\(o["dest_zone"] as? String ?? "?"): \(judged)"
        }
        XCTAssertEqual(out.count, Self.ends.count, "\(out)")
        return out
    }

    /// A zone `::/0` takes every IPv6 address and no IPv4 one: 8.8.8.8 stays external (lgwan-external, not
    /// sanitisation-bypass) and 10.99.1.1 unzoned.
    func testAZoneOfEveryIPv6AddressTakesNoIPv4Address() throws {
        let got = try replay(Self.header + ZonesText.zone("inet6", kind: "internet", "::/0"))
        XCTAssertEqual(got["10.20.1.1 → 8.8.8.8"], "external: lgwan-external")
        XCTAssertEqual(got["10.20.1.1 → 10.99.1.1"], "unzoned: unzoned-host")
        XCTAssertEqual(got["fd00:20::1 → 2001:db8::1"], "inet6: sanitisation-bypass")
        XCTAssertEqual(got["10.30.1.1 → 8.8.8.8"], "external: unzoned-host", "10.30.1.1 is in no zone here")
        XCTAssertEqual(got["fd00:30::1 → 2001:db8::1"], "inet6: allowed")
    }

    /// A gateway and an exception naming `::/0` allow IPv6 flows only: the IPv4 ones to 8.8.8.8 break
    /// their rules.
    func testAGatewayAndAnExceptionToEveryIPv6AddressAllowNoIPv4Flow() throws {
        let conf =
            Self.header + ZonesText.zone("internet", "10.30.0.0/16", "fd00:30::/48") + """

                [[gateways]]
                name = "v6-cloud"
                addresses = ["::/0"]

                [[exceptions]]
                name = "any-v6-https"
                from = ["10.20.0.0/16", "fd00:20::/48"]
                to = ["::/0"]
                ports = ["tcp/443"]
                approved = "No.1"
                expires = 2030-01-01

                """
        let got = try replay(conf)
        XCTAssertEqual(got["10.20.1.1 → 8.8.8.8"], "external: lgwan-external")
        XCTAssertEqual(got["fd00:20::1 → 2001:db8::1"], "external: allowed by any-v6-https")
        XCTAssertEqual(got["10.30.1.1 → 8.8.8.8"], "external: security-cloud-bypass")
        XCTAssertEqual(got["fd00:30::1 → 2001:db8::1"], "external: allowed by v6-cloud")
        XCTAssertEqual(got["10.20.1.1 → 10.99.1.1"], "unzoned: unzoned-host")
    }
}
