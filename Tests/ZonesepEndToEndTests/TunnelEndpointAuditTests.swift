import Foundation
import XCTest
import ZonesepTestSupport

/// A flow is judged by its innermost packet, so a mynumber host that wraps its traffic in VXLAN or IP in IP
/// to a public address raises no alert (REVIEW-144 F1): the run lists the tunnel, whose own ends break the
/// policy, in the summary, on stderr and among the audit report's limits. A mirror session (ERSPAN) and a
/// tunnel between unzoned core addresses list nothing.
final class TunnelEndpointAuditTests: ScratchDirectoryTestCase {
    static let conf = """
        [sensor]
        name = "tunnels"

        [zones.my]
        kind = "mynumber"
        networks = ["10.10.0.0/16"]

        """
    static let host: [UInt8] = [10, 10, 3, 3]
    static let internet: [UInt8] = [8, 8, 8, 8]
    static let t0: Int64 = 1_780_272_000_000_000  // 2026-06-01T00:00:00Z

    static func ethernet(_ type: UInt16, _ payload: [UInt8], mac: UInt8 = 1) -> [UInt8] {
        [2, 0, 0, 0, 0, mac &+ 1, 2, 0, 0, 0, 0, mac, UInt8(type >> 8), UInt8(type & 0xff)] + payload
    }

    static func udp(_ sport: UInt16, _ dport: UInt16, _ payload: [UInt8]) -> [UInt8] {
        let n = 8 + payload.count
        return [UInt8(sport >> 8), UInt8(sport & 0xff), UInt8(dport >> 8), UInt8(dport & 0xff)]
            + [UInt8(n >> 8), UInt8(n & 0xff), 0, 0] + payload
    }

    static func ipv4(_ proto: UInt8, _ src: [UInt8], _ dst: [UInt8], _ payload: [UInt8]) -> [UInt8] {
        PcapBytes.ipv4(proto, id: 1, src, dst, payload: payload.count) + payload
    }

    /// The secret inside: a datagram between two addresses of no zone, as the reviewer's capture has it.
    static let secret = ipv4(17, [1, 1, 1, 1], [2, 2, 2, 2], udp(1234, 5678, Array("SECRET-MYNUMBER-DATA".utf8)))

    /// VXLAN (UDP to 4789, VNI 1) from `src` to `dst` around an Ethernet frame holding `inner`.
    static func vxlan(_ src: [UInt8], _ dst: [UInt8], _ inner: [UInt8]) -> [UInt8] {
        ethernet(
            0x0800, ipv4(17, src, dst, udp(50000, 4789, [0x08, 0, 0, 0, 0, 0, 1, 0] + ethernet(0x0800, inner, mac: 9))))
    }

    /// ERSPAN type II (GRE 0x88be with a sequence number, session 100) from `src` to `dst` around an Ethernet
    /// frame holding `inner`.
    static func erspan(_ src: [UInt8], _ dst: [UInt8], _ inner: [UInt8]) -> [UInt8] {
        let gre: [UInt8] = [0x10, 0x00, 0x88, 0xbe, 0, 0, 0, 1]
        let header: [UInt8] = [0x10, 0x00, 0x00, 0x64, 0, 0, 0, 0]
        return ethernet(0x0800, ipv4(47, src, dst, gre + header + ethernet(0x0800, inner, mac: 9)))
    }

    func write(_ frames: [[UInt8]], _ name: String) throws -> String {
        var pcap = PcapBytes()
        for (i, f) in frames.enumerated() { pcap.append(f, micros: Self.t0 + Int64(i) * 1000) }
        let url = scratch.appendingPathComponent(name)
        try pcap.data.write(to: url)
        return url.path
    }

    func testAMynumberHostsTunnelsToTheInternetAreListedAndLimitTheReport() throws {
        let conf = scratch.appendingPathComponent("zones.conf")
        try Self.conf.write(to: conf, atomically: true, encoding: .utf8)
        let vx = Self.vxlan(Self.host, Self.internet, Self.secret)
        // IP in IP: a TCP SYN between two external addresses inside.
        let inner = Self.ipv4(6, [1, 1, 1, 1], [2, 2, 2, 3], PcapBytes.tcpSYN(40000, 443))
        let ipip = Self.ethernet(0x0800, Self.ipv4(4, Self.host, Self.internet, inner))
        let capture = try write([vx, vx, vx, ipip], "exfil.pcap")

        let run = try Harness.run(
            zonesep, ["replay", "--config", conf.path, "--output", "json", capture], timeout: 60, in: root)
        XCTAssertEqual(run.status, 1, "the flows inside raise nothing, the tunnels do: \(run.brief)")
        let (alerts, summary, problems) = JSONLines.replay(run)
        XCTAssertEqual(problems, [])
        XCTAssertEqual(alerts.map { $0.object["tunnel_ends"] as? String ?? "-" }, ["vxlan", "ipip"])
        let tunnels = try XCTUnwrap(summary?["tunnels_breaking_policy"] as? [[String: Any]])
        XCTAssertEqual(
            tunnels.map { t in
                ["type", "src_ip", "dest_ip", "src_zone", "dest_zone", "rule", "first_seen"].map {
                    t[$0] as? String ?? "?"
                }
                    + ["\(JSONLines.int(t["flows"]) ?? -1)"]
            },
            [
                [
                    "vxlan", "10.10.3.3", "8.8.8.8", "my", "external", "mynumber-isolation",
                    "2026-06-01T00:00:00.000000Z", "1",
                ],
                [
                    "ipip", "10.10.3.3", "8.8.8.8", "my", "external", "mynumber-isolation",
                    "2026-06-01T00:00:00.003000Z", "1",
                ],
            ])
        XCTAssertNil(summary?["tunnels_breaking_policy_not_listed"])
        let stderr = String(decoding: run.stderr, as: UTF8.self)
        XCTAssertEqual(
            stderr.components(separatedBy: "2 tunnels whose own ends break the policy").count - 1, 1, stderr)
        XCTAssertTrue(stderr.contains("vxlan 10.10.3.3 (my) → 8.8.8.8 (external): mynumber-isolation, 1 flow"), stderr)

        // The text summary says it in a line.
        let text = try Harness.run(zonesep, ["replay", "--config", conf.path, capture], timeout: 60, in: root)
        XCTAssertTrue(
            String(decoding: text.stdout, as: UTF8.self).contains(
                "2 tunnels whose own ends break the policy (the flows inside were judged by their innermost packets"),
            text.brief)

        // The report: violations, as the alerts and the exit status say (each tunnel raised an alert of its
        // outer flow), the tunnels counted in the verdict's rules table and, one by one, among the limits,
        // since what they carried was not judged (the same read back from the run).
        let html = try reportBothWays([capture], config: conf.path)
        XCTAssertTrue(html.contains("data-verdict=\"violations\""), "not called clean, limited: it exited 1")
        XCTAssertTrue(html.contains("分離違反あり — 違反フロー 0 件・ポリシーに反するトンネル 2 件"))
        XCTAssertTrue(html.contains("0 violating flows and 2 tunnels whose own ends break the policy"))
        XCTAssertTrue(html.contains("data-rule=\"tunnel-ends\" data-count=\"2\""))
        XCTAssertTrue(html.contains("<div class=\"critical\"><b>2</b>"), "both break mynumber-isolation: critical")
        XCTAssertFalse(html.contains("kept to the separation policy"), "no all-clear")
        XCTAssertTrue(html.contains("ポリシーに反するトンネル 2 tunnels breaking the policy"), "the first page's limits")
        XCTAssertTrue(
            html.contains("<span class=\"en\">tunnels breaking the policy</span></th><td class=\"num\">2</td>"))
        XCTAssertTrue(
            html.contains(
                "<span class=\"mono\">ipip 10.10.3.3 (my) → 8.8.8.8 (external)</span> mynumber-isolation, 1 flow from "
                    + "2026-06-01 09:00:00"))
        let md = try reportBothWays([capture], config: conf.path, format: "md")
        XCTAssertTrue(
            md.contains(
                "| tunnel_ends | critical | ポリシーに反するトンネル tunnels whose own ends break the policy (トンネル tunnels) "
                    + "| 2 |"), md)
        XCTAssertTrue(
            md.contains(
                "| ポリシーに反するトンネル tunnel breaking the policy: vxlan 10.10.3.3 (my) → 8.8.8.8 (external) | "
                    + "mynumber-isolation, 1 flow from 2026-06-01 09:00:00 |"), md)
        let csv = try reportBothWays([capture], config: conf.path, format: "csv")
        XCTAssertTrue(
            csv.contains("ポリシーに反するトンネル tunnel breaking the policy: ipip 10.10.3.3 (my) → 8.8.8.8 (external)"), csv)

        // A run saved before the summary listed tunnels reads as it did: no row, and the verdict as before.
        let saved = String(decoding: run.stdout, as: UTF8.self)
        let old = saved.replacingOccurrences(
            of: #","tunnels_breaking_policy":\[[^\]]*\]"#, with: "", options: .regularExpression)
        XCTAssertNotEqual(old, saved)
        let oldRun = scratch.appendingPathComponent("old.jsonl")
        try old.write(to: oldRun, atomically: true, encoding: .utf8)
        let out = scratch.appendingPathComponent("old.html")
        let report = try Harness.run(
            zonesep, ["report", oldRun.path, "--config", conf.path, "-o", out.path], timeout: 60, in: root)
        XCTAssertEqual(report.status, 0, report.brief)
        let oldHTML = try String(contentsOf: out, encoding: .utf8)
        XCTAssertFalse(oldHTML.contains("tunnels breaking the policy"))
    }

    func testAMirrorSessionAndACoreTunnelBetweenUnzonedAddressesListNothing() throws {
        let conf = scratch.appendingPathComponent("zones.conf")
        try Self.conf.write(to: conf, atomically: true, encoding: .utf8)
        // ERSPAN from a mynumber address to an external collector: as a flow, mynumber-isolation; a mirror's copy.
        let mirrored = Self.erspan(
            [10, 10, 0, 50], Self.internet, Self.ipv4(17, Self.host, [10, 10, 3, 4], Self.udp(1, 2, [])))
        // VXLAN between two unzoned core addresses (internal space, no zone): unzoned-host, not listed.
        let core = Self.vxlan(
            [192, 168, 100, 1], [192, 168, 100, 2], Self.ipv4(17, Self.host, [10, 10, 3, 5], Self.udp(3, 4, [])))
        let capture = try write([mirrored, core], "mirror.pcap")

        let run = try Harness.run(
            zonesep, ["replay", "--config", conf.path, "--output", "json", capture], timeout: 60, in: root)
        XCTAssertEqual(run.status, 0, run.brief)
        let (_, summary, problems) = JSONLines.replay(run)
        XCTAssertEqual(problems, [])
        XCTAssertEqual(JSONLines.int(summary?["flows"]), 2, "both tunnels were opened")
        let tunnels = try XCTUnwrap(summary?["tunnels_breaking_policy"] as? [[String: Any]])
        XCTAssertEqual(tunnels.count, 0)
        XCTAssertFalse(String(decoding: run.stderr, as: UTF8.self).contains("break the policy"), run.brief)
        let html = try reportBothWays([capture], config: conf.path)
        XCTAssertFalse(html.contains("tunnels breaking the policy"))
    }

    /// The outer pair is judged on the tunnel's own protocol and port: a conduit for `udp/4789` between two
    /// VTEPs allows their VXLAN, not a GRE tunnel between the same two.
    func testAConduitForTheTunnelsPortAllowsItsEnds() throws {
        let conf = scratch.appendingPathComponent("zones.conf")
        try
            (Self.conf + """
                [zones.lg]
                kind = "lgwan"
                networks = ["10.20.0.0/16"]

                [[conduits]]
                name = "vtep"
                from = { addresses = ["10.10.3.3"] }
                to = { addresses = ["10.20.0.5"] }
                ports = ["udp/4789"]

                """).write(to: conf, atomically: true, encoding: .utf8)
        let vtep: [UInt8] = [10, 20, 0, 5]
        let vx = Self.vxlan(Self.host, vtep, Self.secret)
        let gre = Self.ethernet(0x0800, Self.ipv4(47, Self.host, vtep, [0, 0, 0x08, 0x00] + Self.secret))
        let capture = try write([vx, gre], "conduit.pcap")
        let run = try Harness.run(
            zonesep, ["replay", "--config", conf.path, "--output", "json", capture], timeout: 60, in: root)
        let (alerts, summary, problems) = JSONLines.replay(run)
        XCTAssertEqual(problems, [])
        let tunnels = try XCTUnwrap(summary?["tunnels_breaking_policy"] as? [[String: Any]])
        XCTAssertEqual(
            tunnels.map { "\($0["type"] ?? "") \($0["dest_zone"] ?? "") \($0["rule"] ?? "")" },
            ["gre lg mynumber-isolation"])
        XCTAssertEqual(
            alerts.map { "\($0.object["tunnel_ends"] ?? "-") \($0.object["proto"] ?? "-")" }, ["gre gre"],
            "the allowed VXLAN raises no alert")
        // The conduit that allowed the VXLAN's ends allowed no flow of its own, yet is not unused (REVIEW-148
        // F11: an auditor told to withdraw it would make the tunnel break the policy): credited with the flow
        // inside, in the summary, the text summary and the report (the same read back from the run).
        let vtepUse = try XCTUnwrap(
            (summary?["declarations"] as? [[String: Any]])?.first { $0["name"] as? String == "vtep" })
        XCTAssertEqual(JSONLines.int(vtepUse["flows"]), 0, "\(vtepUse)")
        XCTAssertEqual(JSONLines.int(vtepUse["tunnel_flows"]), 1, "\(vtepUse)")
        XCTAssertEqual(vtepUse["unused"] as? Bool, false, "\(vtepUse)")
        let text = try Harness.run(zonesep, ["replay", "--config", conf.path, capture], timeout: 60, in: root)
        XCTAssertTrue(
            String(decoding: text.stdout, as: UTF8.self).contains("allowed tunnel ends (1 flow inside)"), text.brief)
        let html = try reportBothWays([capture], config: conf.path)
        XCTAssertTrue(html.contains("トンネルの端点を許可（内側のフロー 1 件） allowed tunnel ends (1 flow inside)"))
        let row = try XCTUnwrap(html.range(of: "<td>vtep</td>.*?</tr>", options: .regularExpression))
        XCTAssertFalse(html[row].contains("未使用"), "not marked unused: \(html[row])")
    }

    /// A mirror session is not judged, but a tunnel in the frame it copies is: a remote mirror's copy of the
    /// mynumber host's VXLAN to the Internet lists that VXLAN.
    func testATunnelInsideAMirrorSessionIsListed() throws {
        let conf = scratch.appendingPathComponent("zones.conf")
        try Self.conf.write(to: conf, atomically: true, encoding: .utf8)
        let exfil = Array(Self.vxlan(Self.host, Self.internet, Self.secret).dropFirst(14))
        let capture = try write([Self.erspan([10, 10, 0, 50], [10, 10, 0, 51], exfil)], "mirrored.pcap")
        let run = try Harness.run(
            zonesep, ["replay", "--config", conf.path, "--output", "json", capture], timeout: 60, in: root)
        let (_, summary, problems) = JSONLines.replay(run)
        XCTAssertEqual(problems, [])
        let tunnels = try XCTUnwrap(summary?["tunnels_breaking_policy"] as? [[String: Any]])
        XCTAssertEqual(
            tunnels.map { "\($0["type"] ?? "") \($0["src_ip"] ?? "") \($0["dest_ip"] ?? "") \($0["rule"] ?? "")" },
            ["vxlan 10.10.3.3 8.8.8.8 mynumber-isolation"])
    }
}
