import Foundation
import XCTest
import ZonesepTestSupport

/// A tunnel whose own ends break the policy raises an alert record as it is found, through the delivery
/// chain (stdout, `--alerts`, `--syslog`), once per tunnel: under `watch` the SIEM hears of a mynumber host's
/// VXLAN to the Internet then, not when the daemon stops. The alert is of the outer flow, checked against
/// tshark's reading of the capture with the tunnel protocols turned off.
final class TunnelAlertTests: ScratchDirectoryTestCase {
    typealias T = TunnelEndpointAuditTests
    var collectors: [Collector] = []

    override func tearDown() {
        for c in collectors { c.stop() }
        super.tearDown()
    }

    /// Two flows in one VXLAN tunnel (the second from another UDP source port), then a GRE tunnel between the
    /// same two ends, then an ERSPAN mirror session from a mynumber address to the Internet (its copy between
    /// two external hosts): two alerts.
    func capture() throws -> String {
        let vx = T.vxlan(T.host, T.internet, T.secret)
        var second = T.vxlan(T.host, T.internet, T.ipv4(17, [1, 1, 1, 1], [2, 2, 2, 3], T.udp(1, 2, [])))
        second[14 + 20 + 1] = 0x51  // UDP source port 50001
        let gre = T.ethernet(0x0800, T.ipv4(47, T.host, T.internet, [0, 0, 0x08, 0x00] + T.secret))
        let mirrored = T.erspan([10, 10, 0, 50], T.internet, T.ipv4(17, [1, 1, 1, 1], [2, 2, 2, 9], T.udp(1, 2, [])))
        let url = scratch.appendingPathComponent("tunnels.pcap")
        var pcap = PcapBytes()
        for (i, f) in [vx, vx, second, gre, mirrored].enumerated() { pcap.append(f, micros: T.t0 + Int64(i) * 1000) }
        try pcap.data.write(to: url)
        return url.path
    }

    func conf() throws -> String {
        let url = scratch.appendingPathComponent("zones.conf")
        try T.conf.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// tshark's outer flow of each frame: `proto src sport dst dport communityid`, VXLAN and GRE not opened.
    func outerFlows(_ capture: String) throws -> [String] {
        let tshark = try Tools.require("tshark", package: "tshark")
        let out = try Tools.run(
            tshark,
            [
                "-n", "-r", capture, "--enable-protocol", "communityid", "--disable-protocol", "vxlan",
                "--disable-protocol", "gre", "-T", "fields", "-E", "separator=/s", "-e", "ip.proto", "-e", "ip.src",
                "-e", "udp.srcport", "-e", "ip.dst", "-e", "udp.dstport", "-e", "communityid",
            ], timeout: 60)
        return out.stdoutText.split(separator: "\n").map(String.init)
    }

    static func outer(_ a: [String: Any]) -> String {
        let proto = ["udp": "17", "gre": "47"][a["proto"] as? String ?? ""] ?? "?"
        return [proto, a["src_ip"], a["src_port"], a["dest_ip"], a["dest_port"], a["flow_id"]].map { v in
            v.flatMap { $0 is NSNull ? "" : "\($0)" } ?? "?"
        }.joined(separator: " ")
    }

    func testEachTunnelRaisesOneAlertOfItsOuterFlowInEveryOutput() throws {
        let c = try Collector(directory: scratch.appendingPathComponent("rsyslog"), udp: true, tcp: false, unix: false)
        collectors.append(c)
        try c.start()
        let capture = try capture()
        let file = scratch.appendingPathComponent("alerts.jsonl").path
        let run = try Harness.run(
            zonesep,
            [
                "replay", "--config", try conf(), "--output", "json", "--alerts", file, "--syslog",
                "udp://127.0.0.1:\(c.udpPort!)", capture,
            ], timeout: 60, in: root)
        XCTAssertEqual(run.status, 1, "a tunnel alert is a violation found: \(run.brief)")
        let (lines, summary, problems) = JSONLines.replay(run)
        XCTAssertEqual(problems, [])
        let alerts = lines.map(\.object)
        XCTAssertEqual(alerts.map { $0["tunnel_ends"] as? String ?? "-" }, ["vxlan", "gre"])
        let flows = try outerFlows(capture)
        XCTAssertEqual(
            alerts.map(Self.outer), [flows[0], flows[3]], "the first flow's outer 5-tuple, as tshark reads it")
        for a in alerts {
            XCTAssertEqual(a["rule"] as? String, "mynumber-isolation")
            XCTAssertEqual(a["severity"] as? String, "critical")
            XCTAssertEqual(a["src_zone"] as? String, "my")
            XCTAssertEqual(a["dest_zone"] as? String, "external")
            XCTAssertEqual(a["sensor"] as? String, "tunnels")
            XCTAssertNil(a["evidence"], "no evidence file is made for it")
            XCTAssertNil(a["tunnel"], "the layer is the outermost: nothing around it")
        }
        XCTAssertEqual(
            alerts.map { $0["timestamp"] as? String ?? "" },
            ["2026-06-01T00:00:00.000000Z", "2026-06-01T00:00:00.003000Z"])
        XCTAssertEqual(
            alerts.first?["message"] as? String,
            "my 10.10.3.3 → external 8.8.8.8 udp/4789: no conduit allows this flow to or from the mynumber zone (the "
                + "ends of this vxlan tunnel break the policy; the flows inside are judged by their innermost packets)"
        )
        let counts = try XCTUnwrap(summary?["alerts"] as? [String: Any])
        XCTAssertEqual(JSONLines.int(counts["total"]), 2)
        XCTAssertEqual(JSONLines.int(counts["tunnels"]), 2)
        XCTAssertEqual((counts["by_rule"] as? [String: Any])?.count, 0, "by_rule counts flows and host findings")
        XCTAssertEqual((summary?["violations"] as? [Any])?.count, 0)

        // The alerts file holds the same lines; syslog carries each alert with its tunnel's type.
        let written = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(written, run.stdoutLines.dropLast().map(String.init))
        let received = try c.waitFor(2, in: "udp")
        XCTAssertEqual(received.map { $0.data["tunnel_ends"] as? String ?? "-" }, ["vxlan", "gre"])
        XCTAssertEqual(
            received.map { $0.data["flow_id"] as? String ?? "-" }, alerts.map { $0["flow_id"] as? String ?? "" })
        XCTAssertEqual(received.map(\.severity), [2, 2])
        XCTAssertTrue(received.first?.raw.hasSuffix("\u{FEFF}" + (alerts.first?["message"] as? String ?? "-")) == true)

        // Byte for byte the same again; the report of the saved run pairs no violation with them.
        let plain = try (0..<2).map { _ in
            try Harness.run(
                zonesep, ["replay", "--config", try conf(), "--output", "json", capture], timeout: 60, in: root)
        }
        XCTAssertEqual(plain[0].stdout, plain[1].stdout)
        XCTAssertEqual(
            plain[0].stdoutLines.dropLast().map(String.init), written, "the same alerts as with delivery options")
        let html = try reportBothWays([capture], config: try conf())
        XCTAssertTrue(html.contains("ポリシーに反するトンネル 2 tunnels breaking the policy"), "the first page's limits")
    }

    /// `--max-alert-rate 1`: the GRE tunnel's alert, in the same second of packet time as the VXLAN's, is held
    /// back and counted; `alerts.total` still counts it.
    func testTheRateLimitHoldsTunnelAlertsBackAndCountsThem() throws {
        let run = try Harness.run(
            zonesep, ["replay", "--config", try conf(), "--output", "json", "--max-alert-rate", "1", try capture()],
            timeout: 60, in: root)
        XCTAssertEqual(run.status, 1, run.brief)
        let (lines, summary, _) = JSONLines.replay(run)
        let alerts = lines.map(\.object)
        XCTAssertEqual(alerts.map { $0["tunnel_ends"] as? String ?? "-" }, ["vxlan"])
        let counts = try XCTUnwrap(summary?["alerts"] as? [String: Any])
        XCTAssertEqual(JSONLines.int(counts["total"]), 2)
        XCTAssertEqual(JSONLines.int(counts["rate_limited"]), 1)
    }

    /// A tunnel's alert goes out in its place among the batch's flow alerts, by packet time (REVIEW-148 F13: it
    /// went before every flow alert of its batch, so under `--max-alert-rate` a later tunnel took the second's
    /// budget and an earlier violating flow was held back, and lost its evidence file).
    func testATunnelsAlertTakesItsPlaceByPacketTime() throws {
        // A mynumber host's own UDP to the Internet first (a violating flow), then its VXLAN there.
        let plain = T.ethernet(0x0800, T.ipv4(17, [10, 10, 3, 9], T.internet, T.udp(4000, 53, [1, 2, 3])))
        let url = scratch.appendingPathComponent("order.pcap")
        var pcap = PcapBytes()
        pcap.append(plain, micros: T.t0)
        pcap.append(T.vxlan(T.host, T.internet, T.secret), micros: T.t0 + 1000)
        try pcap.data.write(to: url)
        let all = try Harness.run(
            zonesep, ["replay", "--config", try conf(), "--output", "json", url.path], timeout: 60, in: root)
        XCTAssertEqual(
            JSONLines.replay(all).0.map { "\($0.object["src_ip"] ?? "") \($0.object["tunnel_ends"] ?? "-")" },
            ["10.10.3.9 -", "10.10.3.3 vxlan"], "by packet time")
        let limited = try Harness.run(
            zonesep, ["replay", "--config", try conf(), "--output", "json", "--max-alert-rate", "1", url.path],
            timeout: 60, in: root)
        let (lines, summary, _) = JSONLines.replay(limited)
        XCTAssertEqual(lines.map { $0.object["src_ip"] as? String ?? "?" }, ["10.10.3.9"], "the earlier one is written")
        XCTAssertEqual(JSONLines.int((summary?["alerts"] as? [String: Any])?["rate_limited"]), 1)
    }

    /// An allowed tunnel and an ERSPAN mirror raise nothing, and the run exits clean.
    func testAMirrorAndAnAllowedTunnelRaiseNoAlert() throws {
        let mirrored = T.erspan([10, 10, 0, 50], T.internet, T.ipv4(17, [1, 1, 1, 1], [2, 2, 2, 9], T.udp(1, 2, [])))
        let inside = T.vxlan([10, 10, 3, 3], [10, 10, 3, 4], T.secret)
        var pcap = PcapBytes()
        pcap.append(mirrored, micros: T.t0)
        pcap.append(inside, micros: T.t0 + 1000)
        let url = scratch.appendingPathComponent("quiet.pcap")
        try pcap.data.write(to: url)
        let run = try Harness.run(
            zonesep, ["replay", "--config", try conf(), "--output", "json", url.path], timeout: 60, in: root)
        XCTAssertEqual(run.status, 0, run.brief)
        let (lines, summary, _) = JSONLines.replay(run)
        let alerts = lines.map(\.object)
        XCTAssertEqual(alerts.count, 0)
        XCTAssertEqual(JSONLines.int((summary?["alerts"] as? [String: Any])?["tunnels"]), 0)
    }
}
