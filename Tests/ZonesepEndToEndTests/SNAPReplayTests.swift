import Foundation
import XCTest
import ZonesepTestSupport

/// IPv4 inside 802.3 LLC/SNAP frames is judged as in Ethernet II frames: five SYNs lgwan → internet on
/// TCP 445 are five violating flows, not "5 frames without IP"; an STP frame beside them still holds no IP.
final class SNAPReplayTests: ScratchDirectoryTestCase {
    func testIPInSNAPIsJudged() throws {
        let conf = root.appendingPathComponent("zones.conf")
        let macs: [UInt8] = [2, 0, 0, 0x30, 7, 8, 2, 0, 0, 0x20, 3, 4]
        var pcap = PcapBytes()
        for i in 0..<5 {
            let ip = PcapBytes.ipv4(6, id: UInt16(i), [10, 20, 3, 4], [10, 30, 7, 8], payload: 20)
            let llc: [UInt8] = [0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00] + ip + PcapBytes.tcpSYN(50000 + UInt16(i), 445)
            pcap.append(macs + [0, UInt8(llc.count)] + llc, micros: 1_800_000_000_000_000 + Int64(i))
        }
        let stp: [UInt8] = [0x42, 0x42, 0x03] + [UInt8](repeating: 0, count: 35)
        pcap.append(macs + [0, UInt8(stp.count)] + stp, micros: 1_800_000_000_000_010)
        let capture = scratch.appendingPathComponent("snap.pcap")
        try pcap.data.write(to: capture)

        let outcome = try Harness.run(
            zonesep, ["replay", "--config", conf.path, "--output", "json", capture.path], timeout: 60)
        XCTAssertTrue(outcome.exitedNormally, outcome.brief)
        XCTAssertEqual(outcome.status, 1, outcome.brief)
        let (alerts, summary, problems) = JSONLines.replay(outcome)
        XCTAssertEqual(problems, [])
        XCTAssertEqual(alerts.count, 5)
        for a in alerts.map(\.object) {
            XCTAssertEqual(a["rule"] as? String, "sanitisation-bypass")
            XCTAssertEqual(a["src_ip"] as? String, "10.20.3.4")
            XCTAssertEqual(a["dest_port"] as? Int, 445)
            XCTAssertEqual(a["initiator"] as? String, "syn")
            XCTAssertEqual(a["src_mac"] as? String, "02:00:00:20:03:04")
        }
        let c = try XCTUnwrap(summary?["coverage"] as? [String: Any])
        XCTAssertEqual(JSONLines.int(c["judged"]), 5)
        XCTAssertEqual(JSONLines.int(c["no_ip"]), 1)
        XCTAssertEqual(JSONLines.int(summary?["ip_packets"]), 5)
    }
}
