import Foundation
import XCTest

/// `zonesep report` given a file that is plainly no saved run says what it is and what to give instead (a
/// compressed run, a capture, an audit report, the `--flows` file), where it said only "not valid JSON" or
/// "no summary record"; exit 2 and no report written.
final class ReportForeignFileTests: ScratchDirectoryTestCase {
    func testFilesThatAreNoSavedRunAreNamedForWhatTheyAre() throws {
        let flows = scratch.appendingPathComponent("flows.jsonl")
        let run = try Harness.run(
            zonesep, ["replay", "--config", "zones.conf", "--output", "json", "--flows", flows.path, "captures/"],
            timeout: 60, in: root)
        XCTAssertEqual(run.status, 1, run.brief)
        let saved = scratch.appendingPathComponent("run.jsonl")
        try run.stdout.write(to: saved)
        let gzip = try Harness.run(URL(fileURLWithPath: "/bin/gzip"), ["-k", saved.path], timeout: 60)
        XCTAssertEqual(gzip.status, 0, gzip.brief)

        for (file, said) in [
            (saved.path + ".gz", "compressed (gzip): decompress it first"),
            (
                "captures/span-2330.pcap",
                "a pcap capture, not a saved run: replay it with `zonesep replay --report FILE`"
            ),
            ("captures/span-0000.pcapng", "a pcapng capture, not a saved run"),
            ("captures/report.html", "an HTML page (an audit report itself?), not a saved run"),
            (flows.path, "flow records (what --flows writes) and no summary record"),
        ] {
            let out = scratch.appendingPathComponent("r.html")
            let report = try Harness.run(
                zonesep, ["report", file, "--config", "zones.conf", "-o", out.path], timeout: 60, in: root)
            XCTAssertEqual(report.status, 2, "\(file): \(report.brief)")
            XCTAssertTrue(report.stderrText.contains("\(file): \(said)"), "\(file): \(report.stderrText)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), file)
        }
        // The run itself still makes its report.
        let good = try Harness.run(
            zonesep,
            ["report", saved.path, "--config", "zones.conf", "-o", scratch.appendingPathComponent("g.html").path],
            timeout: 60, in: root)
        XCTAssertEqual(good.status, 0, good.brief)
    }
}
