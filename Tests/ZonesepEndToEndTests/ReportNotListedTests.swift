import Foundation
import XCTest

/// A saved run whose summary left violating flows out of its list (`violations_omitted`, past the list's
/// limit of 100,000) gives a report that counts them in its verdict and totals and says they are not listed.
/// Here the summary is one saved before it counted them by rule (no `violations_omitted_by`): a real run's
/// summary is given the count alone, and the report counts them apart from every rule
/// (ReportOmittedByRuleTests has a run that left them out itself).
final class ReportNotListedEndToEndTests: ScratchDirectoryTestCase {
    func testASavedRunsOmittedViolationsAreCountedAndNamed() throws {
        let run = try Harness.run(
            zonesep, ["replay", "--config", "zones.conf", "--output", "json", "captures/span-2330.pcap"], timeout: 60,
            in: root)
        XCTAssertEqual(run.status, 1, run.brief)
        let lines = try XCTUnwrap(String(data: run.stdout, encoding: .utf8)).split(separator: "\n").map(String.init)
        let summary = try XCTUnwrap(lines.last { $0.contains("\"event_type\":\"summary\"") })
        XCTAssertTrue(summary.contains("\"violations_omitted\":0,"), summary)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(summary.utf8)) as? [String: Any])
        let listed = try XCTUnwrap(object["violations"] as? [Any]).count
        XCTAssertGreaterThan(listed, 0)
        let edited = lines.map {
            $0 == summary
                ? $0.replacingOccurrences(of: "\"violations_omitted\":0,", with: "\"violations_omitted\":5,") : $0
        }
        let saved = scratch.appendingPathComponent("run.jsonl")
        try (edited.joined(separator: "\n") + "\n").write(to: saved, atomically: true, encoding: .utf8)

        func report(_ format: String) throws -> String { try self.report(ofSaved: saved, format: format) }
        let html = try report("html")
        XCTAssertTrue(html.contains("data-violations=\"\(listed + 5)\""))
        XCTAssertTrue(html.contains("Separation violated: \(listed + 5) violating flows"))
        XCTAssertTrue(html.contains("data-not-listed=\"5\""))
        XCTAssertTrue(html.contains("5 more were found but not listed"))
        XCTAssertTrue(
            html.contains("<span class=\"en\">violating flows not listed</span></th><td class=\"num\">5</td>"))
        let md = try report("md")
        XCTAssertTrue(md.contains("| 合計 total |  |  | \(listed + 5) |\n"), md)
        XCTAssertTrue(md.contains("| 一覧にない違反フロー violating flows not listed | 5 |\n"))
        let csv = try report("csv")
        XCTAssertTrue(csv.contains("\r\n合計 total,,,\(listed + 5)\r\n"))
        XCTAssertTrue(csv.contains("\r\n一覧にない違反フロー violating flows not listed,5\r\n"))
    }

    /// The same for a saved run whose host findings went past their list's limit (`host_findings_omitted`).
    func testASavedRunsOmittedHostFindingsAreCountedAndNamed() throws {
        let run = try Harness.run(
            zonesep, ["replay", "--config", "zones.conf", "--output", "json", "captures/span-2330.pcap"], timeout: 60,
            in: root)
        let lines = try XCTUnwrap(String(data: run.stdout, encoding: .utf8)).split(separator: "\n").map(String.init)
        let summary = try XCTUnwrap(lines.last { $0.contains("\"event_type\":\"summary\"") })
        XCTAssertTrue(summary.contains("\"host_findings_omitted\":0,"), summary)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(summary.utf8)) as? [String: Any])
        let listed = try XCTUnwrap(object["host_findings"] as? [Any]).count
        let edited = lines.map {
            $0 == summary
                ? $0.replacingOccurrences(of: "\"host_findings_omitted\":0,", with: "\"host_findings_omitted\":3,") : $0
        }
        let saved = scratch.appendingPathComponent("run.jsonl")
        try (edited.joined(separator: "\n") + "\n").write(to: saved, atomically: true, encoding: .utf8)
        let out = scratch.appendingPathComponent("r.html")
        let outcome = try Harness.run(
            zonesep, ["report", saved.path, "--config", "zones.conf", "--report-format", "html", "-o", out.path],
            timeout: 60, in: root)
        XCTAssertEqual(outcome.status, 0, outcome.brief)
        let html = try String(contentsOf: out, encoding: .utf8)
        XCTAssertTrue(html.contains("data-devices=\"\(listed + 3)\""), "\(listed) listed")
        XCTAssertTrue(html.contains("data-not-listed-devices=\"3\""))
        XCTAssertTrue(html.contains("3 more were raised but not listed"))
    }
}
