import Foundation
import XCTest

/// `zonesep report` given what `collect` wrote: the audit report is built from packets (capture files,
/// packet counts, verified frames, the zone matrix), which a collect summary does not hold. It used to fail
/// with `FILE:N: packets: missing`; it must say the file is a collect run's output and why no report comes
/// from it.
extension CollectTests {
    func testReportRefusesACollectRunAndSaysWhy() throws {
        let t0 = Self.farT0ms
        let datagram = Self.ipfixMessage(
            exportTime: Self.farT0 + 1, sequence: 0, Self.timesTemplate(256, (152, 153), setID: 2),
            Self.exportSet(256, Self.timesRecord(host: 1, t0, t0 + 500)))
        let run = try collect(extra: ["--stats-interval", "0"]) { c in try Self.send([datagram], to: c.port) }
        XCTAssertEqual(run.alerts.count, 1, "the collector judged the record: \(run.records)")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zonesep-collect-report-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let saved = dir.appendingPathComponent("collect.jsonl")
        try run.stdout.write(to: saved)
        let line = String(decoding: run.stdout, as: UTF8.self).split(separator: "\n").count

        let report = try Harness.run(
            try Harness.zonesep(),
            ["report", saved.path, "--config", "zones.conf", "-o", dir.appendingPathComponent("r.html").path],
            timeout: 60, in: root)
        XCTAssertEqual(report.status, 2, report.brief)
        XCTAssertTrue(
            report.stderrText.contains(
                "\(saved.path):\(line): this is the summary of a `zonesep collect` run (\"input\":\"flow-export\"): "
                    + "the audit report is built from captured packets"), report.stderrText)
        XCTAssertFalse(report.stderrText.contains("packets: missing"), report.stderrText)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("r.html").path))
    }
}
