import Foundation
import XCTest

/// `zonesep replay` on the captures of scripts/make-host-captures.py: a host finding alone (no violating
/// flow) makes the exit status 1, as DESIGN.md says ("violations found (flow or host rules)"); a capture
/// whose devices each stay in one tier exits 0. (How findings are written is the output's business: here
/// only the status and the absence of flow alerts.)
final class HostRulesReplayTests: XCTestCase {
    func testAHostFindingAloneFailsTheReplay() throws {
        let root = try Harness.repositoryRoot()
        let out = FileManager.default.temporaryDirectory.appendingPathComponent(
            "zonesep-hostrules-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let made = try Harness.run(
            URL(fileURLWithPath: "/usr/bin/python3"),
            [root.appendingPathComponent("scripts/make-host-captures.py").path, "--out", out.path], timeout: 60)
        XCTAssertEqual(made.status, 0, made.brief)
        let conf = out.appendingPathComponent("zones-hosts.conf").path
        // Every flow in these captures stays within one zone: any exit status 1 is the host rules'.
        for (name, status) in [
            ("host-wrong-vlan.pcap", 1), ("host-arp.pcap", 1), ("host-dual-homed.pcap", 1), ("host-untagged.pcap", 0),
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
}
