import Foundation
import XCTest
import ZonesepTestSupport

/// The evidence status the audit report gives each violating flow, and the limits rows that count them,
/// when the evidence limits or the alert rate limit keep packets or files out: `whole` only for a file that
/// holds all of its flow's packets, a reason for every flow without a file of this run, and rows that agree
/// with the statuses (replay --report and `zonesep report` byte for byte the same).
final class EvidenceLimitsReportTests: ScratchDirectoryTestCase {
    /// 2026-06-15T04:00:00Z in µs.
    let t0: Int64 = 1_781_496_000_000_000

    /// Ten one-packet UDP flows from the mynumber zone to the internet (ten `mynumber-isolation` alerts),
    /// `gap` µs apart.
    /// `oneHost`: all from 10.10.3.10, each from its own source port (what `--suppress-window` folds).
    func tenFlows(gap: Int64, oneHost: Bool = false) throws -> String {
        var pcap = PcapBytes()
        for i in 0..<10 {
            let udp: [UInt8] = [0x9c, 0x40 + UInt8(i), 0x13, 0x88, 0, 108, 0, 0] + [UInt8](repeating: 0x61, count: 100)
            let ip = PcapBytes.ipv4(
                17, id: UInt16(i), [10, 10, 3, UInt8(10 + (oneHost ? 0 : i))], [10, 30, 3, 10], payload: udp.count)
            let frame: [UInt8] = [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00] + ip + udp
            pcap.append(frame, micros: t0 + Int64(i) * gap)
        }
        let file = scratch.appendingPathComponent("ten.pcap")
        try pcap.data.write(to: file)
        return file.path
    }

    /// The last column (evidence status) of each violation row of an md report.
    func statuses(_ md: String) -> [String] {
        md.split(separator: "\n").filter { $0.hasPrefix("| ") && $0.contains("| udp/5000 |") }.map {
            let cells = $0.split(separator: "|", omittingEmptySubsequences: false)
            return cells[cells.count - 2].trimmingCharacters(in: .whitespaces)
        }
    }

    func savedSummary() throws -> [String: Any] {
        let lines = try String(contentsOf: scratch.appendingPathComponent("saved.jsonl"), encoding: .utf8)
            .split(separator: "\n")
        return try XCTUnwrap(lines.last.flatMap { JSONLines.object($0) })
    }

    /// A budget that holds two files' packets: the other eight files are whole as written but hold none of
    /// their flow's packet. They are not `whole`, and the limits count the packets left out.
    func testABudgetThatLeftPacketsOutMakesTheFilePartialNotWhole() throws {
        let input = try tenFlows(gap: 1_000_000)
        let evidence = scratch.appendingPathComponent("evidence").path
        let md = try reportBothWays(["--evidence", evidence, "--evidence-max-bytes", "600", input], format: "md")
        let counts = try XCTUnwrap(
            (try savedSummary()["delivery"] as? [String: Any])?["evidence"] as? [String: Any])
        XCTAssertEqual(JSONLines.int(counts["skipped_packets"]), 8)
        let s = statuses(md)
        XCTAssertEqual(s.count, 10, md)
        XCTAssertEqual(s.filter { $0 == "whole" }.count, 2, md)
        XCTAssertEqual(s.filter { $0 == "partial: 1 packets left out (budget / another link type)" }.count, 8, md)
        XCTAssertTrue(
            md.contains("| ファイルから漏れた証拠パケット evidence packets left out (budget / another link type) | 8 |"), md)
    }

    /// A budget too small for a file's header: no alert gets a file. The summary counts them, the end of the
    /// run says so, and the report's row agrees with its `no file` statuses.
    func testAlertsTheBudgetRefusedAFileAreCountedAndSaid() throws {
        let input = try tenFlows(gap: 1_000_000)
        let evidence = scratch.appendingPathComponent("evidence").path
        let md = try reportBothWays(["--evidence", evidence, "--evidence-max-bytes", "20", input], format: "md")
        let counts = try XCTUnwrap(
            (try savedSummary()["delivery"] as? [String: Any])?["evidence"] as? [String: Any])
        XCTAssertEqual(JSONLines.int(counts["skipped_files"]), 10)
        XCTAssertEqual(statuses(md).filter { $0.hasPrefix("no file: ") }.count, 10, md)
        XCTAssertTrue(md.contains("| 証拠ファイルのない警報 alerts without an evidence file | 10 |"), md)

        let again = try Harness.run(
            zonesep,
            [
                "replay", "--config", "zones.conf", "--output", "json", "--evidence", evidence, "--evidence-max-bytes",
                "20", input,
            ],
            timeout: 60, in: root)
        XCTAssertTrue(again.stderrText.contains("10 alerts got no file (the evidence limits"), again.stderrText)
    }

    /// The same flows replayed again into the same directory under a budget the first run's files already
    /// fill: no file of this run, and the earlier run's whole file of each name is kept. The report says
    /// so (not "no file", nor "no hash"), and counts the alerts this run left without a file.
    func testARefusedReplacementReportsTheEarlierRunsFileAsKept() throws {
        let input = try tenFlows(gap: 1_000_000)
        let evidence = scratch.appendingPathComponent("evidence").path
        let first = try Harness.run(
            zonesep, ["replay", "--config", "zones.conf", "--output", "json", "--evidence", evidence, input],
            timeout: 60, in: root)
        XCTAssertEqual(first.status, 1, first.stderrText)
        let md = try reportBothWays(["--evidence", evidence, "--evidence-max-bytes", "1000", input], format: "md")
        let s = statuses(md)
        XCTAssertEqual(s.count, 10, md)
        XCTAssertEqual(s.filter { $0 == ReportTextKept.status }.count, 10, md)
        XCTAssertTrue(md.contains("| 証拠ファイルのない警報 alerts without an evidence file | 10 |"), md)
        let counts = try XCTUnwrap(
            (try savedSummary()["delivery"] as? [String: Any])?["evidence"] as? [String: Any])
        XCTAssertEqual(JSONLines.int(counts["skipped_files"]), 10)
    }

    /// `--max-alert-rate` holds eight of ten alerts back before the evidence stage: their flows get no file,
    /// and the report says why and counts them.
    func testFlowsWhoseAlertsTheRateLimitHeldBackSayWhy() throws {
        let input = try tenFlows(gap: 10_000)
        let evidence = scratch.appendingPathComponent("evidence").path
        let md = try reportBothWays(["--evidence", evidence, "--max-alert-rate", "2", input], format: "md")
        let s = statuses(md)
        XCTAssertEqual(s.count, 10, md)
        XCTAssertEqual(s.filter { $0 == "whole" }.count, 2, md)
        XCTAssertEqual(
            s.filter { $0 == "no file: no file was made: the alert was held back by --max-alert-rate" }.count, 8, md)
        XCTAssertTrue(md.contains("| 証拠ファイルのない警報 alerts without an evidence file | 8 |"), md)
    }

    /// `--suppress-window` folds nine of one host's ten alerts into the first: their flows get no file either,
    /// and the report says why and counts them rather than show them as never asked for.
    func testFlowsWhoseAlertsSuppressionFoldedSayWhy() throws {
        let input = try tenFlows(gap: 10_000, oneHost: true)
        let evidence = scratch.appendingPathComponent("evidence").path
        let md = try reportBothWays(["--evidence", evidence, "--suppress-window", "1h", input], format: "md")
        let s = statuses(md)
        XCTAssertEqual(s.count, 10, md)
        XCTAssertEqual(s.filter { $0 == "whole" }.count, 1, md)
        XCTAssertEqual(
            s.filter {
                $0 == "no file: no file was made: the alert was folded into an earlier one by --suppress-window"
            }
            .count, 9, md)
        XCTAssertTrue(md.contains("| 証拠ファイルのない警報 alerts without an evidence file | 9 |"), md)
        let summary = try savedSummary()
        XCTAssertEqual(JSONLines.int((summary["alerts"] as? [String: Any])?["suppressed"]), 9)
    }
}

/// The status of a flow whose earlier run's file was kept, as the tables write it.
enum ReportTextKept {
    static let status =
        "kept: the earlier run's file (its hash is in that run's records); this run's copy was not made"
}
