import Foundation
import XCTest
import ZonesepCore

@testable import ZonesepOutput

/// Flows on ports of tunnels zonesep does not open: in the summary's `coverage`, its text and the stderr
/// warning by kind, the audit report limited by them, and nothing said when there are none.
final class UnopenedTunnelSummaryTests: XCTestCase {
    func coverage(_ s: ReplaySummary) throws -> [String: Any] {
        let o = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(s.json().utf8)) as? [String: Any])
        return try XCTUnwrap(o["coverage"] as? [String: Any])
    }

    func testEveryKindIsNamedAndNoneSaysNothing() throws {
        var s = ReportFixture.summary(policy: ReportFixture.policy())
        XCTAssertEqual(try coverage(s)["unopened_tunnels"] as? [String: Int], [:])
        XCTAssertNil(CoverageReport.tunnelWarning(s.counters))
        XCTAssertFalse(s.text().contains("tunnels zonesep does not open"))

        s.counters.unopenedTunnelFlows[UnopenedTunnel.gtpU.rawValue] = 1_204
        s.counters.unopenedTunnelFlows[UnopenedTunnel.teredo.rawValue] = 1
        XCTAssertEqual(try coverage(s)["unopened_tunnels"] as? [String: Int], ["gtp-u": 1_204, "teredo": 1])
        let line =
            "1,205 flows on ports of tunnels zonesep does not open (GTP-U udp/2152: 1,204, Teredo udp/3544: 1): "
            + "the traffic inside them was not verified"
        XCTAssertEqual(CoverageReport.tunnelWarning(s.counters), line)
        XCTAssertTrue(s.text().contains("; " + line + ".\n"), s.text())
        XCTAssertEqual(try coverage(s)["verified_share"] as? Double, 1, "the flows' frames are counted as they end")
        // Their frames, counted when the flows end, leave the verified share, named by kind.
        s.counters.packets = 40
        s.counters.count(.notVerified(.unopenedTunnel, UInt32(UnopenedTunnel.gtpU.rawValue)), frames: 30)
        let c = try coverage(s)
        XCTAssertEqual(c["not_verified_by_reason"] as? [String: Int], ["unopened-tunnel": 30])
        XCTAssertEqual(c["verified_share"] as? Double, 0.25)
        XCTAssertEqual(
            (c["unverified_reasons"] as? [[String: Any]])?.first?["reason"] as? String,
            "inside GTP-U udp/2152, a tunnel not opened")
        XCTAssertTrue(
            s.text().contains("NOT verified: 30 frames (inside GTP-U udp/2152, a tunnel not opened: 30)"), s.text())
    }
}
