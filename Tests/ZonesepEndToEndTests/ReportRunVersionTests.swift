import Foundation
import XCTest

/// The audit report names the zonesep and libpcap that judged the run, which its summary records: `zonesep
/// report` of a run saved by another build shows that build's, and its own only as the report's maker; a run
/// saved before the summary recorded them says so, where it named the reporting binary as the judge.
final class ReportRunVersionTests: ScratchDirectoryTestCase {
    /// The saved run's lines, its summary passed through `edit`.
    func saved(_ edit: (String) throws -> String) throws -> URL {
        let run = try Harness.run(
            zonesep, ["replay", "--config", "zones.conf", "--output", "json", "captures/span-2330.pcap"], timeout: 60,
            in: root)
        XCTAssertEqual(run.status, 1, run.brief)
        let lines = try run.stdoutLines.map {
            $0.contains("\"event_type\":\"summary\"") ? try edit(String($0)) : String($0)
        }
        let url = scratch.appendingPathComponent("run.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    /// The report of `run` in `format`.
    func report(_ run: URL, _ format: String) throws -> String {
        let out = scratch.appendingPathComponent("r.\(format)")
        let made = try Harness.run(
            zonesep,
            ["report", run.path, "--config", "zones.conf", "-o", out.path, "--report-format", format], timeout: 60,
            in: root)
        XCTAssertEqual(made.status, 0, made.brief)
        return try String(contentsOf: out, encoding: .utf8)
    }

    /// The version key's value in a summary line, and the line with it replaced by `value` (nil: removed).
    func replacing(_ key: String, with value: String?, in line: String) throws -> String {
        let pattern = try Regex("\"\(key)\":\"[^\"]*\",")
        XCTAssertNotNil(line.firstMatch(of: pattern), "the summary records \(key): \(line.prefix(300))")
        return line.replacing(pattern, with: value.map { "\"\(key)\":\"\($0)\"," } ?? "")
    }

    func testTheReportNamesTheVersionsThatJudgedTheRun() throws {
        let other = try saved {
            let line = try self.replacing("zonesep_version", with: "x-test", in: $0)
            return try self.replacing("libpcap_version", with: "libpcap version 0.0-test", in: line)
        }
        let html = try report(other, "html")
        XCTAssertTrue(html.contains("<span id=\"run-zonesep-version\">x-test</span>"), html)
        XCTAssertTrue(html.contains("libpcap version 0.0-test"))
        XCTAssertTrue(html.contains("report made by</span></th><td>zonesep 0.1.0 · libpcap"), "the maker beside it")
        let md = try report(other, "md")
        XCTAssertTrue(md.contains("| zonesep | x-test |"), md)
        XCTAssertTrue(md.contains("| 報告書の作成 report made by | zonesep 0.1.0 · libpcap"), md)

        let older = try saved {
            let line = try self.replacing("zonesep_version", with: nil, in: $0)
            return try self.replacing("libpcap_version", with: nil, in: line)
        }
        let oldHTML = try report(older, "html")
        XCTAssertTrue(
            oldHTML.contains("<span id=\"run-zonesep-version\">not recorded (saved by an older zonesep)</span>"),
            oldHTML)
        XCTAssertTrue(oldHTML.contains("report made by"))
        let csv = try report(older, "csv")
        XCTAssertTrue(csv.contains("zonesep,not recorded (saved by an older zonesep)"), csv)

        // The run's own binary: no maker named apart (and `replay --report` gives the same bytes).
        let own = try reportBothWays(["captures/span-2330.pcap"])
        XCTAssertTrue(own.contains("<span id=\"run-zonesep-version\">0.1.0</span>"))
        XCTAssertFalse(own.contains("report made by"))
    }
}
