import Foundation
import XCTest

/// `zonesep report` is given a zones.conf to show beside a saved run: the run's summary records the SHA-256
/// of the zones.conf it was judged with, and a report refuses any other file, which would show a zone map,
/// MACs and exceptions the run was not judged by under that file's digest.
final class ReportConfigDigestTests: ScratchDirectoryTestCase {
    var saved: URL!
    var summaryLine: String!

    override func setUpWithError() throws {
        try super.setUpWithError()
        let run = try Harness.run(
            zonesep, ["replay", "--config", "zones.conf", "--output", "json", "captures/span-2330.pcap"], timeout: 60,
            in: root)
        XCTAssertEqual(run.status, 1, run.brief)
        saved = scratch.appendingPathComponent("run.jsonl")
        try run.stdout.write(to: saved)
        summaryLine = try XCTUnwrap(run.stdoutLines.last { $0.contains("\"event_type\":\"summary\"") }).description
    }

    func report(_ run: URL, config: URL) throws -> ProcessOutcome {
        try Harness.run(
            zonesep,
            ["report", run.path, "--config", config.path, "-o", scratch.appendingPathComponent("r.html").path],
            timeout: 60)
    }

    /// The digest in the summary is that of the file's bytes (checked with sha256sum, an independent tool).
    func testTheSummaryRecordsTheDigestOfTheZonesConf() throws {
        let sum = try Harness.run(
            URL(fileURLWithPath: "/usr/bin/sha256sum"), [root.appendingPathComponent("zones.conf").path], timeout: 10)
        let digest = try XCTUnwrap(sum.stdoutText.split(separator: " ").first).description
        XCTAssertEqual(digest.count, 64)
        XCTAssertTrue(summaryLine.contains("\"config_sha256\":\"\(digest)\""), summaryLine)
    }

    /// The run's own zones.conf gives the report, with the same digest; an edited copy (one conduit's MAC
    /// changed) is refused with exit 2 and a message naming both digests.
    func testAnotherZonesConfIsRefused() throws {
        let own = try report(saved, config: root.appendingPathComponent("zones.conf"))
        XCTAssertEqual(own.status, 0, own.brief)
        let text = try String(contentsOf: root.appendingPathComponent("zones.conf"), encoding: .utf8)
        XCTAssertTrue(text.contains("02:00:0a:0a:01:05"))
        let edited = scratch.appendingPathComponent("edited.conf")
        try text.replacingOccurrences(of: "02:00:0a:0a:01:05", with: "02:00:5e:00:00:99")
            .write(to: edited, atomically: true, encoding: .utf8)
        let refused = try report(saved, config: edited)
        XCTAssertEqual(refused.status, 2, refused.brief)
        XCTAssertTrue(
            refused.stderrText.contains("the run was judged with a zones.conf whose SHA-256 is"), refused.brief)
        XCTAssertTrue(refused.stderrText.contains("give the zones.conf of that run"), refused.brief)
        XCTAssertFalse(FileManager.default.fileExists(atPath: scratch.appendingPathComponent("r.html").path + ".new"))
    }

    /// A run saved before the digest was recorded still gives its report, which says beside the digest, and
    /// on stderr, that it could not be checked.
    func testARunWithoutTheDigestSaysItWasNotChecked() throws {
        let lines = try String(contentsOf: saved, encoding: .utf8).split(separator: "\n").map(String.init)
        let old = lines.map { line in
            line.contains("\"event_type\":\"summary\"")
                ? line.replacingOccurrences(
                    of: #""config_sha256":"[0-9a-f]{64}","#, with: "", options: .regularExpression)
                : line
        }
        XCTAssertFalse(old.joined().contains("config_sha256"))
        let oldRun = scratch.appendingPathComponent("old.jsonl")
        try (old.joined(separator: "\n") + "\n").write(to: oldRun, atomically: true, encoding: .utf8)
        let outcome = try report(oldRun, config: root.appendingPathComponent("zones.conf"))
        XCTAssertEqual(outcome.status, 0, outcome.brief)
        XCTAssertTrue(outcome.stderrText.contains("does not record which zones.conf it was judged with"), outcome.brief)
        let html = try String(contentsOf: scratch.appendingPathComponent("r.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("not checked to be the one it was judged with"))
    }
}
