import Foundation
import XCTest
import ZonesepCore

@testable import ZonesepOutput

/// Past its limit the summary's list of violating flows takes no more and counts the rest
/// (`violations_omitted`): the report counts them in its verdict and totals, and says they are not listed.
final class ReportNotListedTests: XCTestCase {
    /// The fixture's six violating flows listed, and as many more left out as the reviewer's scan left out.
    static let omitted: UInt64 = 37_143

    func report(omitted: UInt64 = omitted) -> AuditReport {
        var summary = ReportFixture.summary(policy: ReportFixture.policy())
        summary.violationsOmitted = omitted
        return AuditReport(summary: summary, provenance: ReportFixture.provenance)
    }

    func testTheModelCountsEveryViolatingFlow() {
        let r = report()
        XCTAssertEqual(r.violations.count, 6)
        XCTAssertEqual(r.violationsOmitted, Self.omitted)
        XCTAssertEqual(r.violatingFlows, 6 + Self.omitted)
        XCTAssertEqual(r.findingsTotal, 6 + Int(Self.omitted))
    }

    func testTheHTMLVerdictCountsThemAndSaysTheyAreNotListed() {
        let html = ReportHTML.render(report())
        XCTAssertTrue(html.contains("data-violations=\"37149\""))
        XCTAssertTrue(html.contains("分離違反あり — 違反フロー 37,149 件"))
        XCTAssertTrue(html.contains("Separation violated: 37,149 violating flows"))
        // The rules table: a row of their own, as their rules are not known.
        XCTAssertTrue(html.contains("<tr class=\"hit not-listed\" data-not-listed=\"37143\">"))
        XCTAssertTrue(html.contains("<td class=\"num\"><b>37,143</b></td>"))
        // The note by the verdict (and again above the list), and the limits row.
        XCTAssertTrue(html.contains("<b>一覧にない違反フローがあります</b>"))
        XCTAssertTrue(html.contains("The list holds the first 6 violating flows to end; 37,143 more were found"))
        XCTAssertEqual(html.components(separatedBy: "37,143 more were found but not listed").count - 1, 2)
        XCTAssertTrue(
            html.contains(
                "<tr><th>一覧にない違反フロー <span class=\"en\">violating flows not listed</span></th>"
                    + "<td class=\"num\">37,143</td><td><span class=\"badge bad\">要確認</span>"))
        // With every violating flow listed, nothing of the above shows, in any format.
        let all = report(omitted: 0)
        XCTAssertTrue(ReportHTML.render(all).contains("data-violations=\"6\""))
        for text in [ReportHTML.render(all), ReportMarkdown.render(all), ReportCSV.render(all)] {
            XCTAssertFalse(text.contains("一覧にない"))
            XCTAssertFalse(text.contains("not listed"))
        }
    }

    func testTheTablesTotalCountsThemWithARowAndALimit() throws {
        let tables = report().tables(time: ReportText.jst)
        let verdict = try XCTUnwrap(tables.first { $0.id == "verdict" })
        let total = try XCTUnwrap(verdict.rows.firstIndex { $0.first == "合計 total" })
        XCTAssertEqual(verdict.rows[total], ["合計 total", "", "", "37149"])
        XCTAssertEqual(verdict.rows[total - 1].first, "一覧にない not listed")
        XCTAssertEqual(verdict.rows[total - 1].last, "37143")
        let limits = try XCTUnwrap(tables.first { $0.id == "limits" })
        XCTAssertTrue(limits.rows.contains(["一覧にない違反フロー violating flows not listed", "37143"]))

        let md = ReportMarkdown.render(report())
        XCTAssertTrue(md.contains("| 合計 total |  |  | 37149 |\n"))
        XCTAssertTrue(md.contains("| 一覧にない not listed |  | 一覧の上限を超えた違反フロー"))
        XCTAssertTrue(md.contains("| 一覧にない違反フロー violating flows not listed | 37143 |\n"))
        let csv = ReportCSV.render(report())
        XCTAssertTrue(csv.contains("\r\n合計 total,,,37149\r\n"))
        XCTAssertTrue(csv.contains("\r\n一覧にない not listed,,"))
        XCTAssertTrue(csv.contains("\r\n一覧にない違反フロー violating flows not listed,37143\r\n"))
    }

    /// The same for host findings past their list's limit (`host_findings_omitted`): counted in the verdict's
    /// devices, a row of their own, a note and a limits row, in html, md and csv.
    func testDeviceFindingsLeftOutOfTheListAreCountedAndNamed() throws {
        var summary = ReportFixture.summary(policy: ReportFixture.policy())
        summary.hostFindingsOmitted = 12
        let r = AuditReport(summary: summary, provenance: ReportFixture.provenance)
        XCTAssertEqual(r.hostFindingsOmitted, 12)
        XCTAssertEqual(r.deviceFindings, 12)
        XCTAssertEqual(r.findingsTotal, 6 + 12)
        let html = ReportHTML.render(r)
        XCTAssertTrue(html.contains("data-violations=\"6\" data-devices=\"12\""))
        XCTAssertTrue(html.contains("分離違反あり — 違反フロー 6 件・違反機器 12 件"))
        XCTAssertTrue(html.contains("<tr class=\"hit not-listed\" data-not-listed-devices=\"12\">"))
        // In the rules table, before it ends.
        let rules = try XCTUnwrap(html.range(of: "id=\"verdict-rules\""))
        let end = try XCTUnwrap(html.range(of: "</table>", range: rules.upperBound..<html.endIndex))
        XCTAssertNotNil(html.range(of: "data-not-listed-devices", range: rules.upperBound..<end.lowerBound))
        XCTAssertTrue(html.contains("<b>一覧にない機器の検出があります</b>"))
        XCTAssertTrue(
            html.contains("The list holds the first 0 device findings raised; 12 more were raised but not listed"))
        XCTAssertTrue(
            html.contains(
                "<tr><th>一覧にない機器の検出 <span class=\"en\">device findings not listed</span></th>"
                    + "<td class=\"num\">12</td><td><span class=\"badge bad\">要確認</span>"))
        let limits = try XCTUnwrap(r.tables(time: ReportText.jst).first { $0.id == "limits" })
        XCTAssertTrue(limits.rows.contains(["一覧にない機器の検出 device findings not listed", "12"]))
        XCTAssertTrue(ReportMarkdown.render(r).contains("| 一覧にない機器の検出 device findings not listed | 12 |\n"))
        XCTAssertTrue(ReportCSV.render(r).contains("\r\n一覧にない機器の検出 device findings not listed,12\r\n"))
        // None of it when every finding is listed.
        let all = report(omitted: 0)
        XCTAssertTrue(ReportHTML.render(all).contains("data-devices=\"0\""))
        XCTAssertFalse(ReportHTML.render(all).contains("device findings not listed"))
    }
}
