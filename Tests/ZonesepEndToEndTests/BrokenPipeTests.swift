import Foundation
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// A reader that closes zonesep's stdout early (`zonesep replay … | head -1`): every write to it fails with
/// EPIPE. zonesep must not die of SIGPIPE (exit 141, the report, alerts and flows files unfinished); the
/// lost lines are counted on stderr as on a full disk, the other outputs are finished and the exit status
/// is the documented one. Here the pipe's read end is closed before zonesep starts, so the first write
/// already fails, whatever the timing.
final class BrokenPipeTests: ScratchDirectoryTestCase {
    /// Runs zonesep with stdout a pipe nobody reads any more, stderr to a file; the exit status, or the
    /// signal that ended it, and stderr.
    func runWithClosedStdout(_ arguments: [String]) throws -> (status: Int32, exited: Bool, stderr: String) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw HarnessError("pipe: \(String(cString: strerror(errno)))") }
        close(fds[0])
        let errURL = scratch.appendingPathComponent("stderr-\(UUID().uuidString)")
        guard FileManager.default.createFile(atPath: errURL.path, contents: nil) else {
            throw HarnessError("cannot create \(errURL.path)")
        }
        let p = Process()
        p.executableURL = zonesep
        p.arguments = arguments
        p.currentDirectoryURL = root
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = FileHandle(fileDescriptor: fds[1], closeOnDealloc: true)
        p.standardError = try FileHandle(forWritingTo: errURL)
        try p.run()
        p.waitUntilExit()
        return (
            p.terminationStatus, p.terminationReason == .exit, try String(contentsOf: errURL, encoding: .utf8)
        )
    }

    func testReplayFinishesItsOtherOutputsWhenStdoutIsClosed() throws {
        /// The options of a run writing into `dir`.
        func options(_ dir: URL) -> [String] {
            [
                "replay", "--config", "zones.conf", "--output", "json", "--report",
                dir.appendingPathComponent("r.html").path,
                "--alerts", dir.appendingPathComponent("alerts.jsonl").path, "--flows",
                dir.appendingPathComponent("flows.jsonl").path, "--evidence",
                dir.appendingPathComponent("evidence").path,
                "captures",
            ]
        }
        let reference = scratch.appendingPathComponent("reference")
        let closed = scratch.appendingPathComponent("closed")
        for dir in [reference, closed] {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        }
        let open = try Harness.run(zonesep, options(reference), timeout: 120, in: root)
        XCTAssertEqual(open.status, 1, open.brief)
        let run = try runWithClosedStdout(options(closed))
        XCTAssertTrue(run.exited, "ended by signal \(run.status): \(run.stderr)")
        XCTAssertEqual(run.status, 1, "violations found, as with stdout open: \(run.stderr)")
        // Said on stderr as for a full disk (at the summary, and for what followed it), every line counted.
        let said = run.stderr.split(separator: "\n").filter { $0.contains("lines could not be written (Broken pipe)") }
        let counted = said.compactMap { line in
            line.split(separator: " ").firstIndex(of: "lines").flatMap { i in Int(line.split(separator: " ")[i - 1]) }
        }
        XCTAssertGreaterThan(said.count, 0, run.stderr)
        XCTAssertEqual(counted.reduce(0, +), open.stdoutLines.count, "every stdout line, the summary's included")

        // The other outputs are those of the run whose stdout was read: the alerts and flows files, evidence.
        for name in ["alerts.jsonl", "flows.jsonl"] {
            let a = try Data(contentsOf: reference.appendingPathComponent(name))
            XCTAssertGreaterThan(a.count, 0)
            XCTAssertEqual(try Data(contentsOf: closed.appendingPathComponent(name)), a, name)
        }
        let evidence = try FileManager.default.contentsOfDirectory(
            atPath: closed.appendingPathComponent("evidence").path)
        XCTAssertEqual(
            evidence.sorted(),
            try FileManager.default.contentsOfDirectory(atPath: reference.appendingPathComponent("evidence").path)
                .sorted())
        XCTAssertGreaterThan(evidence.count, 0)
        let page = try String(contentsOf: closed.appendingPathComponent("r.html"), encoding: .utf8)
        XCTAssertTrue(page.hasSuffix("</html>\n") || page.hasSuffix("</html>"), String(page.suffix(200)))
    }

    func testCheckAndReportDoNotDieOfAClosedStdout() throws {
        let check = try runWithClosedStdout(["check", "--config", "zones.conf"])
        XCTAssertTrue(check.exited, "ended by signal \(check.status): \(check.stderr)")
        XCTAssertEqual(check.status, 0, "the file is valid: \(check.stderr)")
        XCTAssertTrue(check.stderr.contains("could not be written whole (Broken pipe)"), check.stderr)

        // A saved run, then its report to the closed stdout: the report was not delivered, so status 2.
        let saved = scratch.appendingPathComponent("run.jsonl")
        let replay = try Harness.run(
            zonesep, ["replay", "--config", "zones.conf", "--output", "json", "captures"], timeout: 120, in: root)
        XCTAssertEqual(replay.status, 1, replay.brief)
        try replay.stdout.write(to: saved)
        let report = try runWithClosedStdout(["report", "--config", "zones.conf", saved.path, "-o", "-"])
        XCTAssertTrue(report.exited, "ended by signal \(report.status): \(report.stderr)")
        XCTAssertEqual(report.status, 2, report.stderr)
        XCTAssertTrue(
            report.stderr.contains("cannot write the report to standard output: Broken pipe"), report.stderr)
    }
}
