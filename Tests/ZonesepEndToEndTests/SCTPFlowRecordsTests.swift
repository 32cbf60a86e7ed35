import Foundation
import XCTest
import ZonesepTestSupport

/// SCTP flows in `--flows`: the flow record used to test for TCP or UDP only, so an SCTP flow's record had
/// null ports and a `flow_id` hashed without them, unlike its alert's; separate associations between two
/// hosts became identical records that no SIEM could join to their alerts.
final class SCTPFlowRecordsTests: ScratchDirectoryTestCase {
    /// tcpdump's forces2.pcap: six SCTP associations from 192.168.1.142 to 192.168.1.143 (ForCES, ports
    /// 6704-6706), each an alert once the two hosts are in zones that must not talk.
    func testEachAssociationsRecordHasTheAlertsPortsAndFlowID() throws {
        let config = scratch.appendingPathComponent("zones.conf")
        let text =
            ZonesText.sensor("sctp-test") + ZonesText.zone("mynumber", "192.168.1.142/32")
            + ZonesText.zone("internet", "192.168.1.143/32")
        try text.write(to: config, atomically: true, encoding: .utf8)
        let flowsFile = scratch.appendingPathComponent("flows.jsonl")
        let capture = try Harness.corpusDirectory().appendingPathComponent("forces2.pcap")
        let outcome = try Harness.run(
            zonesep,
            ["replay", "--config", config.path, "--output", "json", "--flows", flowsFile.path, capture.path],
            timeout: 60)
        XCTAssertEqual(outcome.status, 1, outcome.brief)
        let (alerts, _, problems) = JSONLines.replay(outcome)
        XCTAssertEqual(problems, [])
        let records = try String(contentsOf: flowsFile, encoding: .utf8).split(separator: "\n").map {
            try XCTUnwrap(JSONLines.object($0), String($0))
        }
        XCTAssertEqual(records.count, 6)
        XCTAssertEqual(alerts.count, 6)
        XCTAssertTrue(records.allSatisfy { $0["proto"] as? String == "sctp" })
        let pairs = Set(
            records.map { "\(JSONLines.int($0["src_port"]) ?? -1)>\(JSONLines.int($0["dest_port"]) ?? -1)" })
        XCTAssertEqual(pairs.count, 6, "six associations, six port pairs: \(pairs)")
        XCTAssertFalse(pairs.contains { $0.contains("-1") }, "\(pairs)")
        for (line, a) in alerts {
            XCTAssertEqual(a["rule"] as? String, "mynumber-isolation", String(line))
            let match = records.filter { $0["flow_id"] as? String == a["flow_id"] as? String }
            XCTAssertEqual(match.count, 1, "one record with the alert's flow_id: \(line)")
            XCTAssertEqual(match.first.flatMap { JSONLines.int($0["src_port"]) }, JSONLines.int(a["src_port"]))
            XCTAssertEqual(match.first.flatMap { JSONLines.int($0["dest_port"]) }, JSONLines.int(a["dest_port"]))
            XCTAssertEqual(match.first?["start"] as? String, a["timestamp"] as? String)
        }
    }
}
