import Foundation
import XCTest
import ZonesepCore
import ZonesepSavedRun

@testable import ZonesepOutput

/// A live capture's outages, from `watch`'s summary to the audit report: the interface's `files` entry lists
/// them (with the captures reopened and the time blind), the text summary says them and does not call the
/// interface "ok", and `zonesep report` reads them back as a limit, so a clean verdict is a limited one.
/// A summary saved before the fields were written still reads, as a capture with none.
final class CaptureOutagesTests: XCTestCase {
    let policy = ReportFixture.policy()
    static let t0: Int64 = 1_796_601_600_000_000  // 2026-12-07T00:00:00Z

    static let record = LiveCaptureRecord(
        outages: [
            CaptureOutage(fromMicros: t0 + 1_000_000, toMicros: t0 + 3_500_000, kind: .interfaceGone),
            CaptureOutage(fromMicros: t0 + 3_500_000, toMicros: t0 + 4_000_000, kind: .captureDown),
            CaptureOutage(fromMicros: t0 + 60_000_000, toMicros: t0 + 3_660_000_000, kind: .noCarrier),
        ], outagesNotListed: 2, blindMicros: 3_603_200_000, captureRestarts: 1)

    /// The fixture's summary as `watch` writes it, blind as `record` says (nil: never blind).
    func watchSummary(_ capture: LiveCaptureRecord? = record, clean: Bool = false) -> ReplaySummary {
        var s = ReportFixture.summary(policy: policy)
        var file = ReplaySummary.FileResult(path: "eth0")
        file.linkType = "EN10MB"
        file.capture = capture
        s.files[0] = file
        s.captureDrops = CaptureDrops(kernel: 0, interface: 0)
        if clean {
            s.violations = []
            s.counters.alertsByRule = s.counters.alertsByRule.map { _ in 0 }
        }
        return s
    }

    func testTheInterfacesEntryListsItsOutagesInTheSensorsClock() throws {
        let json = watchSummary().json()
        XCTAssertTrue(
            json.contains(
                #""note":null,"capture_restarts":1,"outages":[{"from":"2026-12-07T00:00:01.000000Z","#
                    + #""to":"2026-12-07T00:00:03.500000Z","kind":"interface-gone"},"#
                    + #"{"from":"2026-12-07T00:00:03.500000Z","to":"2026-12-07T00:00:04.000000Z","kind":"capture-down"},"#
                    + #"{"from":"2026-12-07T00:01:00.000000Z","to":"2026-12-07T01:01:00.000000Z","kind":"no-carrier"}],"#
                    + #""outages_not_listed":2,"blind_seconds":3604}"#), json)
        let never = watchSummary(
            LiveCaptureRecord(outages: [], outagesNotListed: 0, blindMicros: 0, captureRestarts: 0))
        XCTAssertTrue(
            never.json().contains(#""note":null,"capture_restarts":0,"outages":[],"blind_seconds":0}"#),
            "a live capture never blind says so")
        XCTAssertFalse(ReportFixture.summary(policy: policy).json().contains("outages"), "a replay's files have none")
    }

    func testTheTextSummarySaysTheOutagesAndTheInterfaceIsNotOK() {
        let text = watchSummary().text()
        XCTAssertTrue(
            text.contains(
                "\neth0: blind for 3604 s in 5 capture outages (interface-gone, capture-down, no-carrier; 1 capture "
                    + "restart): nothing on the port was seen then, and \"no violation\" says nothing of that time.\n"),
            text)
        let files = text.components(separatedBy: "\nFiles\n").last ?? ""
        XCTAssertTrue(files.contains(" blind 3604 s: 5 capture outages"), files)
        let never = watchSummary(
            LiveCaptureRecord(outages: [], outagesNotListed: 0, blindMicros: 0, captureRestarts: 0))
        XCTAssertFalse(never.text().contains("blind"), never.text())
        XCTAssertTrue((never.text().components(separatedBy: "\nFiles\n").last ?? "").contains(" ok"))
    }

    /// An alerts file of `watch`: its alerts, then the summary.
    func savedRun(_ s: ReplaySummary) -> Data {
        let format = AlertFormat(policy: policy)
        let lines = s.violations.map { format.json($0.alert) } + [s.json()]
        return Data((lines.joined(separator: "\n") + "\n").utf8)
    }

    func testTheReportOfTheSavedRunReadsThemBackAsALimit() throws {
        let s = watchSummary(clean: true)
        let read = try SavedRun.parse(
            savedRun(s), name: "alerts.jsonl", policy: policy, provenance: ReportFixture.provenance)
        let back = try XCTUnwrap(read.files.first?.capture)
        XCTAssertEqual(back.outages, Self.record.outages, "read back as written")
        XCTAssertEqual(back.outagesNotListed, 2)
        XCTAssertEqual(back.captureRestarts, 1)
        XCTAssertEqual(back.blindSeconds, 3604, "whole seconds, rounded up, as the summary holds them")
        XCTAssertEqual(read.blindFiles.map(\.path), ["eth0"])
        XCTAssertTrue(read.isLimited)
        let direct = AuditReport(summary: s, provenance: ReportFixture.provenance)
        XCTAssertEqual(direct.files.first?.capture, Self.record)
        XCTAssertEqual(ReportFormat.md.render(direct), ReportFormat.md.render(read), "the run and its saved run")

        let md = ReportFormat.md.render(read)
        XCTAssertTrue(
            md.contains("| 取得の停止 capture outage: eth0 interface-gone | 2026-12-07 09:00:01 – 2026-12-07 09:00:03 |"), md
        )
        XCTAssertTrue(
            md.contains("| 取得の停止 capture outage: eth0 no-carrier | 2026-12-07 09:01:00 – 2026-12-07 10:01:00 |"))
        XCTAssertTrue(md.contains("| 取得の停止（一覧外） capture outages not listed: eth0 | 2 |"))
        XCTAssertTrue(md.contains("| 取得できなかった時間 time blind: eth0 | 3604 s, capture restarts 1 |"))
        XCTAssertTrue(md.contains("| blind 3604 s: 5 capture outages |"), "the files table's status")
        let html = ReportFormat.html.render(read)
        XCTAssertTrue(html.contains("data-limited=\"true\""), "a clean verdict is a limited one")
        XCTAssertTrue(html.contains("取得の停止 5 capture outages (3,604 s blind)"), "the verdict's limits name them")
        XCTAssertTrue(html.contains("2026-12-07 10:01:00 JST <span class=\"mono\">no-carrier</span>"), html)
        XCTAssertTrue(html.contains("停止あり outages</span> blind 3604 s: 5 capture outages"))

        let never = watchSummary(
            LiveCaptureRecord(outages: [], outagesNotListed: 0, blindMicros: 0, captureRestarts: 0), clean: true)
        let seen = try SavedRun.parse(
            savedRun(never), name: "alerts.jsonl", policy: policy, provenance: ReportFixture.provenance)
        XCTAssertTrue(seen.blindFiles.isEmpty)
        XCTAssertFalse(ReportFormat.md.render(seen).contains("取得の停止"))
        XCTAssertEqual(ReportFormat.html.render(seen).contains("data-limited=\"true\""), seen.isLimited)
    }

    /// The timeline's band of the interface breaks where the sensor was blind, as it does at a replayed
    /// file's holes: drawn across the outages, it showed an hour without a carrier as seen.
    func testTheTimelinesBandBreaksAtTheOutages() throws {
        var s = watchSummary(clean: true)
        s.files[0].packets = 100
        s.files[0].firstPacketMicros = Self.t0
        s.files[0].lastPacketMicros = Self.t0 + 7_200_000_000
        let file = try XCTUnwrap(AuditReport(summary: s, provenance: ReportFixture.provenance).files.first)
        XCTAssertEqual(
            file.seenSpans.map { [$0.from - Self.t0, $0.to - Self.t0] },
            [[0, 1_000_000], [4_000_000, 60_000_000], [3_660_000_000, 7_200_000_000]],
            "the span less the three outages, the two that adjoin as one hole")
        XCTAssertEqual(file.coveredSpans.count, 1, "outages are not gaps in coverage: they are limits of their own")
        let html = ReportFormat.html.render(AuditReport(summary: s, provenance: ReportFixture.provenance))
        let band = html.components(separatedBy: "\n").filter { $0.contains("<title>eth0: ") }
        XCTAssertEqual(band.count, 3, band.joined(separator: "\n"))
        XCTAssertTrue(
            band.last?.contains("; covers 2026-12-07 10:01:00 – 2026-12-07 11:00:00 JST") == true,
            band.joined(separator: "\n"))
        // An outage reaching past the last packet (one going on at the stop) leaves nothing after it.
        s.files[0].lastPacketMicros = Self.t0 + 120_000_000
        let cut = try XCTUnwrap(AuditReport(summary: s, provenance: ReportFixture.provenance).files.first)
        XCTAssertEqual(
            cut.seenSpans.map { [$0.from - Self.t0, $0.to - Self.t0] }, [[0, 1_000_000], [4_000_000, 60_000_000]])
    }

    func testASummarySavedBeforeOutagesWereRecordedStillReads() throws {
        let before = watchSummary(nil, clean: true)
        XCTAssertFalse(before.json().contains("outages"))
        let read = try SavedRun.parse(
            savedRun(before), name: "alerts.jsonl", policy: policy, provenance: ReportFixture.provenance)
        XCTAssertNil(read.files.first?.capture)
        XCTAssertTrue(read.blindFiles.isEmpty)
        XCTAssertFalse(ReportFormat.md.render(read).contains("取得の停止"))

        let bad = watchSummary(clean: true).json().replacingOccurrences(of: "\"no-carrier\"", with: "\"asleep\"")
        XCTAssertThrowsError(
            try SavedRun.parse(
                Data((bad + "\n").utf8), name: "alerts.jsonl", policy: policy, provenance: ReportFixture.provenance)
        ) {
            XCTAssertTrue("\($0)".contains("files[0].outages[2].kind:"), "\($0)")
            XCTAssertTrue("\($0)".contains("is not an outage kind"), "\($0)")
        }
    }

    /// A saved run whose `blind_seconds` no run could have written (edited by hand, or damaged) is refused
    /// with its field, as every other bad field is: it crashed `zonesep report` (REVIEW-143 F1).
    func testABlindTimeOutOfRangeIsRefusedNotACrash() throws {
        let good = watchSummary(clean: true).json()
        XCTAssertTrue(good.contains("\"blind_seconds\":3604"))
        for value in ["-5", "-1", "9300000000000", "9223372036854775807"] {
            let bad = good.replacingOccurrences(of: "\"blind_seconds\":3604", with: "\"blind_seconds\":\(value)")
            XCTAssertThrowsError(
                try SavedRun.parse(
                    Data((bad + "\n").utf8), name: "alerts.jsonl", policy: policy, provenance: ReportFixture.provenance),
                value
            ) {
                XCTAssertTrue("\($0)".contains("files[0].blind_seconds:"), "\($0)")
                XCTAssertTrue("\($0)".contains("is not a time blind"), "\($0)")
            }
        }
        let most = good.replacingOccurrences(
            of: "\"blind_seconds\":3604", with: "\"blind_seconds\":\(LiveCaptureRecord.maxBlindSeconds)")
        let read = try SavedRun.parse(
            Data((most + "\n").utf8), name: "alerts.jsonl", policy: policy, provenance: ReportFixture.provenance)
        XCTAssertEqual(read.files.first?.capture?.blindSeconds, LiveCaptureRecord.maxBlindSeconds)
        XCTAssertTrue(ReportFormat.html.render(read).contains("s blind)"), "the largest is rendered, not a crash")
        _ = ReportFormat.md.render(read)
    }
}
