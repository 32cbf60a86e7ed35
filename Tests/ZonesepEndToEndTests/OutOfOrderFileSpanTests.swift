import Foundation
import XCTest
import ZonesepTestSupport

/// A file whose records are out of time order (a multi-queue capture): its `first_packet` and
/// `last_packet`, and the report's capture span built from them, are its earliest and latest packet times,
/// as capinfos gives them, not its first and last records (REVIEW-130 F4). Otherwise the span could end
/// before a violating flow's last packet, or before it starts.
final class OutOfOrderFileSpanTests: ScratchDirectoryTestCase {
    static let t0: Int64 = 1_781_481_600_000_000  // 2026-06-15T00:00:00Z
    static let ethernet: [UInt8] = [2, 0, 0, 0x30, 7, 8, 2, 0, 0, 0x20, 3, 4, 0x08, 0x00]

    /// One TCP packet 10.20.3.4:51512 → 10.30.7.8:445 (lgwan to the internet) per offset (ms), in that order.
    func replay(_ name: String, offsetsMillis: [Int64]) throws -> (summary: [String: Any], html: String) {
        var pcap = PcapBytes()
        for (i, ms) in offsetsMillis.enumerated() {
            let ip = PcapBytes.ipv4(6, id: UInt16(i + 1), [10, 20, 3, 4], [10, 30, 7, 8], payload: 20)
            pcap.append(Self.ethernet + ip + PcapBytes.tcpSYN(51512, 445), micros: Self.t0 + ms * 1000)
        }
        let capture = scratch.appendingPathComponent(name)
        try pcap.data.write(to: capture)
        let report = scratch.appendingPathComponent("report.html")
        let outcome = try Harness.run(
            zonesep,
            [
                "replay", "--config", root.appendingPathComponent("zones.conf").path, "--output", "json", "--report",
                report.path, capture.path,
            ], timeout: 60)
        XCTAssertTrue(outcome.exitedNormally, outcome.brief)
        let summary = try XCTUnwrap(JSONLines.replay(outcome).summary)
        return (summary, try String(contentsOf: report, encoding: .utf8))
    }

    func file(_ summary: [String: Any]) throws -> (first: String?, last: String?) {
        let files = try XCTUnwrap(summary["files"] as? [[String: Any]])
        XCTAssertEqual(files.count, 1)
        return (files.first?["first_packet"] as? String, files.first?["last_packet"] as? String)
    }

    /// +0, +1, +2, +0.5, +3, +1.5 s: the latest packet is the fifth record, not the last.
    func testLatestPacketEndsTheFileAndTheCapture() throws {
        let (summary, html) = try replay("back.pcap", offsetsMillis: [0, 1000, 2000, 500, 3000, 1500])
        let f = try file(summary)
        XCTAssertEqual(f.first, "2026-06-15T00:00:00.000000Z")
        XCTAssertEqual(f.last, "2026-06-15T00:00:03.000000Z")
        XCTAssertTrue(html.contains("2026-06-15 09:00:00 – 09:00:03 JST"), "the capture span ends at +3 s")
        XCTAssertTrue(html.contains("<td>2026-06-15 09:00:00 – 09:00:03</td>"), "the file's row ends at +3 s")
        XCTAssertFalse(html.contains("– 09:00:01"))
    }

    /// +120, +0, +1, +2 s: the first record is the latest; the span starts at +0 and ends at +120 s.
    func testEarliestPacketStartsTheFileAndTheCapture() throws {
        let (summary, html) = try replay("front.pcap", offsetsMillis: [120_000, 0, 1000, 2000])
        let f = try file(summary)
        XCTAssertEqual(f.first, "2026-06-15T00:00:00.000000Z")
        XCTAssertEqual(f.last, "2026-06-15T00:02:00.000000Z")
        XCTAssertTrue(html.contains("2026-06-15 09:00:00 – 09:02:00 JST"), "the capture span starts at +0")
        XCTAssertFalse(html.contains("09:02:00 – 09:00:02"))
    }

    /// The text summary's first and last packet were the first and last records read: for +120, +0, +1, +2 s
    /// its span ran backwards, from +120 s to +2 s, beside the JSON's and the report's +0 to +120 s
    /// (REVIEW-145 F2). Now it gives the earliest and latest, as they do.
    func testTheTextSummaryGivesTheSameSpan() throws {
        var pcap = PcapBytes()
        for (i, ms) in [Int64(120_000), 0, 1000, 2000].enumerated() {
            let ip = PcapBytes.ipv4(6, id: UInt16(i + 1), [10, 20, 3, 4], [10, 30, 7, 8], payload: 20)
            pcap.append(Self.ethernet + ip + PcapBytes.tcpSYN(51512, 445), micros: Self.t0 + ms * 1000)
        }
        let capture = scratch.appendingPathComponent("front.pcap")
        try pcap.data.write(to: capture)
        let outcome = try Harness.run(
            zonesep, ["replay", "--config", root.appendingPathComponent("zones.conf").path, capture.path],
            timeout: 60)
        XCTAssertTrue(outcome.exitedNormally, outcome.brief)
        let rows = outcome.stdoutText.split(separator: "\n").filter {
            $0.contains("first packet") || $0.contains("last packet")
        }.map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
        XCTAssertEqual(
            rows, ["first packet 2026-06-15T00:00:00.000000Z", "last packet 2026-06-15T00:02:00.000000Z"],
            outcome.stdoutText)
    }
}
