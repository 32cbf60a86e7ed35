import Foundation
import XCTest
import ZonesepTestSupport

/// Every limited run's first page said "part of the traffic was not verified", where §9 of the same report
/// said every frame was (a gap in coverage, a file's note); and a run of no packets read "100.00 % of 0
/// frames verified — 影響なし" (REVIEW-145 F7). Each now says what is true of it.
final class LimitWordingReportTests: ScratchDirectoryTestCase {
    /// An LGWAN host's DNS query to the LGWAN DNS server (allowed) at `micros`.
    func capture(_ name: String, at times: [Int64]) throws -> URL {
        var pcap = PcapBytes()
        for t in times { pcap.append(PacketTimeReplayTests.strayQuery, micros: t) }
        let url = scratch.appendingPathComponent(name)
        try pcap.data.write(to: url)
        return url
    }

    /// Two allowed packets five minutes apart: every frame verified, but a gap in coverage limits the audit.
    func testALimitThatLeftNoFrameUnverifiedIsNotCalledUnverified() throws {
        let t0 = PacketTimeReplayTests.t0
        let html = try reportBothWays([try capture("gap.pcap", at: [t0, t0 + 300_000_000]).path])
        XCTAssertTrue(html.contains("data-limited=\"true\""), html)
        XCTAssertTrue(html.contains("取得の空白 1 gaps in coverage"), html)
        XCTAssertFalse(html.contains("part of the traffic was not verified"), html)
        XCTAssertFalse(html.contains("but not all of it could"), html)
        XCTAssertTrue(html.contains("<span class=\"en\">The audit is limited</span> (取得の空白"), html)
        XCTAssertTrue(html.contains("No violation found — but the audit is limited (see the limits below)."), html)
    }

    /// A classic pcap of a header alone: no frame, so nothing verified, not 100 % of nothing.
    func testNoFramesAreNotCalledAllVerified() throws {
        let empty = try capture("header-only.pcap", at: [])
        let html = try reportBothWays([empty.path])
        XCTAssertFalse(html.contains("of 0 frames verified"), html)
        XCTAssertTrue(html.contains("no frames were read: nothing was verified"), html)
        let text = try Harness.run(
            zonesep, ["replay", "--config", "zones.conf", empty.path], timeout: 60, in: root)
        XCTAssertTrue(text.stdoutText.contains("Coverage: no frames read, nothing verified\n"), text.stdoutText)
        XCTAssertFalse(text.stdoutText.contains("of 0 frames verified"), text.stdoutText)
    }
}
