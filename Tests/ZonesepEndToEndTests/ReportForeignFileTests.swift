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
        let tgz = scratch.appendingPathComponent("runs.tgz")
        try FileManager.default.copyItem(at: URL(fileURLWithPath: saved.path + ".gz"), to: tgz)
        let tar = scratch.appendingPathComponent("runs.tar")
        let tarred = try Harness.run(
            URL(fileURLWithPath: "/bin/tar"), ["-cf", tar.path, "-C", scratch.path, "run.jsonl"], timeout: 60)
        XCTAssertEqual(tarred.status, 0, tarred.brief)
        let zip = scratch.appendingPathComponent("run.zip")
        try Data([0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0]).write(to: zip)
        let utf16 = scratch.appendingPathComponent("u16.jsonl")
        try XCTUnwrap(String(data: run.stdout, encoding: .utf8)?.data(using: .utf16)).write(to: utf16)
        let md = scratch.appendingPathComponent("r.md")
        let csv = scratch.appendingPathComponent("r.csv")
        for (out, format) in [(md, "md"), (csv, "csv")] {
            let made = try Harness.run(
                zonesep, ["report", saved.path, "--config", "zones.conf", "--report-format", format, "-o", out.path],
                timeout: 60, in: root)
            XCTAssertEqual(made.status, 0, made.brief)
        }

        for (file, said) in [
            (saved.path + ".gz", "compressed (gzip): decompress it first"),
            (
                "captures/span-2330.pcap",
                "a pcap capture, not a saved run: replay it with `zonesep replay --report FILE`"
            ),
            ("captures/span-0000.pcapng", "a pcapng capture, not a saved run"),
            ("captures/report.html", "an HTML page (an audit report itself?), not a saved run"),
            (flows.path, "flow records (what --flows writes) and no summary record"),
            (tgz.path, "a compressed tar archive: extract the saved run from it first"),
            (zip.path, "a zip archive: extract the saved run from it first"),
            (tar.path, "a tar archive: extract the saved run from it first"),
            (utf16.path, "UTF-16 text: convert it to UTF-8 first"),
            (md.path, "an audit report in Markdown or CSV itself, not a saved run"),
            (csv.path, "an audit report in Markdown or CSV itself, not a saved run"),
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
