import Foundation
import XCTest
import ZonesepCore

@testable import ZonesepOutput

/// `--report-format md` and `csv`: the report's tables, whole and well-formed.
final class ReportTablesTests: XCTestCase {
    func testTablesHoldEveryViolationAndMatrixCell() {
        let r = ReportFixture.report()
        let tables = r.tables(time: ReportText.jst)
        XCTAssertEqual(
            tables.map(\.id),
            [
                "scope", "verdict", "violations", "devices", "hosts", "matrix", "zones", "conduits", "sanitisation",
                "gateways",
                "exceptions", "declarations", "files", "limits", "anomalies",
            ])
        for t in tables {
            for row in t.rows { XCTAssertEqual(row.count, t.header.count, "\(t.id): \(row)") }
        }
        let violations = tables.first { $0.id == "violations" }
        XCTAssertEqual(violations?.rows.count, r.violations.count)
        XCTAssertEqual(Set(violations?.rows.map { $0[14] } ?? []), Set(r.violations.map(\.flowID)))
        // Grouped by rule, in the policy's order.
        XCTAssertEqual(
            violations?.rows.map { $0[1] },
            [
                "mynumber-isolation", "sanitisation-bypass", "sanitisation-bypass", "security-cloud-bypass",
                "security-cloud-bypass", "unzoned-host",
            ])
        let verdict = tables.first { $0.id == "verdict" }
        XCTAssertTrue(verdict?.rows.contains(["合計 total", "", "", "6"]) == true)
        XCTAssertEqual(verdict?.rows.last, ["機器の合計 devices total", "", "", "0"])
        XCTAssertEqual(tables.first { $0.id == "scope" }?.rows.first { $0[0] == "ファイル数 files" }?[1], "1")
        let matrix = tables.first { $0.id == "matrix" }
        XCTAssertTrue(matrix?.rows.contains(["lgwan", "internet", "2", "3", "162", "yes", "2"]) == true)
        let exceptions = tables.first { $0.id == "exceptions" }
        XCTAssertEqual(exceptions?.rows.map { $0[6] }, ["valid", "expired"])
    }

    /// A run whose only finding is a critical device in two tiers: the verdict table counts it, not "total 0";
    /// and a file of a directory skipped as no capture is not counted as one of the audit's files.
    func testTheVerdictTableCountsDevicesAndTheScopeCaptureFilesOnly() {
        var r = ReportFixture.report()
        r.violations = []
        let address = AuditReport.Device.Address(
            ip: IPAddress("10.10.2.31")!, zone: ZoneRef(rawValue: 0), vlan: [110], firstSeenMicros: ReportFixture.t0,
            seenBy: "ip")
        r.devices = [
            AuditReport.Device(
                number: 1, rule: .dualHomedHost, severity: .critical, timestampMicros: ReportFixture.t0,
                mac: "02:00:0a:0a:02:1f", ip: IPAddress("10.20.3.31")!, zone: ZoneRef(rawValue: 1), vlan: [120],
                addresses: [address])
        ]
        r.files.append(
            .init(
                path: "captures/README.md", linkType: nil, packets: 0, firstPacketMicros: nil, lastPacketMicros: nil,
                error: nil,
                skipped: "not a capture file"))
        let tables = r.tables(time: ReportText.jst)
        let verdict = tables.first { $0.id == "verdict" }?.rows ?? []
        XCTAssertTrue(verdict.contains(["合計 total", "", "", "0"]))
        XCTAssertEqual(verdict.first { $0[0] == "dual-homed-host" }?[1], "critical")
        XCTAssertEqual(verdict.first { $0[0] == "dual-homed-host" }?[3], "1")
        XCTAssertEqual(verdict.first { $0[0] == "zone-vlan-mismatch" }?[3], "0")
        XCTAssertEqual(verdict.last, ["機器の合計 devices total", "", "", "1"])
        XCTAssertEqual(tables.first { $0.id == "scope" }?.rows.first { $0[0] == "ファイル数 files" }?[1], "1")
    }

    func testMarkdownTables() {
        let policy = ReportFixture.policy(label: "LGWAN | 接続系")
        let r = AuditReport(summary: ReportFixture.summary(policy: policy), provenance: ReportFixture.provenance)
        let md = ReportMarkdown.render(r)
        XCTAssertTrue(md.hasPrefix("# zonesep 監査報告書 / Audit report — test-span\n"))
        XCTAssertTrue(md.contains("## 違反フロー / Violating flows\n\n| No. | 規則 rule |"))
        XCTAssertTrue(md.contains("|---:|---|"))
        for v in r.violations { XCTAssertTrue(md.contains("| \(v.flowID) |"), v.flowID) }
        XCTAssertTrue(md.contains("| lgwan | lgwan | LGWAN \\| 接続系 |"), "a pipe in a cell is escaped")
        XCTAssertTrue(md.contains("2026-06-15 08:30:00"), "JST")
        // Every row of a table has as many cells as its header and separator.
        var columns = 0
        for line in md.split(separator: "\n") {
            guard line.hasPrefix("|") else {
                columns = 0
                continue
            }
            let cells = line.replacingOccurrences(of: "\\|", with: "").filter { $0 == "|" }.count - 1
            if columns == 0 { columns = cells }
            XCTAssertEqual(cells, columns, String(line))
        }
        XCTAssertTrue(md.hasSuffix("\n"))
    }

    func testCSVIsRFC4180WithABOMForExcel() {
        let policy = ReportFixture.policy(label: "LGWAN, \"接続系\"")
        var r = AuditReport(summary: ReportFixture.summary(policy: policy), provenance: ReportFixture.provenance)
        r.provenance.configPath = "=HYPERLINK(\"x\")"
        let csv = ReportCSV.render(r)
        XCTAssertTrue(csv.hasPrefix("\u{FEFF}# scope,監査範囲 / Scope\r\n"))
        XCTAssertFalse(csv.replacingOccurrences(of: "\r\n", with: "").contains("\n"), "every line ends CRLF")
        XCTAssertTrue(csv.contains("lgwan,lgwan,\"LGWAN, \"\"接続系\"\"\",10.20.0.0/16\r\n"))
        XCTAssertTrue(csv.contains("zones.conf,\"'=HYPERLINK(\"\"x\"\")\"\r\n"), "a formula is neutralised")
        XCTAssertTrue(csv.contains("2026-06-15T08:30:00.000000+09:00"), "times keep their offset")
        for v in r.violations { XCTAssertTrue(csv.contains(",\(v.flowID),"), v.flowID) }
        XCTAssertTrue(csv.contains("\r\n\r\n# violations,違反フロー / Violating flows\r\n"))
    }

    func testCSVFieldQuoting() {
        XCTAssertEqual(ReportCSV.field("plain"), "plain")
        XCTAssertEqual(ReportCSV.field("a,b"), "\"a,b\"")
        XCTAssertEqual(ReportCSV.field("say \"hi\""), "\"say \"\"hi\"\"\"")
        XCTAssertEqual(ReportCSV.field("two\nlines"), "\"two\nlines\"")
        XCTAssertEqual(ReportCSV.field("-12"), "-12", "a negative number stays a number")
        XCTAssertEqual(ReportCSV.field("@sum"), "'@sum")
    }
}
