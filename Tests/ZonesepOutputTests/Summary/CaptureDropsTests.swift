import Foundation
import XCTest
import ZonesepCore
import ZonesepSavedRun

@testable import ZonesepOutput

/// What a live capture dropped before zonesep saw it, from `watch`'s summary to the audit report: the summary
/// says it (`dropped`, and a line beside the coverage, which counts only the frames seen), `zonesep report`
/// reads it back as a limit of the audit, and a replay's summary stays as it was (files record no drops).
final class CaptureDropsTests: XCTestCase {
    let policy = ReportFixture.policy()

    /// The fixture's summary as `watch` writes it: the kernel lost 18,320 packets, the interface 5.
    func watchSummary(kernel: UInt64 = 18_320, interface: UInt64 = 5) -> ReplaySummary {
        var s = ReportFixture.summary(policy: policy)
        s.files[0] = ReplaySummary.FileResult(path: "eth0")
        s.captureDrops = CaptureDrops(kernel: kernel, interface: interface)
        return s
    }

    func testTheSummaryCarriesTheDropsInTheKeyTheReportReads() throws {
        let live = watchSummary()
        var replay = live
        replay.captureDrops = nil
        // A replay's bytes are those of before: no `dropped` key (the host table's `addresses_dropped` is another).
        XCTAssertFalse(replay.json().contains(",\"dropped\":"), replay.json())
        XCTAssertEqual(
            live.json(),
            replay.json().replacingOccurrences(of: ",\"coverage\":", with: ",\"dropped\":18325,\"coverage\":"))
        var pieces: [UInt8] = []
        live.writeJSON(pieceSize: 64) { pieces += $0 }
        XCTAssertEqual(pieces, live.jsonBytes(), "the summary written in pieces is the same record")

        guard case .summary(let read) = try JSONDecoder().decode(SavedRecord.self, from: Data(live.json().utf8))
        else { return XCTFail("not read as a summary") }
        XCTAssertEqual(read.dropped, 18_325, "kernel and interface drops, one count")
        XCTAssertEqual(read.coverage?.frames, live.counters.packets, "coverage still counts the frames seen")
        guard case .summary(let old) = try JSONDecoder().decode(SavedRecord.self, from: Data(replay.json().utf8))
        else { return XCTFail("not read as a summary") }
        XCTAssertNil(old.dropped)

        var none = live
        none.captureDrops = CaptureDrops(kernel: 0, interface: 0)
        XCTAssertTrue(none.json().contains(",\"dropped\":0,\"coverage\":"), "a live run that lost nothing says 0")
    }

    func testTheTextSummarySaysTheDropsBesideTheCoverage() {
        let lines = watchSummary().text().split(separator: "\n", omittingEmptySubsequences: false)
        guard let coverage = lines.firstIndex(where: { $0.hasPrefix("Coverage: 100.00 % of ") }) else {
            return XCTFail("no coverage line:\n\(watchSummary().text())")
        }
        XCTAssertEqual(
            lines[coverage + 1],
            "18325 packets dropped by the capture before zonesep saw them (kernel 18320, interface 5): the coverage "
                + "above counts only the frames zonesep saw; \"no violation\" says nothing of these.")
        let none = watchSummary(kernel: 0, interface: 0).text()
        XCTAssertTrue(
            none.contains("\n0 packets dropped by the capture before zonesep saw them (kernel 0, interface 0)\n"), none)
        var replay = watchSummary()
        replay.captureDrops = nil
        XCTAssertFalse(replay.text().contains("dropped by the capture"), "a replay has no drops to say")
        XCTAssertTrue(
            CaptureDrops(kernel: 0, interface: 1).textLine.hasPrefix(
                "1 packet dropped by the capture before zonesep saw it (kernel 0, interface 1): "))
        XCTAssertNil(CaptureDrops(kernel: 0, interface: 0).warning)
        XCTAssertEqual(
            CaptureDrops(kernel: 18_320, interface: 5).warning,
            "18,325 packets were dropped by the capture (kernel 18,320, interface 5) before zonesep saw them: they "
                + "were never judged, and the summary's coverage counts only the frames seen")
    }

    /// The rows of the text summary's files table, after its header and rule.
    func fileRows(_ s: ReplaySummary) -> [Substring] {
        let text = s.text()
        guard let table = text.range(of: "\nFiles\n") else { return [] }
        return text[table.upperBound...].split(separator: "\n").dropFirst(2).map { $0 }
    }

    func testTheTextFilesTableGivesEachFilesDropsAsTheReportDoes() {
        var watch = watchSummary()
        watch.files[0].linkType = "EN10MB"
        let live = fileRows(watch)
        XCTAssertEqual(live.count, 1)
        XCTAssertTrue(live[0].contains(" 18325 "), "a live capture's own count: \(live)")

        var replay = ReportFixture.summary(policy: policy)
        var partly = replay.files[0]
        partly.path = "two-interfaces.pcapng"
        partly.recordedDrops = .file(interface: 3, system: 4, interfacesNotRecording: 1)
        var whole = partly
        whole.path = "one-interface.pcapng"
        whole.recordedDrops = .file(interface: 0, system: 0, interfacesNotRecording: 0)
        var skipped = ReplaySummary.FileResult(path: "notes.txt")
        skipped.skipped = "not a capture file"
        replay.files += [partly, whole, skipped]
        replay.captureDrops = .file(interface: 3, system: 4, interfacesNotRecording: 1)
        let header = replay.text().components(separatedBy: "\nFiles\n").last?.split(separator: "\n").first ?? ""
        XCTAssertTrue(header.contains("dropped"), String(header))
        let rows = fileRows(replay)
        XCTAssertEqual(rows.count, 4, "\(rows)")
        XCTAssertTrue(rows[0].contains(" unknown "), "a classic pcap records no drops: \(rows[0])")
        XCTAssertTrue(rows[1].contains(" 7 + unknown (1 interface unrecorded) "), "\(rows[1])")
        XCTAssertTrue(rows[2].contains(" 0 "), "\(rows[2])")
        XCTAssertFalse(rows[2].contains("unknown"), "\(rows[2])")
        XCTAssertFalse(rows[3].contains("unknown"), "a file not read has no drops to say: \(rows[3])")
    }

    /// An alerts file of `watch`: its records, a closing `stats` record, and the summary.
    func savedRun(_ s: ReplaySummary) -> Data {
        let format = AlertFormat(policy: policy)
        let stats =
            #"{"timestamp":null,"event_type":"stats","kernel":{"received":60000,"dropped":18320,"if_dropped":5}}"#
        let lines = s.violations.map { format.json($0.alert) } + [stats, s.json()]
        return Data((lines.joined(separator: "\n") + "\n").utf8)
    }

    func testTheReportOfAWatchRunShowsItsDropsAsALimit() throws {
        let s = watchSummary()
        let read = try SavedRun.parse(
            savedRun(s), name: "alerts.jsonl", policy: policy, provenance: ReportFixture.provenance)
        XCTAssertEqual(read.droppedPackets, 18_325)
        XCTAssertTrue(read.isLimited)
        let md = ReportFormat.md.render(read)
        XCTAssertTrue(md.contains("| 取りこぼしたパケット dropped packets | 18325 |"), md)
        let html = ReportFormat.html.render(read)
        XCTAssertTrue(html.contains("取りこぼし 18,325 dropped packets"), "the verdict's limits name them")
        XCTAssertTrue(html.contains("reported by the capture"))
        XCTAssertFalse(html.contains("capture files do not record drops"), "a live run is no capture file")
        // The report of the run itself says the same.
        let direct = AuditReport(summary: s, provenance: ReportFixture.provenance)
        XCTAssertEqual(direct.droppedPackets, 18_325)

        // A clean live run that lost packets is not called clean.
        var clean = watchSummary()
        clean.violations = []
        clean.counters.alertsByRule = clean.counters.alertsByRule.map { _ in 0 }
        let cleanHTML = ReportFormat.html.render(AuditReport(summary: clean, provenance: ReportFixture.provenance))
        XCTAssertTrue(cleanHTML.contains("data-limited=\"true\""), cleanHTML)
        XCTAssertTrue(cleanHTML.contains("but not all of it could (see the limits below)"))
    }

    func testDropsNotRecordedAreBlamedOnFilesOnlyForFiles() throws {
        var s = watchSummary()
        s.captureDrops = nil
        let fromWatch = try SavedRun.parse(
            savedRun(s), name: "alerts.jsonl", policy: policy, provenance: ReportFixture.provenance)
        XCTAssertNil(fromWatch.droppedPackets)
        XCTAssertTrue(fromWatch.liveCapture)
        let html = ReportFormat.html.render(fromWatch)
        XCTAssertFalse(html.contains("capture files do not record drops"), "a watch run saved without its drops")
        XCTAssertTrue(html.contains("a live capture whose summary does not record its drops"), html)

        let fromReplay = try SavedRun.parse(
            Data((s.json() + "\n").utf8), name: "run.jsonl", policy: policy, provenance: ReportFixture.provenance)
        XCTAssertFalse(fromReplay.liveCapture)
        XCTAssertTrue(ReportFormat.html.render(fromReplay).contains("capture files do not record drops"))
        XCTAssertTrue(ReportFormat.md.render(fromReplay).contains("| 取りこぼしたパケット dropped packets | unknown |"))
    }
}
