import Foundation
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// An argument of `replay` that gives no file to read — a path that does not exist, an empty directory, a
/// subdirectory that cannot be listed — is an input problem like a file that cannot be read: named in the
/// summary's `files` with its reason (JSON and text), named in the audit report, whose verdict is hedged,
/// and exit status 2. It used to reach stderr only, and the report gave the plain all-clear.
final class UnusableInputTests: ScratchDirectoryTestCase {
    /// A capture with no violation under the demonstration's zones.conf (a clean verdict, were it alone).
    var clean: String!

    override func setUpWithError() throws {
        try super.setUpWithError()
        clean = try Harness.corpusDirectory().appendingPathComponent("dhcpv6-domain-list.pcap").path
    }

    func replay(_ output: String, _ inputs: [String], report: URL? = nil, runAs: [String] = []) throws
        -> ProcessOutcome
    {
        let args =
            ["replay", "--config", root.appendingPathComponent("zones.conf").path, "--output", output]
            + (report.map { ["--report", $0.path] } ?? []) + inputs
        if let first = runAs.first {
            return try Harness.run(
                URL(fileURLWithPath: first), Array(runAs.dropFirst()) + [zonesep.path] + args, timeout: 60)
        }
        return try Harness.run(zonesep, args, timeout: 60)
    }

    /// Checks the three outputs of a run on `inputs`: the unusable `path` is listed with an error holding
    /// `reason`, in JSON, text and the report, the clean file still read, and the verdict hedged.
    func assertNamed(_ path: String, reason: String, inputs: [String], runAs: [String] = []) throws {
        let json = try replay("json", inputs, runAs: runAs)
        XCTAssertEqual(json.status, 2, json.brief)
        let (_, summary, problems) = JSONLines.replay(json)
        XCTAssertEqual(problems, [])
        let files = try XCTUnwrap(summary?["files"] as? [[String: Any]])
        XCTAssertEqual(files.count, 2, "\(files)")
        let good = try XCTUnwrap(files.first { $0["path"] as? String == clean })
        XCTAssertTrue(JSONLines.isNull(good["error"]), "\(good)")
        XCTAssertGreaterThan(JSONLines.int(good["packets"]) ?? 0, 0)
        let bad = try XCTUnwrap(files.first { $0["path"] as? String == path }, "\(path) not in \(files)")
        let error = try XCTUnwrap(bad["error"] as? String, "\(bad)")
        XCTAssertTrue(error.contains(path) && error.contains(reason), error)
        XCTAssertEqual(JSONLines.int(bad["packets"]), 0)
        XCTAssertTrue(json.stderrText.contains(error), json.stderrText)

        let text = try replay("text", inputs, runAs: runAs)
        XCTAssertEqual(text.status, 2, text.brief)
        XCTAssertTrue(
            text.stdoutLines.contains { $0.drop { $0 == " " }.hasPrefix(path + " ") && $0.contains(reason) },
            "no row for \(path) in the text summary:\n\(text.stdoutText)")

        let html = scratch.appendingPathComponent("report-\(UUID().uuidString).html")
        // The report is written by zonesep, possibly as another user: the directory must let it.
        chmod(scratch.path, 0o777)
        let reported = try replay("json", inputs, report: html, runAs: runAs)
        XCTAssertEqual(reported.status, 2, reported.brief)
        let page = try String(contentsOf: html, encoding: .utf8)
        XCTAssertTrue(page.contains(path), "the report names \(path)")
        XCTAssertTrue(page.contains("読めないファイル 1 unreadable files"), "the verdict is hedged")
        XCTAssertTrue(page.contains("The audit is limited"))
    }

    /// Exit status 2 takes precedence over 1: with a violation found beside an unusable input, stderr says
    /// that the status does not mean none was found (REVIEW-145 F9); beside a clean file it says nothing.
    func testStatusTwoSaysWhenViolationsWereFoundToo() throws {
        let missing = scratch.appendingPathComponent("nonexistent.pcap").path
        let violating = root.appendingPathComponent("captures/span-0015.pcap").path
        let alone = try replay("json", [violating])
        XCTAssertEqual(alone.status, 1, alone.brief)
        let total = try XCTUnwrap(
            JSONLines.int((JSONLines.replay(alone).summary?["alerts"] as? [String: Any])?["total"]))
        XCTAssertGreaterThan(total, 1)
        XCTAssertFalse(alone.stderrText.contains("does not mean"), alone.stderrText)

        let both = try replay("json", [violating, missing])
        XCTAssertEqual(both.status, 2, both.brief)
        XCTAssertTrue(
            both.stderrText.contains(
                "zonesep: warning: the exit status is 2, not 1, since an input could not be read in whole, or an "
                    + "output not written; yet the run found violations (\(total) alerts in the summary's "
                    + "alerts.total): a status of 2 does not mean that none were found\n"), both.stderrText)

        let clean = try replay("json", [self.clean, missing])
        XCTAssertEqual(clean.status, 2, clean.brief)
        XCTAssertFalse(clean.stderrText.contains("does not mean"), clean.stderrText)
    }

    func testAPathThatDoesNotExistIsListedAndHedgesTheVerdict() throws {
        let missing = scratch.appendingPathComponent("nonexistent.pcap").path
        try assertNamed(missing, reason: "no such file or directory", inputs: [missing, clean])
    }

    func testAnEmptyDirectoryIsListedAndHedgesTheVerdict() throws {
        let empty = scratch.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        try assertNamed(empty.path, reason: "directory holds no capture files", inputs: [clean, empty.path])
    }

    /// A subdirectory without read permission, in a tree that still holds a capture. Root reads any
    /// directory, so as root zonesep runs as nobody (setpriv, util-linux).
    func testASubdirectoryThatCannotBeListedIsListedAndHedgesTheVerdict() throws {
        let tree = scratch.appendingPathComponent("tree")
        let locked = tree.appendingPathComponent("locked")
        try FileManager.default.createDirectory(at: locked, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: clean, toPath: tree.appendingPathComponent("a.pcap").path)
        clean = tree.appendingPathComponent("a.pcap").path
        for dir in [scratch.path, tree.path] { chmod(dir, 0o755) }
        chmod(clean, 0o644)
        chmod(locked.path, 0)
        defer { chmod(locked.path, 0o755) }
        var runAs: [String] = []
        if geteuid() == 0 {
            guard
                let setpriv = ["/usr/bin/setpriv", "/bin/setpriv"].first(where: {
                    FileManager.default.isExecutableFile(atPath: $0)
                })
            else { throw XCTSkip("setpriv (util-linux) is not installed") }
            runAs = [setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
            let probe = try Harness.run(
                URL(fileURLWithPath: setpriv), Array(runAs.dropFirst()) + [zonesep.path, "--version"], timeout: 20)
            guard probe.status == 0 else {
                throw XCTSkip("user nobody cannot run \(zonesep.path): \(probe.brief)")
            }
        }
        try assertNamed(locked.path, reason: "directory cannot be read", inputs: [tree.path], runAs: runAs)
    }

    // MARK: - A pipe as input

    /// A named pipe is refused by name before it is opened (it used to be opened to peek at its first
    /// packet, which blocks until some writer comes, and then read again from a start no longer there).
    func testANamedPipeIsRefusedByName() throws {
        let fifo = scratch.appendingPathComponent("capture.pcap").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        try assertNamed(fifo, reason: "is a pipe, not a file", inputs: [fifo, clean])
    }

    /// `/dev/stdin` on a pipe holding a whole capture (`cat x.pcap | zonesep replay … /dev/stdin`): refused
    /// with that reason, not "unknown file format" after the first read took the file's start away.
    func testStandardInputOnAPipeIsRefusedWithTheReason() throws {
        // span-0015.pcap (13,744 bytes) fits in the pipe's buffer: written whole before zonesep starts.
        let capture = try Data(contentsOf: root.appendingPathComponent("captures/span-0015.pcap"))
        let input = Pipe()
        input.fileHandleForWriting.write(capture)
        try input.fileHandleForWriting.close()
        let errURL = scratch.appendingPathComponent("stderr")
        let outURL = scratch.appendingPathComponent("stdout")
        for url in [errURL, outURL] { XCTAssertTrue(FileManager.default.createFile(atPath: url.path, contents: nil)) }
        let p = Process()
        p.executableURL = zonesep
        p.arguments = [
            "replay", "--config", root.appendingPathComponent("zones.conf").path, "--output", "json", "/dev/stdin",
        ]
        p.standardInput = input.fileHandleForReading
        p.standardOutput = try FileHandle(forWritingTo: outURL)
        p.standardError = try FileHandle(forWritingTo: errURL)
        try p.run()
        p.waitUntilExit()
        let stderr = try String(contentsOf: errURL, encoding: .utf8)
        XCTAssertEqual(p.terminationStatus, 2, stderr)
        XCTAssertTrue(stderr.contains("/dev/stdin: is a pipe, not a file"), stderr)
        XCTAssertFalse(stderr.contains("unknown file format"), stderr)
        let summary = try XCTUnwrap(
            String(contentsOf: outURL, encoding: .utf8).split(separator: "\n").last.flatMap { JSONLines.object($0) })
        let files = try XCTUnwrap(summary["files"] as? [[String: Any]])
        XCTAssertEqual(files.map { $0["path"] as? String }, ["/dev/stdin"])
        XCTAssertTrue((files.first?["error"] as? String)?.contains("save it to a file and give that") ?? false)
    }
}
