import Foundation
import XCTest
import ZonesepCore
import ZonesepSavedRun

@testable import ZonesepOutput

/// Each violating flow's evidence as every format of the report states it: whole with its SHA-256,
/// incomplete (no hash), or missing with the reason; and what `--evidence` lost among the audit's limits.
/// A cut-short capture must never read like a whole one, and a lost one never like one not asked for.
final class ReportEvidenceStatusTests: XCTestCase {
    let policy = ReportFixture.policy()
    let digest = String(repeating: "ab", count: 32)
    let why = "cannot be written: No space left on device"

    /// The fixture's run with flow 1's file whole, flow 2's cut short, flow 3's never made, and the
    /// evidence directory's counts.
    func summary() -> ReplaySummary {
        var s = ReportFixture.summary(policy: policy)
        s.violations[0].evidenceFile = "ev/whole.pcap"
        s.violations[0].evidenceSHA256 = digest
        s.violations[1].evidenceFile = "ev/cut.pcap"
        s.violations[2].evidenceError = why
        var counts = EvidenceCounts()
        counts.files = 2
        counts.hashed = 1
        counts.incomplete = 1
        counts.notCreated = 1
        counts.lostPackets = 4
        var d = DeliverySummary()
        d.evidence = DeliverySummary.Evidence(directory: "ev", stats: counts)
        s.delivery = d
        return s
    }

    /// Reads the summary back as `zonesep report` does.
    func readBack(_ s: ReplaySummary) throws -> AuditReport {
        let data = Data((s.json() + "\n").utf8)
        return try SavedRun.parse(data, name: "run.jsonl", policy: policy, provenance: ReportFixture.provenance)
    }

    func testTheSummaryNamesALostFileAndTheReportReadBackIsTheReportOfTheRun() throws {
        let s = summary()
        XCTAssertTrue(
            s.json().contains(#""evidence":{"path":null,"sha256":null,"error":"\#(why)"}"#),
            "the summary says the flow's evidence was lost, not that none was asked for")
        let live = AuditReport(summary: s, provenance: ReportFixture.provenance)
        let read = try readBack(s)
        XCTAssertEqual(read.violations, live.violations)
        XCTAssertEqual(read.evidenceLosses, live.evidenceLosses)
        XCTAssertEqual(live.violations.map { $0.evidence?.state }, [.whole, .incomplete, .missing, nil, nil, nil])
        for f in [ReportFormat.html, .md, .csv] { XCTAssertEqual(f.render(read), f.render(live), "\(f)") }
    }

    /// The csv row of a cut-short file differs from that of a whole one: the SHA-256 column is empty and
    /// the status says so; a lost file says why. The limits table counts both.
    func testCSVRowsSayWholeIncompleteOrMissing() throws {
        let r = try readBack(summary())
        let tables = r.tables(time: ReportText.jstRFC3339)
        let violations = try XCTUnwrap(tables.first { $0.id == "violations" })
        XCTAssertEqual(Array(violations.header.suffix(3)), ["証拠 evidence", "SHA-256", "証拠の状態 evidence status"])
        let byNumber = Dictionary(uniqueKeysWithValues: violations.rows.map { ($0[0], Array($0.suffix(3))) })
        XCTAssertEqual(byNumber["1"], ["ev/whole.pcap", digest, "whole"])
        XCTAssertEqual(byNumber["2"], ["ev/cut.pcap", "", "no hash: may be incomplete"])
        XCTAssertEqual(byNumber["3"], ["", "", "no file: " + why])
        XCTAssertEqual(byNumber["4"], ["", "", ""], "no evidence asked for this flow: nothing said")

        let limits = try XCTUnwrap(tables.first { $0.id == "limits" })
        XCTAssertTrue(limits.rows.contains(["不完全な証拠ファイル evidence files incomplete (no hash)", "1"]), "\(limits.rows)")
        XCTAssertTrue(limits.rows.contains(["証拠ファイルのない警報 alerts without an evidence file", "1"]))
        XCTAssertTrue(limits.rows.contains(["失われた証拠パケット evidence packets lost", "4"]))
        XCTAssertTrue(limits.rows.contains(["証拠ファイルがない理由 no evidence file: " + why, "1"]))

        let csv = ReportCSV.render(r)
        XCTAssertTrue(csv.contains(",ev/cut.pcap,,no hash: may be incomplete\r\n"), csv)
        let md = ReportMarkdown.render(r)
        XCTAssertTrue(md.contains("| ev/whole.pcap | \(digest) | whole |"), md)
    }

    /// The HTML report: the lost file is a badge with its reason, not the dash of a flow never asked for,
    /// and the limits name the flows concerned.
    func testHTMLSaysWhichFlowsLostTheirEvidence() throws {
        let html = ReportHTML.render(try readBack(summary()))
        XCTAssertTrue(html.contains("<span class=\"badge bad\">証拠なし no file</span><div class=\"sub\">\(why)</div>"))
        XCTAssertTrue(html.contains("ハッシュなし・不完全の可能性 (no hash: may be incomplete)"))
        XCTAssertTrue(html.contains("証拠の一部が失われました"), "said in the verdict")
        XCTAssertTrue(html.contains("evidence incomplete or missing"))
        XCTAssertTrue(html.contains("<a href=\"#v2\">No. 2</a>, <a href=\"#v3\">No. 3</a>"))
    }

    /// A run without `--evidence` says nothing of evidence among its limits.
    func testARunWithoutEvidenceHasNoEvidenceLimits() {
        let r = AuditReport(summary: ReportFixture.summary(policy: policy), provenance: ReportFixture.provenance)
        let limits = r.tables(time: ReportText.jst).first { $0.id == "limits" }
        XCTAssertFalse(limits?.rows.contains { $0[0].contains("evidence") } ?? true)
        XCTAssertFalse(ReportHTML.render(r).contains("evidence incomplete or missing"))
    }

    /// A replay stopped by a signal: the summary says `interrupted`, and the report says it covers only
    /// what was read.
    func testAnInterruptedRunIsMarkedInTheSummaryAndTheReport() throws {
        var s = ReportFixture.summary(policy: policy)
        XCTAssertFalse(s.json().contains("interrupted"), "only a run cut short says it")
        s.interrupted = true
        XCTAssertTrue(s.json().contains(#""interrupted":true"#))
        let read = try readBack(s)
        XCTAssertTrue(read.interrupted)
        XCTAssertTrue(read.isLimited)
        let limits = read.tables(time: ReportText.jst).first { $0.id == "limits" }
        XCTAssertEqual(limits?.rows.last, ["中断 interrupted", AuditReport.interruptedNote])
        XCTAssertTrue(ReportHTML.render(read).contains("中断 interrupted"))
    }
}
