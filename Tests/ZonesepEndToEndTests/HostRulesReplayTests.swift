import Foundation
import XCTest

/// `zonesep replay` on the captures of scripts/make-host-captures.py: a host finding alone (no violating
/// flow) makes the exit status 1, as DESIGN.md says ("violations found (flow or host rules)"); a capture
/// whose devices each stay in one tier exits 0. (How findings are written is the output's business: here
/// only the status and the absence of flow alerts.)
final class HostRulesReplayTests: XCTestCase {
    /// Runs scripts/make-host-captures.py into a fresh directory, removed when the test ends; returns the
    /// directory and the zones.conf it wrote.
    private func hostCaptures() throws -> (out: URL, conf: String) {
        let root = try Harness.repositoryRoot()
        let out = FileManager.default.temporaryDirectory.appendingPathComponent(
            "zonesep-hostrules-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: out) }
        let made = try Harness.run(
            URL(fileURLWithPath: "/usr/bin/python3"),
            [root.appendingPathComponent("scripts/make-host-captures.py").path, "--out", out.path], timeout: 60)
        XCTAssertEqual(made.status, 0, made.brief)
        return (out, out.appendingPathComponent("zones-hosts.conf").path)
    }

    func testAHostFindingAloneFailsTheReplay() throws {
        let (out, conf) = try hostCaptures()
        // Every flow in these captures stays within one zone: any exit status 1 is the host rules'.
        for (name, status) in [
            ("host-wrong-vlan.pcap", 1), ("host-arp.pcap", 1), ("host-dual-homed.pcap", 1), ("host-untagged.pcap", 0),
            ("host-arp-then-ip.pcap", 1), ("host-ip-then-arp.pcap", 1), ("host-na-then-ip.pcap", 1),
            ("host-straggler.pcap", 1), ("host-pppoe-dialout.pcap", 1), ("host-pppoe-dialout-mynumber.pcap", 1),
        ] {
            let outcome = try Harness.run(
                try Harness.zonesep(),
                ["replay", "--config", conf, "--output", "json", out.appendingPathComponent(name).path], timeout: 60)
            XCTAssertTrue(outcome.exitedNormally, outcome.brief)
            XCTAssertEqual(outcome.status, Int32(status), "\(name): \(outcome.brief)")
            let (alerts, summary, _) = JSONLines.replay(outcome)
            XCTAssertEqual(alerts.filter { $0.object["flow_id"] != nil }.count, 0, name)
            XCTAssertNotNil(summary, name)
            let table = summary?["host_table"] as? [String: Any]
            XCTAssertEqual(JSONLines.int(table?["macs_evicted"]), 0, name)
            XCTAssertEqual(JSONLines.int(table?["addresses_dropped"]), 0, name)
        }
    }

    /// The findings of the summary of `zonesep replay` on `file`, each as rule, severity, MAC, address, zone
    /// and VLANs; and the summary.
    func findings(_ file: URL, config: String) throws -> ([String], [String: Any]?) {
        let outcome = try Harness.run(
            try Harness.zonesep(), ["replay", "--config", config, "--output", "json", file.path], timeout: 60)
        XCTAssertTrue(outcome.exitedNormally, outcome.brief)
        let (_, summary, problems) = JSONLines.replay(outcome)
        XCTAssertEqual(problems, [], file.lastPathComponent)
        let list = summary?["host_findings"] as? [[String: Any]] ?? []
        return (
            list.map { f in
                let vlans = (f["vlan"] as? [Any] ?? []).compactMap { JSONLines.int($0) }
                return [f["rule"], f["severity"], f["src_mac"], f["src_ip"], f["src_zone"]].map { "\($0 ?? "nil")" }
                    .joined(separator: " ") + " \(vlans)"
            }, summary
        )
    }

    /// A mynumber PC on the LGWAN VLAN raises `zone-vlan-mismatch` whether its ARP (or, in IPv6, its
    /// neighbour advertisement) comes before its IP packets or after: a resolution, which is not held to
    /// the zone's VLANs, does not stand for the IP packet that is. And a closed connection's late RST, which
    /// joins no flow, still shows its sender: with that MAC's Internet-zone datagram, `dual-homed-host`.
    func testFindingsDoNotDependOnWhatCameFirst() throws {
        let (out, conf) = try hostCaptures()
        func run(_ name: String) throws -> ([String], [String: Any]?) {
            try findings(out.appendingPathComponent(name), config: conf)
        }
        let mismatch = ["zone-vlan-mismatch high 02:00:00:10:02:02 10.10.2.2 mynumber [120]"]
        XCTAssertEqual(try run("host-arp-then-ip.pcap").0, mismatch)
        XCTAssertEqual(try run("host-ip-then-arp.pcap").0, mismatch)
        XCTAssertEqual(
            try run("host-na-then-ip.pcap").0, ["zone-vlan-mismatch high 02:00:00:10:02:06 fd00:10::2:6 mynumber [120]"]
        )
        let (straggler, summary) = try run("host-straggler.pcap")
        XCTAssertEqual(straggler, ["dual-homed-host high 02:00:00:20:01:77 10.30.7.7 internet [130]"])
        // The RST was a straggler (it joined no flow), not a packet of a flow of its own.
        let table = summary?["flow_table"] as? [String: Any]
        XCTAssertEqual(JSONLines.int(table?["packets_after_close"]), 1)
        XCTAssertEqual(JSONLines.int(summary?["flows"]), 2)
        let addresses = (summary?["host_findings"] as? [[String: Any]])?.first?["addresses"] as? [[String: Any]]
        XCTAssertEqual(addresses?.map { "\($0["ip"] ?? "") \($0["seen_by"] ?? "")" }, ["10.20.1.7 ip", "10.30.7.7 ip"])
    }

    /// A zone PC that dials its own PPPoE session to the Internet (a FLET'S line in the office LAN) is one
    /// device in its zone and outside: the PPPoE frames' Ethernet source is its MAC, as on its plain frames.
    /// High from the LGWAN, critical from the mynumber zone; the PPPoE flow's own record keeps that MAC.
    func testAPCDiallingItsOwnPPPoESessionIsDualHomed() throws {
        let (out, conf) = try hostCaptures()
        for (name, line) in [
            ("host-pppoe-dialout.pcap", "dual-homed-host high 02:00:00:00:0a:01 198.51.100.77 external []"),
            (
                "host-pppoe-dialout-mynumber.pcap",
                "dual-homed-host critical 02:00:00:00:0a:01 198.51.100.77 external []"
            ),
        ] {
            let (found, summary) = try findings(out.appendingPathComponent(name), config: conf)
            XCTAssertEqual(found, [line], name)
            let addresses = (summary?["host_findings"] as? [[String: Any]])?.first?["addresses"] as? [[String: Any]]
            XCTAssertEqual(addresses?.map { "\($0["ip"] ?? "")" }.last, "198.51.100.77", name)
            XCTAssertEqual(addresses?.count, 2, name)
            let coverage = summary?["coverage"] as? [String: Any]
            XCTAssertEqual(JSONLines.int(coverage?["host_rules_no_mac"]), 0, "\(name): every sender showed its MAC")
        }
        let flowFile = out.appendingPathComponent("pppoe-flows.jsonl")
        let replay = try Harness.run(
            try Harness.zonesep(),
            [
                "replay", "--config", conf, "--flows", flowFile.path,
                out.appendingPathComponent("host-pppoe-dialout.pcap").path,
            ], timeout: 60)
        XCTAssertEqual(replay.status, 1, replay.brief)
        let records = try String(contentsOf: flowFile, encoding: .utf8).split(separator: "\n").compactMap {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }.filter { ($0["src_ip"] as? String) == "198.51.100.77" }
        XCTAssertEqual(records.count, 1, "\(records)")
        XCTAssertEqual(records.first?["src_mac"] as? String, "02:00:00:00:0a:01")
        XCTAssertEqual(records.first?["dest_mac"] as? String, "02:00:00:99:00:01")
    }
}
