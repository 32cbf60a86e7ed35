import Foundation
import XCTest
import ZonesepTestSupport

/// A Linux cooked capture (`tcpdump -i any`) records the sender's MAC only. When that MAC breaks a
/// conduit, the alert and the flow record show it as the initiator's (`src_mac`), the receiver's stays
/// null, and the message names the MAC it saw.
final class CookedCaptureMACTests: ScratchDirectoryTestCase {
    func testConduitMACMismatchInACookedCaptureShowsTheSendersMAC() throws {
        let conf = root.appendingPathComponent("zones.conf")
        // zones.conf's conduit 'intermediate-server': 10.10.1.5 (MAC 02:00:0a:0a:01:05) → 172.20.9.9 tcp/443.
        // SLL v1 header: packet type 4 (sent by us), ARPHRD_ETHER, address length 6, the address, IPv4.
        let header: [UInt8] = [0, 4, 0, 1, 0, 6, 2, 0, 0, 0, 0x0b, 0xad, 0, 0, 0x08, 0x00]
        let ip = PcapBytes.ipv4(6, id: 1, [10, 10, 1, 5], [172, 20, 9, 9], payload: 20) + PcapBytes.tcpSYN(40001, 443)
        var pcap = PcapBytes(linkType: 113)
        pcap.append(header + ip, micros: 1_800_000_000_000_000)
        let capture = scratch.appendingPathComponent("cooked.pcap")
        try pcap.data.write(to: capture)
        let flowsFile = scratch.appendingPathComponent("flows.jsonl")

        let outcome = try Harness.run(
            zonesep,
            ["replay", "--config", conf.path, "--output", "json", "--flows", flowsFile.path, capture.path],
            timeout: 60)
        XCTAssertTrue(outcome.exitedNormally, outcome.brief)
        XCTAssertEqual(outcome.status, 1, outcome.brief)
        let (alerts, _, problems) = JSONLines.replay(outcome)
        XCTAssertEqual(problems, [])
        XCTAssertEqual(alerts.count, 1)
        let a = try XCTUnwrap(alerts.first?.object)
        XCTAssertEqual(a["rule"] as? String, "conduit-mac-mismatch")
        XCTAssertEqual(a["src_mac"] as? String, "02:00:00:00:0b:ad")
        XCTAssertTrue(a["dest_mac"] is NSNull, "\(a)")
        let message = try XCTUnwrap(a["message"] as? String)
        XCTAssertTrue(
            message.hasSuffix("(expected initiator 02:00:0a:0a:01:05; seen initiator 02:00:00:00:0b:ad)"), message)

        let record = try XCTUnwrap(
            try String(contentsOf: flowsFile, encoding: .utf8).split(separator: "\n").first.flatMap {
                try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            })
        XCTAssertEqual(record["src_mac"] as? String, "02:00:00:00:0b:ad")
        XCTAssertTrue(record["dest_mac"] is NSNull, "\(record)")
        XCTAssertEqual(record["verdict"] as? String, "conduit-mac-mismatch")
    }
}
