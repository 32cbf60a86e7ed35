import Foundation
import XCTest

extension ScratchDirectoryTestCase {
    /// `zonesep report` of the saved run `saved` (judged with the repository's zones.conf) in `format`,
    /// expected to succeed.
    func report(ofSaved saved: URL, format: String, file: StaticString = #filePath, line: UInt = #line) throws
        -> String
    {
        let out = scratch.appendingPathComponent("r.\(format)")
        let outcome = try Harness.run(
            zonesep, ["report", saved.path, "--config", "zones.conf", "--report-format", format, "-o", out.path],
            timeout: 60, in: root)
        XCTAssertEqual(outcome.status, 0, outcome.brief, file: file, line: line)
        return try String(contentsOf: out, encoding: .utf8)
    }

    /// The audit report of `inputs` as `replay --report` writes it, checked to be byte for byte the one
    /// `zonesep report` writes from the run's saved JSON Lines: what one path shows, the other must too.
    func reportBothWays(
        _ inputs: [String], config: String = "zones.conf", format: String = "html", file: StaticString = #filePath,
        line: UInt = #line
    ) throws -> String {
        let live = scratch.appendingPathComponent("live.\(format)")
        let outcome = try Harness.run(
            zonesep,
            ["replay", "--config", config, "--output", "json", "--report", live.path, "--report-format", format]
                + inputs, timeout: 60, in: root)
        XCTAssertTrue(outcome.exitedNormally, outcome.brief, file: file, line: line)
        let saved = scratch.appendingPathComponent("saved.jsonl")
        try outcome.stdout.write(to: saved)
        let again = scratch.appendingPathComponent("again.\(format)")
        let report = try Harness.run(
            zonesep,
            ["report", saved.path, "--config", config, "-o", again.path, "--report-format", format], timeout: 60,
            in: root)
        XCTAssertEqual(report.status, 0, report.brief, file: file, line: line)
        XCTAssertEqual(
            try Data(contentsOf: again), try Data(contentsOf: live), "report ≠ replay --report", file: file, line: line)
        return try String(contentsOf: live, encoding: .utf8)
    }
}
