import Foundation
import XCTest
import ZonesepTestSupport

/// A tunnel whose outer header is IPv6 with IPv4-mapped addresses (::ffff:a.b.c.d): its alert, its summary
/// entry and the report write the addresses as on the wire and its `flow_id` is the Community ID of the IPv6
/// 5-tuple, as a flow's alert does (`mappedIPv6`). They read `10.10.3.3` → `8.8.8.8`, an IPv4 address beside
/// an IPv6 one in one 5-tuple for the GRE, and a `flow_id` no tshark gives (REVIEW-148 F8).
final class TunnelMappedAddressTests: ScratchDirectoryTestCase {
    typealias T = TunnelEndpointAuditTests

    /// VXLAN (UDP 40000 → 4789) over IPv6 from `src` to `dst` around the secret datagram.
    static func vxlan6(_ src: String, _ dst: String) throws -> [UInt8] {
        let inner = T.udp(40000, 4789, [0x08, 0, 0, 0, 0, 0, 1, 0] + T.ethernet(0x0800, T.secret, mac: 9))
        return T.ethernet(
            0x86dd,
            PcapBytes.ipv6(
                17, try AddressFamilyReplayTests.bytes(src), try AddressFamilyReplayTests.bytes(dst),
                payload: inner.count) + inner)
    }

    /// GRE (no key) over IPv6 from `src` to `dst` around the secret datagram.
    static func gre6(_ src: String, _ dst: String) throws -> [UInt8] {
        let inner: [UInt8] = [0, 0, 0x08, 0x00] + T.secret
        return T.ethernet(
            0x86dd,
            PcapBytes.ipv6(
                47, try AddressFamilyReplayTests.bytes(src), try AddressFamilyReplayTests.bytes(dst),
                payload: inner.count) + inner)
    }

    func testAMappedOuterHeaderIsWrittenAndHashedAsIPv6() throws {
        let capture = scratch.appendingPathComponent("mapped-tunnels.pcap")
        var pcap = PcapBytes()
        pcap.append(try Self.vxlan6("::ffff:10.10.3.3", "::ffff:8.8.8.8"), micros: T.t0)
        pcap.append(try Self.gre6("::ffff:10.10.3.4", "2001:4860::9"), micros: T.t0 + 1_000_000)
        try pcap.data.write(to: capture)
        let conf = scratch.appendingPathComponent("zones.conf")
        try T.conf.write(to: conf, atomically: true, encoding: .utf8)
        let md = scratch.appendingPathComponent("report.md")
        let run = try Harness.run(
            zonesep,
            [
                "replay", "--config", conf.path, "--output", "json", "--report", md.path, "--report-format", "md",
                capture.path,
            ], timeout: 60)
        XCTAssertEqual(run.status, 1, run.brief)
        let (lines, summary, problems) = JSONLines.replay(run)
        XCTAssertEqual(problems, [])
        let alerts = lines.map(\.object)
        XCTAssertEqual(alerts.map { $0["tunnel_ends"] as? String ?? "-" }, ["vxlan", "gre"])
        XCTAssertEqual(alerts.map { $0["src_ip"] as? String ?? "-" }, ["::ffff:10.10.3.3", "::ffff:10.10.3.4"])
        XCTAssertEqual(alerts.map { $0["dest_ip"] as? String ?? "-" }, ["::ffff:8.8.8.8", "2001:4860::9"])
        XCTAssertEqual(alerts.first?["src_zone"] as? String, "my", "judged by the IPv4 address's zone")
        XCTAssertTrue(
            (alerts.first?["message"] as? String)?.hasPrefix("my ::ffff:10.10.3.3 → external ::ffff:8.8.8.8 ") == true,
            "\(alerts.first?["message"] ?? "")")

        // The VXLAN's flow_id is tshark's with VXLAN not opened. tshark gives none for GRE: the Community ID of
        // the IPv6 pair on protocol 47, by the specification, computed apart (Python's hashlib).
        let tshark = try Tools.require("tshark", package: "tshark")
        let ids = try Tools.run(
            tshark,
            [
                "-n", "-r", capture.path, "--enable-protocol", "communityid", "--disable-protocol", "vxlan",
                "--disable-protocol", "gre", "-T", "fields", "-e", "communityid",
            ], timeout: 60)
        let theirs = ids.stdoutText.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        XCTAssertEqual(alerts.first?["flow_id"] as? String, theirs.first)
        XCTAssertEqual(theirs.first, "1:WiMxY8x261nzJsmp3gRd9IKge+8=")
        XCTAssertEqual(alerts.last?["flow_id"] as? String, "1:Hw5qJGw7RDK6f62h4fQJnqa3qF0=")

        let listed = try XCTUnwrap(summary?["tunnels_breaking_policy"] as? [[String: Any]])
        XCTAssertEqual(listed.map { $0["src_ip"] as? String ?? "-" }, ["::ffff:10.10.3.3", "::ffff:10.10.3.4"])
        XCTAssertEqual(listed.map { $0["dest_ip"] as? String ?? "-" }, ["::ffff:8.8.8.8", "2001:4860::9"])

        // The report writes them so, from the replay and from the saved run alike.
        let page = try String(contentsOf: md, encoding: .utf8)
        XCTAssertTrue(page.contains("vxlan ::ffff:10.10.3.3 (my) → ::ffff:8.8.8.8 (external)"), page)
        let saved = scratch.appendingPathComponent("run.jsonl")
        try run.stdout.write(to: saved)
        let again = scratch.appendingPathComponent("again.md")
        let report = try Harness.run(
            zonesep, ["report", saved.path, "--config", conf.path, "-o", again.path, "--report-format", "md"],
            timeout: 60)
        XCTAssertEqual(report.status, 0, report.brief)
        XCTAssertEqual(try Data(contentsOf: again), try Data(contentsOf: md), "report ≠ replay --report")
    }

    /// A tunnel inside an IPv6 one of mapped addresses lists the outer layer in `tunnel` as on the wire.
    func testAnOuterLayerOfMappedAddressesIsListedAsIPv6() throws {
        let gre: [UInt8] = [0, 0, 0x65, 0x58]  // transparent Ethernet bridging
        let vxlan = T.vxlan(T.host, T.internet, T.secret)
        let inner = gre + vxlan
        let frame = T.ethernet(
            0x86dd,
            PcapBytes.ipv6(
                47, try AddressFamilyReplayTests.bytes("::ffff:10.30.0.1"),
                try AddressFamilyReplayTests.bytes("::ffff:10.30.0.2"), payload: inner.count) + inner)
        var pcap = PcapBytes()
        pcap.append(frame, micros: T.t0)
        let capture = scratch.appendingPathComponent("nested.pcap")
        try pcap.data.write(to: capture)
        let conf = scratch.appendingPathComponent("zones.conf")
        try T.conf.write(to: conf, atomically: true, encoding: .utf8)
        let run = try Harness.run(
            zonesep, ["replay", "--config", conf.path, "--output", "json", capture.path], timeout: 60)
        let alerts = JSONLines.replay(run).alerts.map(\.object)
        let vx = try XCTUnwrap(alerts.first { $0["tunnel_ends"] as? String == "vxlan" }, run.brief)
        XCTAssertEqual(vx["src_ip"] as? String, "10.10.3.3", "the VXLAN's own header is IPv4")
        let layers = try XCTUnwrap(vx["tunnel"] as? [[String: Any]], "\(vx)")
        XCTAssertEqual(layers.first?["type"] as? String, "gre")
        XCTAssertEqual(layers.first?["src"] as? String, "::ffff:10.30.0.1")
        XCTAssertEqual(layers.first?["dst"] as? String, "::ffff:10.30.0.2")
    }
}
