import Foundation
import XCTest
import ZonesepTestSupport

/// Every ICMP and ICMPv6 flow of the demonstration captures carries, in its flow record and alert, the
/// Community ID tshark computes for its packets. The captures hold a ping whose first packet is the echo
/// reply (V6): its initiator is the reply's receiver, and its id must still be the ping's, which Zeek and
/// Suricata write too (REVIEW-102 F11: it was the hash of the reply's type sent the other way).
final class ICMPCommunityIDTests: ScratchDirectoryTestCase {
    func testICMPFlowIDsAreTsharksCommunityIDs() throws {
        let root = try Harness.repositoryRoot()
        let zonesep = try Harness.zonesep()
        let tshark = try Tools.require("tshark", package: "tshark")
        let flows = scratch.appendingPathComponent("flows.jsonl")
        let captures = root.appendingPathComponent("captures")
        let outcome = try Harness.run(
            zonesep,
            ["replay", "--config", "zones.conf", "--output", "json", "--flows", flows.path, captures.path],
            timeout: 120, in: root)
        XCTAssertEqual(outcome.status, 1, outcome.brief)

        // tshark's Community ID of every ICMP / ICMPv6 packet of the captures (echo, errors and the rest).
        var theirs: Set<String> = []
        for file in try Harness.captureFiles(in: captures) {
            let ids = try Harness.run(
                tshark,
                [
                    "-n", "-r", file.path, "--enable-protocol", "communityid", "-Y", "icmp || icmpv6", "-T", "fields",
                    "-e", "communityid",
                ], timeout: 60)
            XCTAssertEqual(ids.status, 0, ids.brief)
            theirs.formUnion(ids.stdoutText.split(separator: "\n").map(String.init))
        }

        var icmpFlows: [String: String] = [:]  // flow_id → "src → dest"
        for line in try String(contentsOf: flows, encoding: .utf8).split(separator: "\n") {
            let o = try XCTUnwrap(JSONLines.object(line), String(line))
            guard let proto = o["proto"] as? String, proto == "icmp" || proto == "icmpv6" else { continue }
            let id = try XCTUnwrap(o["flow_id"] as? String, String(line))
            icmpFlows[id] = "\(proto) \(o["src_ip"] ?? "?") → \(o["dest_ip"] ?? "?")"
        }
        XCTAssertGreaterThanOrEqual(icmpFlows.count, 3, "\(icmpFlows)")
        for (id, flow) in icmpFlows {
            XCTAssertTrue(theirs.contains(id), "\(flow): flow_id \(id) is none of tshark's \(theirs.sorted())")
        }

        // The V6 ping (10.10.2.21 asked, its echo reply seen first): its alert carries the same id.
        let alerts = outcome.stdoutText.split(separator: "\n").compactMap { JSONLines.object($0) }
        let v6 = try XCTUnwrap(
            alerts.first {
                $0["event_type"] as? String == "alert" && $0["proto"] as? String == "icmp"
                    && $0["src_ip"] as? String == "10.10.2.21" && $0["dest_ip"] as? String == "172.20.9.9"
            }, "no V6 alert")
        let id = try XCTUnwrap(v6["flow_id"] as? String)
        XCTAssertTrue(theirs.contains(id), "V6 flow_id \(id) is none of tshark's")
        XCTAssertNotNil(icmpFlows[id], "V6's alert and flow record differ")
    }
}
