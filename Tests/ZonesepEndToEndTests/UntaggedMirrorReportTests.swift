import Foundation
import XCTest
import ZonesepTestSupport

/// The demonstration's captures as a mirror that strips VLAN tags delivers them: the zones declare `vlans`,
/// but no flow carries a tag, so `zone-vlan-mismatch` (which judges tagged frames only) judges no host. The
/// summary counts the tagged flows (`coverage.flows_tagged`), and the audit report must not say that no host
/// stood on another zone's VLAN (REVIEW-130 F3). It says so once: not again as untagged flows of those zones.
final class UntaggedMirrorReportTests: ScratchDirectoryTestCase {
    /// Classic pcap `data` (Ethernet) with every 802.1Q / 802.1ad tag taken out of its frames.
    static func untagged(_ data: Data) -> PcapBytes {
        var out = PcapBytes()
        for (micros, captured, wire) in PcapBytes.records(of: data) {
            var frame = captured
            var cut = 0
            while frame.count >= 18, [0x8100, 0x88a8].contains(Int(frame[12]) << 8 | Int(frame[13])) {
                frame.removeSubrange(12..<16)
                cut += 4
            }
            out.append(frame, micros: micros, wireLength: wire - cut)
        }
        return out
    }

    func testAMirrorThatStripsTagsLeavesTheVLANRuleBlindAndSaysSo() throws {
        let original = root.appendingPathComponent("captures/span-2330.pcap")
        let copy = scratch.appendingPathComponent("untagged-2330.pcap")
        try Self.untagged(try Data(contentsOf: original)).data.write(to: copy)

        func summary(_ capture: URL) throws -> [String: Any] {
            let run = try Harness.run(
                zonesep, ["replay", "--config", "zones.conf", "--output", "json", capture.path], timeout: 60, in: root)
            XCTAssertTrue(run.exitedNormally, run.brief)
            return try XCTUnwrap(JSONLines.replay(run).summary)
        }
        // The demonstration: its flows are tagged.
        let tagged = try summary(original)
        let taggedCoverage = try XCTUnwrap(tagged["coverage"] as? [String: Any])
        XCTAssertGreaterThan(try XCTUnwrap(JSONLines.int(taggedCoverage["flows_tagged"])), 0)

        // Untagged: the same flows, none tagged, and the report says what that leaves unjudged.
        let stripped = try summary(copy)
        let coverage = try XCTUnwrap(stripped["coverage"] as? [String: Any])
        XCTAssertEqual(JSONLines.int(coverage["flows_tagged"]), 0)
        XCTAssertEqual(JSONLines.int(stripped["flows"]), JSONLines.int(tagged["flows"]))
        // Every flow of a zone with VLANs is now untagged, not only those the demonstration left untagged.
        XCTAssertEqual(JSONLines.int(taggedCoverage["flows_untagged_vlan_zones"]), 11)
        XCTAssertEqual(JSONLines.int(coverage["flows_untagged_vlan_zones"]), 35)

        let html = try reportBothWays([copy.path])
        XCTAssertTrue(html.contains("data-limited=\"true\""), "the VLAN rule judged no host: a limit")
        XCTAssertTrue(html.contains("VLANタグなし no VLAN-tagged flow (zone-vlan-mismatch)"), "the first page")
        XCTAssertTrue(html.contains("class=\"limits-note no-vlan\""), "§5 says why")
        XCTAssertFalse(html.contains("class=\"limits-note untagged-vlan\""), "and says it once")
        XCTAssertFalse(html.contains("untagged flows of zones with VLANs (zone-vlan-mismatch)"), "the first page too")
        XCTAssertTrue(
            html.contains("<span class=\"en\">untagged flows of zones with VLANs</span></th><td class=\"num\">35"))
        XCTAssertFalse(html.contains("or on another zone's VLAN.</span></p>"), "no all-clear for VLANs")
        XCTAssertTrue(html.contains("<span class=\"en\">flows with a VLAN tag</span></th><td class=\"num\">0 / "))
        let md = try reportBothWays([copy.path], format: "md")
        XCTAssertTrue(md.contains("| VLANタグ付きのフロー flows with a VLAN tag (zone-vlan-mismatch) | 0 |"), md)
        // The demonstration's own report has tagged flows: no such limit, but its untagged flows of zones with
        // VLANs are one.
        let demo = try reportBothWays([original.path])
        XCTAssertFalse(demo.contains("VLANタグなし"))
        XCTAssertTrue(demo.contains("VLANタグのないフロー 11 untagged flows of zones with VLANs (zone-vlan-mismatch)"))
    }
}
