import Foundation
import XCTest
import ZonesepTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// `replay` stopped by Ctrl-C (SIGINT) or SIGTERM part-way through a long capture: it never loses what it
/// had already found. The reading stops, the flows end, every evidence file is closed with its record and
/// hash, and the summary and the report of what was read are written, marked interrupted; the exit status
/// is 128 + the signal, as documented.
final class ReplayInterruptTests: ScratchDirectoryTestCase {
    func interrupt(with signal: Int32, name: String) throws {
        let capture = try writeViolatingSYNs(flows: 60_000)
        let evidence = scratch.appendingPathComponent("evidence")
        let report = scratch.appendingPathComponent("report.csv")
        let d = try LiveDaemon(
            zonesep,
            [
                "replay", "--config", root.appendingPathComponent("zones.conf").path, "--output", "json",
                "--evidence", evidence.path, "--report", report.path, "--report-format", "csv", capture.path,
            ], scratch: scratch, name: "replay")
        defer { d.killIfRunning() }
        // Some evidence files are made: the replay is well under way (60,000 flows take it many seconds).
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline,
            (try? FileManager.default.contentsOfDirectory(atPath: evidence.path).count) ?? 0 < 100
        {
            usleep(20_000)
        }
        d.signal(signal)
        let outcome = d.waitForExit(timeout: 60)
        XCTAssertTrue(outcome.exitedNormally, "not killed by \(name): \(outcome.brief)")
        XCTAssertEqual(outcome.status, 128 + signal, d.stderrText)
        XCTAssertTrue(d.stderrText.contains("\(name): stopping"), d.stderrText)

        let records = try String(contentsOf: d.stdoutURL, encoding: .utf8).split(separator: "\n").compactMap {
            JSONLines.object($0)
        }
        let summary = try XCTUnwrap(records.last)
        XCTAssertEqual(summary["event_type"] as? String, "summary")
        XCTAssertEqual(summary["interrupted"] as? Bool, true)
        let alerts = records.filter { $0["event_type"] as? String == "alert" }
        XCTAssertGreaterThan(alerts.count, 0)
        XCTAssertLessThan(alerts.count, 60_000, "stopped part-way")
        XCTAssertEqual(JSONLines.int((summary["alerts"] as? [String: Any])?["total"]), alerts.count)
        let files = try XCTUnwrap(summary["files"] as? [[String: Any]])
        XCTAssertEqual(files.first?["error"] as? String, "not read to its end: the replay was stopped by \(name)")
        // The status says the stop; stderr says that violations were found all the same.
        let said =
            "zonesep: warning: the exit status is \(128 + signal), not 1, since the replay was stopped by "
            + "\(name); yet the run found violations ("
        let note = try XCTUnwrap(d.stderrText.components(separatedBy: "\n").first { $0.hasPrefix(said) })
        XCTAssertEqual(
            Int(note.dropFirst(said.count).prefix { $0 != " " }.filter { $0 != "," }), alerts.count, note)

        // Every evidence file on disk has its record, whole and hashed: nothing found was left unsaid.
        let onDisk = Set(try FileManager.default.contentsOfDirectory(atPath: evidence.path))
        let evidenceRecords = records.filter { $0["event_type"] as? String == "evidence" }
        XCTAssertEqual(Set(evidenceRecords.compactMap { $0["file"] as? String }), onDisk)
        XCTAssertEqual(onDisk.count, alerts.count)
        XCTAssertTrue(evidenceRecords.allSatisfy { $0["sha256"] is String }, "every file hashed")

        let csv = try String(contentsOf: report, encoding: .utf8)
        XCTAssertTrue(csv.contains("中断 interrupted,"), "the report says it covers part of the input")
    }

    func testCtrlCStopsTheReplayWithItsSummaryEvidenceAndReport() throws {
        try interrupt(with: SIGINT, name: "SIGINT")
    }

    func testSIGTERMStopsTheReplayLikewise() throws {
        try interrupt(with: SIGTERM, name: "SIGTERM")
    }
}
