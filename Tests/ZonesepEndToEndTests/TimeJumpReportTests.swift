import Foundation
import XCTest
import ZonesepTestSupport

/// A lone packet stamped in 2038 among packets of 2026-06-15 (a hardware-timestamp glitch). The summary
/// judged the exceptions at its last packet read (web-conference valid until 2027, vendor-remote-maintenance
/// expiring that day), but the report took the files' latest stamp, 2038: every exception "expired during the
/// capture", in the HTML, md and csv alike, and the time jump was said nowhere in it (REVIEW-145 F1).
final class TimeJumpReportTests: ScratchDirectoryTestCase {
    /// 2038-01-01T00:00:00Z, in µs.
    static let glitch: Int64 = 2_145_916_800_000_000

    func glitchCapture() throws -> URL {
        let query = PacketTimeReplayTests.strayQuery
        var pcap = PcapBytes()
        for (i, t) in [
            PacketTimeReplayTests.t0, PacketTimeReplayTests.t0 + 1_000_000, Self.glitch,
            PacketTimeReplayTests.t0 + 2_000_000,
        ].enumerated() {
            var frame = query
            frame[frame.count - 1] = UInt8(i)
            pcap.append(frame, micros: t)
        }
        let url = scratch.appendingPathComponent("glitch.pcap")
        try pcap.data.write(to: url)
        return url
    }

    func testExceptionsAreJudgedAtTheSummarysInstantAndTheJumpIsSaid() throws {
        let capture = try glitchCapture()
        let html = try reportBothWays([capture.path])
        let statuses = html.components(separatedBy: "data-exception-status=\"").dropFirst().map {
            String($0.prefix { $0 != "\"" })
        }
        XCTAssertEqual(
            statuses, ["valid", "valid", "expired"], "web-conference, vendor-remote-maintenance, etax-direct")
        XCTAssertTrue(html.contains("id=\"time-jumps\""), "§9 says the time jump")
        XCTAssertTrue(html.contains("Status as of the last packet read (2026-06-15T01:00:02.000000Z)"), html)
        let row = try XCTUnwrap(
            html.components(separatedBy: "<tr data-declaration=\"exception\"><td>exception</td><td>web-conference</td>")
                .dropFirst().first?.components(separatedBy: "</tr>").first)
        XCTAssertFalse(row.contains("期限切れ"), "web-conference is not expired: \(row)")

        let md = try reportBothWays([capture.path], format: "md")
        let web = try XCTUnwrap(md.split(separator: "\n").first { $0.hasPrefix("| exception | web-conference") })
        XCTAssertFalse(web.contains("expired"), String(web))
        let vendor = try XCTUnwrap(
            md.split(separator: "\n").first { $0.hasPrefix("| exception | vendor-remote-maintenance") })
        XCTAssertTrue(vendor.contains("expiring") && !vendor.contains("expired"), String(vendor))
        XCTAssertTrue(md.contains("| web-conference |") && !md.contains("expired during the capture"), md)
        XCTAssertTrue(md.contains("packets stamped far ahead, not followed"), md)

        // The summary the report agrees with.
        let outcome = try Harness.run(
            zonesep, ["replay", "--config", "zones.conf", "--output", "json", capture.path], timeout: 60, in: root)
        let s = try XCTUnwrap(JSONLines.replay(outcome).summary, outcome.brief)
        let exceptions = (s["declarations"] as? [[String: Any]] ?? []).filter { $0["type"] as? String == "exception" }
        XCTAssertEqual(exceptions.map { $0["expired"] as? Bool }, [false, false, true])
        XCTAssertEqual(s["timestamp"] as? String, "2026-06-15T01:00:02.000000Z")
    }
}
