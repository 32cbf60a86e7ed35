import Foundation
import XCTest

/// The captures of scripts/make-tunnel-captures.py replayed end to end against zones.conf: each
/// encapsulation carries the same LGWAN → Internet-zone connection, and the alert must be the one a bare
/// capture gives, with the tunnel it came through. The expected alerts are written here by hand.
final class TunnelReplayTests: XCTestCase {
    /// One expected alert: the fields that say which flow it is and how it was seen.
    struct Expected: Equatable, CustomStringConvertible {
        var rule = "sanitisation-bypass"
        var src = "10.20.3.4"
        var srcPort: Int? = 51512
        var dest = "10.30.7.8"
        var destPort: Int? = 445
        var vlan: [Int] = [120]
        var srcMAC: String? = "02:00:00:20:03:04"
        /// Each layer as "type src dst id" ("-" for null).
        var tunnel: [String] = []

        var description: String {
            "\(rule) \(src):\(srcPort.map(String.init) ?? "-") -> \(dest):\(destPort.map(String.init) ?? "-") "
                + "vlan \(vlan) mac \(srcMAC ?? "-") tunnel \(tunnel)"
        }

        init(
            rule: String = "sanitisation-bypass", src: String = "10.20.3.4", srcPort: Int? = 51512,
            dest: String = "10.30.7.8", destPort: Int? = 445, vlan: [Int] = [120],
            srcMAC: String? = "02:00:00:20:03:04", tunnel: [String] = []
        ) {
            self.rule = rule
            self.src = src
            self.srcPort = srcPort
            self.dest = dest
            self.destPort = destPort
            self.vlan = vlan
            self.srcMAC = srcMAC
            self.tunnel = tunnel
        }

        init(_ o: [String: Any]) {
            rule = o["rule"] as? String ?? "?"
            src = o["src_ip"] as? String ?? "?"
            srcPort = JSONLines.int(o["src_port"])
            dest = o["dest_ip"] as? String ?? "?"
            destPort = JSONLines.int(o["dest_port"])
            vlan = (o["vlan"] as? [Any] ?? []).compactMap { JSONLines.int($0) }
            srcMAC = o["src_mac"] as? String
            tunnel = (o["tunnel"] as? [[String: Any]] ?? []).map { layer in
                let id = JSONLines.int(layer["id"]).map(String.init) ?? "-"
                return "\(layer["type"] as? String ?? "?") \(layer["src"] as? String ?? "-") "
                    + "\(layer["dst"] as? String ?? "-") \(id)"
            }
        }
    }

    static let mirror = "192.168.255.1 192.168.255.2"

    /// File → the alerts its replay must give, in order.
    static let expected: [String: [Expected]] = [
        "tunnel-vlan3.pcap": [Expected(vlan: [300, 20, 120])],
        "tunnel-etag.pcap": [Expected()],
        "tunnel-vntag.pcap": [Expected()],
        "tunnel-mpls.pcap": [Expected(vlan: [], srcMAC: nil, tunnel: ["mpls - - 2001"])],
        "tunnel-mpls-pw.pcap": [Expected(tunnel: ["mpls - - 3001"])],
        // PPPoE keeps its frame's MACs: a session on the segment, its Ethernet header the PC's own.
        "tunnel-pppoe.pcap": [Expected(vlan: [], tunnel: ["pppoe - - 4660"])],
        "tunnel-gre.pcap": [Expected(vlan: [], srcMAC: nil, tunnel: ["gre \(mirror) -"])],
        "tunnel-nvgre.pcap": [Expected(tunnel: ["gre \(mirror) 4096"])],
        "tunnel-erspan-i.pcap": [Expected(tunnel: ["erspan-i \(mirror) -"])],
        "tunnel-erspan-ii.pcap": [Expected(tunnel: ["erspan-ii \(mirror) 100"])],
        "tunnel-erspan-iii.pcap": [Expected(tunnel: ["erspan-iii \(mirror) 200"])],
        "tunnel-vxlan.pcap": [Expected(tunnel: ["vxlan \(mirror) 5001"])],
        "tunnel-geneve.pcap": [Expected(tunnel: ["geneve \(mirror) 6001"])],
        "tunnel-ipip.pcap": [Expected(vlan: [], srcMAC: nil, tunnel: ["ipip \(mirror) -"])],
        "tunnel-6in4.pcap": [
            Expected(src: "fd00:20::3:4", dest: "fd00:30::7:8", vlan: [], srcMAC: nil, tunnel: ["ipip \(mirror) -"])
        ],
        "tunnel-etherip.pcap": [Expected(tunnel: ["etherip \(mirror) -"])],
        "tunnel-srv6-l2.pcap": [Expected(tunnel: ["srv6-l2 fd00:ff::1 fd00:ff::2 -"])],
        "tunnel-mpls-in-ip.pcap": [Expected(vlan: [], srcMAC: nil, tunnel: ["mpls \(mirror) 2002"])],
        "tunnel-mpls-in-udp.pcap": [Expected(vlan: [], srcMAC: nil, tunnel: ["mpls \(mirror) 2003"])],
        // AH over IPv4 is walked: transport mode keeps the flow's ports, tunnel mode is judged inside.
        "tunnel-ah.pcap": [Expected()],
        "tunnel-ah-tunnel.pcap": [Expected(vlan: [], srcMAC: nil, tunnel: ["ipip \(mirror) -"])],
        // ERSPAN II with En 2: the VLAN the switch took off the frame, from the header.
        "tunnel-erspan-ii-en2.pcap": [Expected(tunnel: ["erspan-ii \(mirror) 100"])],
        "tunnel-erspan-ii-en2-vlan110.pcap": [
            Expected(rule: "zone-vlan-mismatch", srcPort: nil, dest: "?", destPort: nil, vlan: [110])
        ],
        // Not opened: the outer flow between two LGWAN routers is judged (allowed), and counted apart
        // (UnopenedTunnelReplayTests).
        "tunnel-l2tpv3-ip.pcap": [],
        // Likewise IPsec ESP, NAT-T, WireGuard, OpenVPN, GRE in UDP and LISP (the last two carry the
        // LGWAN PC's connection to the Internet zone, unseen).
        "tunnel-esp.pcap": [], "tunnel-ipsec-nat-t.pcap": [], "tunnel-wireguard.pcap": [], "tunnel-openvpn.pcap": [],
        "tunnel-gre-udp.pcap": [], "tunnel-lisp.pcap": [],
        // Opened on the default ports (UnopenedTunnelReplayTests replays them with other ports configured).
        "tunnel-vxlan-routers.pcap": [Expected(tunnel: ["vxlan 10.20.0.11 10.20.0.12 5001"])],
        "tunnel-geneve-routers.pcap": [Expected(tunnel: ["geneve 10.20.0.11 10.20.0.12 6001"])],
        "tunnel-ppp.pcap": [Expected(vlan: [], srcMAC: nil)],
        "tunnel-chdlc.pcap": [Expected(vlan: [], srcMAC: nil)],
        "tunnel-erspan-vxlan.pcap": [
            Expected(tunnel: ["erspan-ii \(mirror) 100", "vxlan 10.20.0.11 10.20.0.12 5001"])
        ],
        // Two tenants reusing one address pair: two flows.
        "tunnel-vxlan-tenants.pcap": [
            Expected(tunnel: ["vxlan \(mirror) 100"]), Expected(tunnel: ["vxlan \(mirror) 200"]),
        ],
        // One connection mirrored by two sessions: one flow, seen first through session 1.
        "tunnel-erspan-two-sessions.pcap": [Expected(tunnel: ["erspan-ii \(mirror) 1"])],
        // The conduit's own MAC is allowed; another MAC behind the same address is not. The ERSPAN frames'
        // outer MACs (the switch's) play no part.
        "tunnel-conduit-mac.pcap": [
            Expected(
                rule: "conduit-mac-mismatch", src: "10.10.1.5", srcPort: 40002, dest: "172.20.9.9", destPort: 443,
                vlan: [110], srcMAC: "02:00:5e:10:99:05", tunnel: ["erspan-ii \(mirror) 7"])
        ],
        "tunnel-coverage-mix.pcap": [],
        // Ethernet pseudowires without a control word, whose frames start with nibble 0 as one would: the
        // frame is read where it starts, not 4 bytes on (its MACs and VLAN are the host's).
        "tunnel-mpls-pw-nocw.pcap": [Expected(tunnel: ["mpls - - 3002"])],
        "tunnel-mpls-pw-nocw-vendor.pcap": [
            Expected(vlan: [], srcMAC: "00:1b:21:20:03:04", tunnel: ["mpls - - 3003"])
        ],
        // The conduit terminal's own MAC on its VLAN: allowed (read 4 bytes off, a false conduit-mac-mismatch).
        "tunnel-mpls-pw-nocw-conduit.pcap": [],
        // The mirror's outer datagrams fragmented: the later fragments count with the mirrored flow.
        "tunnel-erspan-fragmented.pcap": [Expected(tunnel: ["erspan-ii \(mirror) 100"])],
        "tunnel-erspan-fragmented-v6.pcap": [Expected(tunnel: ["erspan-ii fd00:ff::1 fd00:ff::2 100"])],
        "tunnel-erspan-fragmented-unjudged.pcap": [],
        // VNI 20's later fragments do not take the ports of VNI 10's datagram: one flow, VNI 10's.
        "tunnel-vxlan-tenant-fragments.pcap": [
            Expected(srcPort: 40000, destPort: 9999, tunnel: ["vxlan \(mirror) 10"])
        ],
    ]

    /// Files whose frames are not all judged on purpose (their coverage is checked by a test of their own):
    /// the unopened tunnels' frames are not verified (UnopenedTunnelReplayTests).
    static let partlyVerified: Set<String> = [
        "tunnel-coverage-mix.pcap", "tunnel-vxlan-tenant-fragments.pcap", "tunnel-erspan-fragmented-unjudged.pcap",
        "tunnel-l2tpv3-ip.pcap", "tunnel-esp.pcap", "tunnel-ipsec-nat-t.pcap", "tunnel-wireguard.pcap",
        "tunnel-openvpn.pcap", "tunnel-gre-udp.pcap", "tunnel-lisp.pcap",
    ]

    /// The captures, written by the script into a fresh directory.
    static func captures() throws -> URL {
        let root = try Harness.repositoryRoot()
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("zonesep-tunnels-\(UUID().uuidString)")
        let python = URL(fileURLWithPath: "/usr/bin/python3")
        let outcome = try Harness.run(
            python, [root.appendingPathComponent("scripts/make-tunnel-captures.py").path, "--out", out.path],
            timeout: 60)
        guard outcome.exitedNormally, outcome.status == 0 else {
            throw HarnessError("make-tunnel-captures.py: \(outcome.brief)")
        }
        return out
    }

    func replay(_ file: URL, _ extra: [String] = []) throws -> (
        alerts: [[String: Any]], summary: [String: Any]?, outcome: ProcessOutcome
    ) {
        let conf = try Harness.repositoryRoot().appendingPathComponent("zones.conf")
        let outcome = try Harness.run(
            try Harness.zonesep(), ["replay", "--config", conf.path, "--output", "json"] + extra + [file.path],
            timeout: 60)
        XCTAssertTrue(outcome.exitedNormally && !outcome.timedOut, outcome.brief)
        let (alerts, summary, problems) = JSONLines.replay(outcome)
        XCTAssertEqual(problems, [], file.lastPathComponent)
        return (alerts.map(\.object), summary, outcome)
    }

    func testEveryEncapsulationGivesTheBareCapturesAlertWithItsTunnel() throws {
        let dir = try Self.captures()
        defer { try? FileManager.default.removeItem(at: dir) }
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        XCTAssertEqual(Set(files), Set(Self.expected.keys), "the script's files and the expectations")
        for name in files {
            let (alerts, summary, outcome) = try replay(dir.appendingPathComponent(name))
            let expected = Self.expected[name] ?? []
            XCTAssertEqual(alerts.map(Expected.init), expected, name)
            XCTAssertEqual(outcome.status, expected.isEmpty ? 0 : 1, "\(name): exit status")
            // Nothing judged on the tunnel itself: no unzoned-host for the mirror's addresses.
            for a in alerts { XCTAssertNotEqual(a["rule"] as? String, "unzoned-host", name) }
            guard !Self.partlyVerified.contains(name) else { continue }
            let coverage = summary?["coverage"] as? [String: Any]
            XCTAssertEqual(JSONLines.int(coverage?["frames"]), JSONLines.int(summary?["packets"]), name)
            XCTAssertEqual(
                JSONLines.int(coverage?["judged"]), JSONLines.int(summary?["packets"]), "\(name): all judged")
            XCTAssertEqual((coverage?["verified_share"] as? NSNumber)?.doubleValue, 1.0, name)
            XCTAssertFalse(outcome.stderrText.contains("could not be verified"), "\(name): \(outcome.stderrText)")
        }
    }

    /// Two VXLAN tenants with the same addresses are two flows: the summary counts two violating flows, and
    /// each alert names its own VNI.
    func testOverlappingTenantsStayApart() throws {
        let dir = try Self.captures()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (alerts, summary, _) = try replay(dir.appendingPathComponent("tunnel-vxlan-tenants.pcap"))
        XCTAssertEqual(alerts.count, 2)
        XCTAssertEqual(JSONLines.int(summary?["flows"]), 2)
        let vnis = alerts.compactMap { ($0["tunnel"] as? [[String: Any]])?.last.flatMap { JSONLines.int($0["id"]) } }
        XCTAssertEqual(vnis, [100, 200])
    }

    /// A mirror session whose outer datagrams (IPv4, and IPv6 with a fragment header) are fragmented at MTU
    /// 1500: each later fragment holds the rest of a mirrored frame, so it counts as that frame did, in its
    /// flow and its matrix cell. None is a fragment without its first, and the mirror's own addresses
    /// (unzoned) never reach the matrix.
    func testFragmentedMirrorCountsItsLaterFragmentsWithTheMirroredFlow() throws {
        let dir = try Self.captures()
        defer { try? FileManager.default.removeItem(at: dir) }
        for name in ["tunnel-erspan-fragmented.pcap", "tunnel-erspan-fragmented-v6.pcap"] {
            let flows = dir.appendingPathComponent(name + ".flows")
            let (_, summary, outcome) = try replay(dir.appendingPathComponent(name), ["--flows", flows.path])
            XCTAssertEqual(JSONLines.int(summary?["packets"]), 9, name)
            XCTAssertEqual(
                (summary?["anomalies"] as? [String: Any])?.count, 0, "\(name): \(summary?["anomalies"] ?? "")")
            XCTAssertFalse(outcome.stderrText.contains("could not be verified"), "\(name): \(outcome.stderrText)")
            let matrix = try XCTUnwrap(summary?["matrix"] as? [String: Any])
            let cells = (matrix["packets"] as? [[String: Any]] ?? []).map {
                "\($0["src_zone"] as? String ?? "?")>\($0["dest_zone"] as? String ?? "?"): "
                    + "\(JSONLines.int($0["packets"]) ?? -1)"
            }
            XCTAssertEqual(cells, ["lgwan>lgwan: 2", "lgwan>internet: 6", "internet>lgwan: 1"], name)
            XCTAssertEqual(JSONLines.int(summary?["ip_packets"]), 9, name)
            XCTAssertEqual(JSONLines.int(summary?["non_ip_packets"]), 0, name)
            XCTAssertEqual(JSONLines.int((summary?["coverage"] as? [String: Any])?["judged"]), 9, name)
            // The connection: SYN, ACK and two full-size segments of two fragments each, one way; SYN-ACK back.
            let records = try String(contentsOf: flows, encoding: .utf8).split(separator: "\n")
                .compactMap(JSONLines.object)
            let tcp = try XCTUnwrap(records.first { $0["proto"] as? String == "tcp" }, name)
            XCTAssertEqual(JSONLines.int(tcp["packets_toserver"]), 6, name)
            XCTAssertEqual(JSONLines.int(tcp["packets_toclient"]), 1, name)
            XCTAssertEqual(records.count, 2, "\(name): the connection and the DNS exchange only")
        }
    }

    /// A mirror of frames that cannot be judged, its outer datagrams fragmented: each later fragment counts
    /// as its first fragment's frame did (no IP, not verified, malformed in the matrix by its inner
    /// addresses), so the coverage classes add up to the frames and the matrix to `ip_packets`.
    func testFragmentedMirrorOfUnjudgedFramesKeepsTheTotals() throws {
        let dir = try Self.captures()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (alerts, summary, _) = try replay(dir.appendingPathComponent("tunnel-erspan-fragmented-unjudged.pcap"))
        XCTAssertEqual(alerts.count, 0)
        XCTAssertEqual(JSONLines.int(summary?["packets"]), 6)
        XCTAssertEqual(JSONLines.int(summary?["ip_packets"]), 2, "the malformed IPv4 packet's two fragments")
        XCTAssertEqual(JSONLines.int(summary?["non_ip_packets"]), 4, "the LLC and NSH frames' fragments")
        let c = try XCTUnwrap(summary?["coverage"] as? [String: Any])
        XCTAssertEqual(JSONLines.int(c["frames"]), 6)
        XCTAssertEqual(JSONLines.int(c["judged"]), 0)
        XCTAssertEqual(JSONLines.int(c["no_ip"]), 2)
        XCTAssertEqual(JSONLines.int(c["malformed"]), 2)
        XCTAssertEqual(JSONLines.int(c["not_verified"]), 2)
        XCTAssertEqual(JSONLines.int((c["not_verified_by_reason"] as? [String: Any])?["ethertype"]), 2)
        let anomalies = try XCTUnwrap(summary?["anomalies"] as? [String: Any])
        XCTAssertEqual(anomalies.count, 1, "\(anomalies)")
        XCTAssertEqual(JSONLines.int(anomalies["ipv4-bad-total-length"]), 2)
        let matrix = try XCTUnwrap(summary?["matrix"] as? [String: Any])
        let cells = (matrix["packets"] as? [[String: Any]] ?? []).map {
            "\($0["src_zone"] as? String ?? "?")>\($0["dest_zone"] as? String ?? "?"): "
                + "\(JSONLines.int($0["packets"]) ?? -1)"
        }
        XCTAssertEqual(cells, ["lgwan>internet: 2"], "every IP packet in the matrix by its inner addresses")
    }

    /// Two VXLAN tenants reuse addresses and the IP id. VNI 20 carries only later fragments: they are
    /// fragments without their first (not verified), not part of VNI 10's datagram and flow.
    func testLaterFragmentsOfAnotherTenantAreOrphans() throws {
        let dir = try Self.captures()
        defer { try? FileManager.default.removeItem(at: dir) }
        let (alerts, summary, _) = try replay(dir.appendingPathComponent("tunnel-vxlan-tenant-fragments.pcap"))
        XCTAssertEqual(alerts.count, 1)
        XCTAssertEqual(JSONLines.int(summary?["flows"]), 1)
        XCTAssertEqual(JSONLines.int((summary?["anomalies"] as? [String: Any])?["fragment-orphan"]), 2)
        let c = try XCTUnwrap(summary?["coverage"] as? [String: Any])
        XCTAssertEqual(JSONLines.int(c["judged"]), 3)
        XCTAssertEqual(JSONLines.int((c["not_verified_by_reason"] as? [String: Any])?["fragment-orphan"]), 2)
    }

    /// A capture mixing what can be judged with what cannot: every frame counted once, the reasons named in
    /// the summary, the text summary and on stderr.
    func testCoverageOfAMixedCapture() throws {
        let dir = try Self.captures()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("tunnel-coverage-mix.pcap")
        let (alerts, summary, outcome) = try replay(file)
        XCTAssertEqual(alerts.count, 0)
        let c = try XCTUnwrap(summary?["coverage"] as? [String: Any])
        XCTAssertEqual(JSONLines.int(c["frames"]), 10)
        XCTAssertEqual(JSONLines.int(c["judged"]), 3)
        XCTAssertEqual(JSONLines.int(c["no_ip"]), 2)
        XCTAssertEqual(JSONLines.int(c["malformed"]), 2)
        XCTAssertEqual(JSONLines.int(c["not_verified"]), 3)
        XCTAssertEqual((c["verified_share"] as? NSNumber)?.doubleValue, 0.5)
        let byReason = try XCTUnwrap(c["not_verified_by_reason"] as? [String: Any])
        XCTAssertEqual(JSONLines.int(byReason["gre-protocol"]), 2)
        XCTAssertEqual(JSONLines.int(byReason["ethertype"]), 1)
        let reasons = (c["unverified_reasons"] as? [[String: Any]] ?? []).map {
            "\($0["reason"] as? String ?? "?"): \(JSONLines.int($0["frames"]) ?? -1)"
        }
        XCTAssertEqual(
            reasons,
            [
                "GRE protocol 0x880b: 2", "EtherType 0x894f: 1", "malformed (encapsulation-too-deep): 1",
                "malformed (vxlan-truncated): 1",
            ])
        let anomalies = summary?["anomalies"] as? [String: Any]
        XCTAssertEqual(JSONLines.int(anomalies?["vxlan-truncated"]), 1)
        XCTAssertEqual(JSONLines.int(anomalies?["encapsulation-too-deep"]), 1)
        XCTAssertEqual(
            outcome.stderrText.trimmingCharacters(in: .whitespacesAndNewlines),
            "zonesep: warning: 5 of 10 frames (50.00 %) could not be verified, so what zonesep reports covers only "
                + "the rest. Top reasons: GRE protocol 0x880b: 2 frames; EtherType 0x894f: 1 frame; "
                + "malformed (encapsulation-too-deep): 1 frame")

        let conf = try Harness.repositoryRoot().appendingPathComponent("zones.conf")
        let text = try Harness.run(try Harness.zonesep(), ["replay", "--config", conf.path, file.path], timeout: 60)
        XCTAssertTrue(
            text.stdoutText.contains(
                "Coverage: 50.00 % of 10 frames verified (3 IP packets judged, 2 frames without IP); NOT verified: "
                    + "5 frames (GRE protocol 0x880b: 2, EtherType 0x894f: 1, malformed (encapsulation-too-deep): 1, "
                    + "malformed (vxlan-truncated): 1)."), text.stdoutText)
    }

    /// The audit report of a capture that could not all be verified never reads as an all-clear: its verdict
    /// says how much was verified and why not the rest, whether written by the replay or from the saved run.
    func testAuditReportVerdictSaysWhatWasVerified() throws {
        let dir = try Self.captures()
        defer { try? FileManager.default.removeItem(at: dir) }
        let conf = try Harness.repositoryRoot().appendingPathComponent("zones.conf")
        let html = dir.appendingPathComponent("report.html")
        let saved = dir.appendingPathComponent("run.jsonl")
        let again = dir.appendingPathComponent("again.html")
        let run = try Harness.run(
            try Harness.zonesep(),
            [
                "replay", "--config", conf.path, "--output", "json", "--report", html.path,
                dir.appendingPathComponent("tunnel-coverage-mix.pcap").path,
            ], timeout: 60)
        XCTAssertEqual(run.status, 0, run.brief)
        try run.stdout.write(to: saved)
        let report = try Harness.run(
            try Harness.zonesep(), ["report", saved.path, "--config", conf.path, "-o", again.path], timeout: 60)
        XCTAssertEqual(report.status, 0, report.brief)
        let first = try String(contentsOf: html, encoding: .utf8)
        XCTAssertEqual(first, try String(contentsOf: again, encoding: .utf8), "replay --report and report agree")
        XCTAssertTrue(first.contains("違反なし — ただし検証できたのはフレームの 50.00 %"), first)
        XCTAssertTrue(first.contains("Not verified: GRE protocol 0x880b: 2, EtherType 0x894f: 1"), first)
        XCTAssertFalse(first.contains("違反は検出されませんでした"))
        XCTAssertTrue(first.contains("data-limited=\"true\""))
        // The limits line and §9 name the unverified frames as what limits the audit, not an empty reason.
        // No frame of these captures is VLAN-tagged, and the zones declare VLANs: that is said too.
        XCTAssertTrue(
            first.contains(
                "(検証できなかったフレーム 5 / 10 frames not verified, VLANタグなし no VLAN-tagged flow (zone-vlan-mismatch); §9)"),
            first)
        XCTAssertFalse(first.contains("(; §9)"))
        XCTAssertTrue(first.contains("50.00 % of 10 frames verified; not verified: GRE protocol 0x880b: 2"), first)
        let md = try Harness.run(
            try Harness.zonesep(),
            ["report", saved.path, "--config", conf.path, "--report-format", "md"], timeout: 60)
        XCTAssertEqual(md.status, 0, md.brief)
        XCTAssertTrue(md.stdoutText.contains("| 検証できなかったフレーム frames not verified | 5 |"), md.stdoutText)
        XCTAssertTrue(md.stdoutText.contains("| 検証できなかった理由 not verified: GRE protocol 0x880b | 2 |"))
    }

    /// Flow records (`--flows`) carry the tunnel of a flow seen inside one, allowed flows included, as the
    /// alert does; a flow of a plain capture has none.
    func testFlowRecordsNameTheTunnel() throws {
        let dir = try Self.captures()
        defer { try? FileManager.default.removeItem(at: dir) }
        func records(_ name: String) throws -> [[String: Any]] {
            let flows = dir.appendingPathComponent(name + ".flows")
            _ = try replay(dir.appendingPathComponent(name), ["--flows", flows.path])
            return try String(contentsOf: flows, encoding: .utf8).split(separator: "\n").compactMap(JSONLines.object)
        }
        let nested = try records("tunnel-erspan-vxlan.pcap")
        XCTAssertEqual(nested.count, 2, "the TCP connection and the DNS exchange")
        let layers = ["erspan-ii \(Self.mirror) 100", "vxlan 10.20.0.11 10.20.0.12 5001"]
        for r in nested {
            XCTAssertEqual(Expected(r).tunnel, layers, "\(r)")
            XCTAssertEqual((r["vlan"] as? [Any])?.compactMap { JSONLines.int($0) }, [120])
        }
        XCTAssertEqual(nested.compactMap { $0["verdict"] as? String }, ["sanitisation-bypass"], "one flow allowed")
        let mpls = try records("tunnel-mpls.pcap")
        XCTAssertEqual(mpls.map { Expected($0).tunnel }, [["mpls - - 2001"], ["mpls - - 2001"]])
        for r in try records("tunnel-vlan3.pcap") { XCTAssertNil(r["tunnel"], "no tunnel: \(r)") }
    }

    /// The alert's text line names the tunnel.
    func testTextAlertNamesTheTunnel() throws {
        let dir = try Self.captures()
        defer { try? FileManager.default.removeItem(at: dir) }
        let conf = try Harness.repositoryRoot().appendingPathComponent("zones.conf")
        let cases = [
            (
                "tunnel-erspan-vxlan.pcap",
                "vlan 120 inside erspan-ii 192.168.255.1→192.168.255.2 id 100 > vxlan 10.20.0.11→10.20.0.12 id 5001]"
            ),
            ("tunnel-etherip.pcap", "vlan 120 inside etherip 192.168.255.1→192.168.255.2]"),
            ("tunnel-srv6-l2.pcap", "vlan 120 inside srv6-l2 fd00:ff::1→fd00:ff::2]"),
            ("tunnel-mpls-in-udp.pcap", "[initiator: syn inside mpls 192.168.255.1→192.168.255.2 id 2003]"),
        ]
        for (file, line) in cases {
            let text = try Harness.run(
                try Harness.zonesep(), ["replay", "--config", conf.path, dir.appendingPathComponent(file).path],
                timeout: 60)
            XCTAssertTrue(text.stdoutText.contains(line), "\(file): \(text.stdoutText)")
        }
    }
}
