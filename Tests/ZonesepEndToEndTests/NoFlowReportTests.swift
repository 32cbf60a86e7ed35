import Foundation
import XCTest
import ZonesepTestSupport

/// Ten minutes of ARP requests and nothing else (a SPAN session on the wrong VLAN): no flow was judged, yet
/// the report said 「違反は検出されませんでした — every flow in the captured traffic kept to the separation
/// policy」 with no limit, an all-clear of flows where there was none (REVIEW-145 F6).
final class NoFlowReportTests: ScratchDirectoryTestCase {
    /// An ARP request from an LGWAN host for its gateway.
    static let arpRequest: [UInt8] =
        [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0x20, 0x01, 0x05, 0x08, 0x06]
        + [0, 1, 0x08, 0x00, 6, 4, 0, 1] + [0x02, 0, 0, 0x20, 0x01, 0x05] + [10, 20, 1, 5]
        + [0, 0, 0, 0, 0, 0] + [10, 20, 1, 1]

    func testARunOfNoFlowIsLimitedNotAnAllClear() throws {
        var pcap = PcapBytes()
        for i in 0..<600 { pcap.append(Self.arpRequest, micros: 1_781_485_200_000_000 + Int64(i) * 1_000_000) }
        let capture = scratch.appendingPathComponent("arp-only.pcap")
        try pcap.data.write(to: capture)

        let html = try reportBothWays([capture.path])
        XCTAssertTrue(html.contains("data-limited=\"true\""), "no flow judged is a limit")
        XCTAssertFalse(html.contains("every flow in the captured traffic kept to the separation policy"), html)
        XCTAssertTrue(html.contains("no IP flow was seen in the 600 packets read"), html)
        XCTAssertTrue(html.contains("IPフローなし no IP flow judged"), "named among the first page's limits")
        let md = try reportBothWays([capture.path], format: "md")
        XCTAssertTrue(md.contains("| 判定したフロー flows judged (no IP flow: the policy was tested on none) | 0 |"), md)
    }
}
