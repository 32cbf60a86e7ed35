import Foundation
import XCTest
import ZonesepTestSupport

/// A trunk mirror whose native VLAN carries one zone untagged (scripts/make-host-captures.py,
/// `host-native-vlan.pcap`): some flows are tagged, so the run is not blind to VLANs, but the LGWAN zone's
/// flows and the Internet zone's priority-tagged ones (VLAN 0) carry no VLAN id, and `zone-vlan-mismatch`
/// could not judge those hosts. The summary counts them by zone (`coverage.flows_untagged_vlan_zones`,
/// `flows_untagged_by_zone`); the text summary, the audit report and a report of the saved run say so.
final class NativeVLANReportTests: ScratchDirectoryTestCase {
    /// The capture and the zones.conf it is judged by (mynumber 110, lgwan 120-121, internet 130; lgwan-wan
    /// declares no VLANs).
    func nativeVLANCapture() throws -> (capture: URL, config: String) {
        let made = try Harness.run(
            URL(fileURLWithPath: "/usr/bin/python3"),
            [root.appendingPathComponent("scripts/make-host-captures.py").path, "--out", scratch.path], timeout: 60)
        XCTAssertEqual(made.status, 0, made.brief)
        return (
            scratch.appendingPathComponent("host-native-vlan.pcap"),
            scratch.appendingPathComponent("zones-hosts.conf").path
        )
    }

    func testUntaggedFlowsOfVLANZonesAreCountedByZoneAndReported() throws {
        let (capture, config) = try nativeVLANCapture()
        let run = try Harness.run(
            zonesep, ["replay", "--config", config, "--output", "json", capture.path], timeout: 60, in: root)
        XCTAssertTrue(run.exitedNormally, run.brief)
        let summary = try XCTUnwrap(JSONLines.replay(run).summary)
        XCTAssertEqual(JSONLines.int(summary["flows"]), 9)
        let coverage = try XCTUnwrap(summary["coverage"] as? [String: Any])
        // Tagged: mynumber's DNS (110), an Internet PC (130), the two priority-tagged ones and the Q-in-Q one.
        XCTAssertEqual(JSONLines.int(coverage["flows_tagged"]), 5)
        // Untagged or VLAN 0: two LGWAN flows, one from LGWAN to the Internet zone (once, though it joins two
        // zones with VLANs), two Internet ones priority-tagged (one under an S-tag). Not the lgwan-wan one
        // (no `vlans`), not the Q-in-Q flow whose inner tag is 130.
        XCTAssertEqual(JSONLines.int(coverage["flows_untagged_vlan_zones"]), 5)
        let byZone = try XCTUnwrap(coverage["flows_untagged_by_zone"] as? [String: Any])
        XCTAssertEqual(byZone.mapValues { JSONLines.int($0) ?? -1 }, ["lgwan": 3, "internet": 3])

        let text = try Harness.run(zonesep, ["replay", "--config", config, capture.path], timeout: 60, in: root)
        XCTAssertTrue(
            text.stdoutText.contains(
                "5 of 9 flows had an end in a zone that declares VLANs and were untagged or VLAN 0 (lgwan: 3, "
                    + "internet: 3): zone-vlan-mismatch could not judge their hosts.\n"), text.stdoutText)

        // The report, from the replay and from its saved run alike (`reportBothWays` compares them).
        let html = try reportBothWays([capture.path], config: config)
        XCTAssertTrue(html.contains("data-limited=\"true\""), "hosts the VLAN rule could not judge: a limit")
        XCTAssertTrue(
            html.contains("VLANタグのないフロー 5 untagged flows of zones with VLANs (zone-vlan-mismatch)"),
            "the first page")
        XCTAssertFalse(html.contains("VLANタグなし no VLAN-tagged flow"), "some flows were tagged: not blind")
        XCTAssertTrue(html.contains("<p class=\"limits-note untagged-vlan\">"), "§5 says why")
        XCTAssertTrue(html.contains("(lgwan 3, internet 3; a trunk's native VLAN"), "§5 names the zones")
        XCTAssertTrue(
            html.contains("No device stood in two tiers or, in a tagged frame, on another zone's VLAN."),
            "§5's all-clear is of the tagged frames only")
        XCTAssertTrue(
            html.contains(
                "<span class=\"en\">untagged flows of zones with VLANs</span></th><td class=\"num\">5</td>"
                    + "<td><span class=\"badge bad\">要確認</span> <div class=\"mono\">lgwan: 3</div>"
                    + "<div class=\"mono\">internet: 3</div>"), "§9 counts them by zone")
        let md = try reportBothWays([capture.path], config: config, format: "md")
        let label = "VLANタグのないフロー untagged flows of zones with VLANs (zone-vlan-mismatch)"
        XCTAssertTrue(md.contains("| \(label) | 5 |\n| \(label): lgwan | 3 |\n| \(label): internet | 3 |"), md)
    }

    /// A run saved before the untagged flows were counted has no such fields: its report says nothing of
    /// them, and counts no limit for them.
    func testARunSavedBeforeTheCountReportsNoSuchLimit() throws {
        let (capture, config) = try nativeVLANCapture()
        let run = try Harness.run(
            zonesep, ["replay", "--config", config, "--output", "json", capture.path], timeout: 60, in: root)
        XCTAssertTrue(run.exitedNormally, run.brief)
        let older = run.stdoutText.replacingOccurrences(
            of: ",\"flows_untagged_vlan_zones\":5,\"flows_untagged_by_zone\":{\"lgwan\":3,\"internet\":3}", with: "")
        XCTAssertNotEqual(older, run.stdoutText, "the fields were in the saved run")
        let saved = scratch.appendingPathComponent("older.jsonl")
        try Data(older.utf8).write(to: saved)
        let page = scratch.appendingPathComponent("older.html")
        let report = try Harness.run(
            zonesep, ["report", saved.path, "--config", config, "-o", page.path], timeout: 60, in: root)
        XCTAssertEqual(report.status, 0, report.brief)
        let html = try String(contentsOf: page, encoding: .utf8)
        XCTAssertFalse(html.contains("untagged flows of zones with VLANs"))
        XCTAssertTrue(html.contains("data-limited=\"false\""), "nothing else limits this run")
    }
}
