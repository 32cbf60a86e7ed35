import Foundation
import XCTest
import ZonesepTestSupport

/// A violating flow under eight VLAN tags (provider in provider): the summary's `violations[].vlan` is its
/// alert's, every tag, though the flow key keeps only the outermost and the innermost (`zonesep report`
/// takes a folded flow's VLANs from the summary).
final class VLANStackReplayTests: ScratchDirectoryTestCase {
    func testViolationKeepsEveryTagOfItsAlert() throws {
        let conf = root.appendingPathComponent("zones.conf")
        let tags: [UInt16] = Array(100...107)
        let macs: [UInt8] = [2, 0, 0, 0x30, 7, 8, 2, 0, 0, 0x20, 3, 4]
        var frame = macs
        for t in tags { frame += [0x81, 0x00, UInt8(t >> 8), UInt8(t & 0xff)] }
        frame += [0x08, 0x00] + PcapBytes.ipv4(6, id: 1, [10, 20, 3, 4], [10, 30, 7, 8], payload: 20)
        frame += PcapBytes.tcpSYN(50000, 445)
        var pcap = PcapBytes()
        pcap.append(frame, micros: 1_800_000_000_000_000)
        let capture = scratch.appendingPathComponent("vlan8.pcap")
        try pcap.data.write(to: capture)

        let outcome = try Harness.run(
            zonesep, ["replay", "--config", conf.path, "--output", "json", capture.path], timeout: 60)
        XCTAssertEqual(outcome.status, 1, outcome.brief)
        let (alerts, summary, problems) = JSONLines.replay(outcome)
        XCTAssertEqual(problems, [])
        // The flow's alert, beside the host rule's (`zone-vlan-mismatch`: the LGWAN PC is on VLAN 107).
        let flowAlerts = alerts.map(\.object).filter { $0["rule"] as? String == "sanitisation-bypass" }
        XCTAssertEqual(flowAlerts.count, 1)
        let alertVLAN = try XCTUnwrap(flowAlerts.first?["vlan"] as? [Int])
        XCTAssertEqual(alertVLAN, tags.map(Int.init))
        let violations = try XCTUnwrap(summary?["violations"] as? [[String: Any]])
        XCTAssertEqual(violations.count, 1)
        XCTAssertEqual(violations.first?["vlan"] as? [Int], alertVLAN)
    }
}
