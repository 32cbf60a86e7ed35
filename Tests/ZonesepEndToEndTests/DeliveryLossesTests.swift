import Foundation
import XCTest
import ZonesepTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// stdout on the full disk beside the alerts and flows files: the summary, which counts what every output
/// lost, is lost too. The run's closing lines on stderr say those counts (once, the totals), and a daemon
/// whose summary reached no output does not exit 0, which says "stopped after writing the summary".
final class DeliveryLossesTests: LiveTestCase {
    /// Runs `arguments` with stdout to `stdoutPath` and stderr to the scratch directory.
    func run(_ arguments: [String], stdoutPath: String) throws -> (status: Int32, stderr: String) {
        let stderrURL = scratch.appendingPathComponent("stderr")
        XCTAssertTrue(FileManager.default.createFile(atPath: stdoutPath, contents: nil))
        XCTAssertTrue(FileManager.default.createFile(atPath: stderrURL.path, contents: nil))
        let p = Process()
        p.executableURL = zonesep
        p.arguments = arguments
        p.currentDirectoryURL = root
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
        p.standardError = try FileHandle(forWritingTo: stderrURL)
        try p.run()
        p.waitUntilExit()
        return (p.terminationStatus, try String(contentsOf: stderrURL, encoding: .utf8))
    }

    /// The numbers of a closing line's `OPTION PATH: N of M records could not be written`.
    func lost(_ option: String, _ path: String, in stderr: String) -> (lost: Int, of: Int)? {
        guard let line = stderr.split(separator: "\n").first(where: { $0.contains("records lost on the way out") }),
            let at = line.range(of: "\(option) \(path): ")
        else { return nil }
        let words = line[at.upperBound...].split(separator: " ")
        guard words.count > 2, let n = Int(words[0]), words[1] == "of", let m = Int(words[2]) else { return nil }
        return (n, m)
    }

    /// A replay whose stdout and `--flows` file share a full disk: stderr counts the flow records lost,
    /// which the summary (lost with stdout) would have counted, and says stdout's lost lines in one line.
    func testReplaySaysWhatTheFlowsFileLostWhenTheSummaryIsLostToo() throws {
        let disk = try TinyDisk(kilobytes: 64)
        disk.fill()
        disk.free(bytes: 8 << 10)
        let flows = disk.path + "/flows.jsonl"
        let out = disk.path + "/out.jsonl"
        let r = try run(
            ["replay", "--config", "zones.conf", "--output", "json", "--flows", flows, "captures"], stdoutPath: out)
        XCTAssertEqual(r.status, 1, "the verdict's status, as documented for stdout: \(r.stderr)")
        let written = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
        XCTAssertFalse(
            written.contains { JSONLines.object($0)?["event_type"] as? String == "summary" }, "the summary is lost")
        let flowLines = try String(contentsOfFile: flows, encoding: .utf8).split(separator: "\n")
        let counted = try XCTUnwrap(lost("--flows", flows, in: r.stderr), r.stderr)
        XCTAssertEqual(counted.of, 61, "every flow of the demonstration")
        XCTAssertEqual(counted.lost, 61 - flowLines.count, r.stderr)
        XCTAssertGreaterThan(counted.lost, 0)
        let stdoutLines = r.stderr.split(separator: "\n").filter { $0.contains("standard output: ") }
        XCTAssertEqual(stdoutLines.count, 1, "one line, the total: \(r.stderr)")
        XCTAssertTrue(stdoutLines.first?.contains("the summary's among them") ?? false, r.stderr)
    }

    /// collect with stdout and its alerts file on a full disk: the summary reaches neither, so the exit
    /// status is 2, and stderr says so.
    func testCollectWhoseSummaryReachedNoOutputExits2() throws {
        let disk = try TinyDisk(kilobytes: 64)
        disk.fill()
        let port = try Loopback.freePort(SOCK_DGRAM)
        let stdoutPath = disk.path + "/out.jsonl"
        XCTAssertTrue(FileManager.default.createFile(atPath: stdoutPath, contents: nil))
        let args = [
            zonesep.path, "collect", "--config", root.appendingPathComponent("zones.conf").path, "--listen",
            "udp://127.0.0.1:\(port)", "--output", "json", "--stats-interval", "0", "--alerts",
            disk.path + "/alerts.jsonl",
        ]
        let d = try LiveDaemon(
            URL(fileURLWithPath: "/bin/sh"), ["-c", "exec \"$0\" \"$@\" > \(stdoutPath)"] + args, scratch: scratch,
            name: "collect")
        daemon = d
        try d.waitForStderr("collecting")
        d.signal(SIGTERM)
        let outcome = d.waitForExit(timeout: 30)
        XCTAssertTrue(outcome.exitedNormally, outcome.brief)
        XCTAssertEqual(outcome.status, 2, "not 0, which says the summary was written: \(d.stderrText)")
        XCTAssertTrue(d.stderrText.contains("the summary's among them"), d.stderrText)
        XCTAssertTrue(d.stderrText.contains("could not take it either"), d.stderrText)
    }

    /// watch with stdout alone on a full disk: the first lost line is said when it is lost (as the alerts
    /// file's first loss is), and the summary in the alerts file counts stdout's losses with the other sinks'.
    /// Before, they were said only on stderr at the stop and the summary had no word of them.
    func testStdoutLossesAreSaidAtOnceAndInTheSummarysDelivery() throws {
        let net = try TestNetwork.threeZones()
        network = net
        let disk = try TinyDisk(kilobytes: 64)
        disk.fill()
        let stdoutPath = disk.path + "/out.jsonl"
        XCTAssertTrue(FileManager.default.createFile(atPath: stdoutPath, contents: nil))
        let alerts = scratch.appendingPathComponent("alerts.jsonl")
        let (tool, args) = net.inNamespace(
            net.sensorNamespace,
            [
                "/bin/sh", "-c", "exec \"$0\" \"$@\" > \(stdoutPath)", zonesep.path, "watch", "--interface",
                net.sensorInterface, "--config", root.appendingPathComponent("zones.conf").path, "--output", "json",
                "--alerts", alerts.path, "--stats-interval", "1",
            ])
        let d = try LiveDaemon(tool, args, scratch: scratch)
        daemon = d
        try d.waitForStderr("watching ")
        try d.waitForStderr("standard output: No space left on device; lines are counted as lost")
        d.signal(SIGTERM)
        let outcome = d.waitForExit(timeout: 30)
        XCTAssertEqual(outcome.status, 0, "the summary is in the alerts file: \(d.stderrText)")
        let records = EventFile(url: alerts).records()
        let summary = try XCTUnwrap(records.last { $0["event_type"] as? String == "summary" }, "\(records)")
        let stdout = try XCTUnwrap((summary["delivery"] as? [String: Any])?["stdout"] as? [String: Any], "\(summary)")
        let stats = records.filter { $0["event_type"] as? String == "stats" }
        XCTAssertEqual(JSONLines.int(stdout["lost"]), stats.count, "every stats line went to the full disk: \(stdout)")
        XCTAssertEqual(JSONLines.int(stdout["lines"]), 0)
        XCTAssertEqual(stdout["error"] as? String, "No space left on device")
        XCTAssertEqual(
            d.stderrText.components(separatedBy: "lines are counted as lost").count, 2, "said once: \(d.stderrText)")
    }

    /// watch, likewise: stdout and the alerts file on a full disk; SIGTERM ends it with status 2.
    func testWatchWhoseSummaryReachedNoOutputExits2() throws {
        let net = try TestNetwork.threeZones()
        network = net
        let disk = try TinyDisk(kilobytes: 64)
        disk.fill()
        let stdoutPath = disk.path + "/out.jsonl"
        XCTAssertTrue(FileManager.default.createFile(atPath: stdoutPath, contents: nil))
        let (tool, args) = net.inNamespace(
            net.sensorNamespace,
            [
                "/bin/sh", "-c", "exec \"$0\" \"$@\" > \(stdoutPath)", zonesep.path, "watch", "--interface",
                net.sensorInterface, "--config", root.appendingPathComponent("zones.conf").path, "--output", "json",
                "--alerts", disk.path + "/alerts.jsonl", "--stats-interval", "0",
            ])
        let d = try LiveDaemon(tool, args, scratch: scratch)
        daemon = d
        try d.waitForStderr("watching ")
        d.signal(SIGTERM)
        let outcome = d.waitForExit(timeout: 30)
        XCTAssertTrue(outcome.exitedNormally, outcome.brief)
        XCTAssertEqual(outcome.status, 2, "not 0, which says the summary was written: \(d.stderrText)")
        XCTAssertTrue(d.stderrText.contains("the summary's among them"), d.stderrText)
    }

    /// An append-only alerts file (`chattr +a`) on a full disk: the cut line cannot be taken back. stderr
    /// names the file and the byte where the cut record begins, and the closing line counts it.
    func testAnAppendOnlyAlertsFileThatKeepsACutLineSaysSo() throws {
        let disk = try TinyDisk(kilobytes: 64)
        let alerts = disk.path + "/alerts.jsonl"
        XCTAssertTrue(FileManager.default.createFile(atPath: alerts, contents: nil))
        let chattr = try Tools.require("chattr", package: "e2fsprogs")
        guard (try Harness.run(chattr, ["+a", alerts], timeout: 10)).status == 0 else {
            throw XCTSkip("this tmpfs refuses chattr +a")
        }
        defer { _ = try? Harness.run(chattr, ["-a", alerts], timeout: 10) }
        disk.fill()
        disk.free(bytes: 6_000)
        let r = try run(
            ["replay", "--config", "zones.conf", "--output", "json", "--alerts", alerts, "captures"],
            stdoutPath: scratch.appendingPathComponent("out.jsonl").path)
        XCTAssertEqual(r.status, 1, r.stderr)
        let size = try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: alerts)[.size] as? Int)
        let text = try String(contentsOfFile: alerts, encoding: .utf8)
        let start = try XCTUnwrap(
            text.lastIndex(of: "\n").map { text.utf8.distance(from: text.startIndex, to: $0) + 1 })
        XCTAssertLessThan(start, size, "the file ends inside a record")
        XCTAssertTrue(
            r.stderr.contains(
                "\(alerts): a write cut short could not be taken back (ftruncate: Operation not permitted): "
                    + "the file holds part of a record from byte \(start)"), r.stderr)
        XCTAssertTrue(r.stderr.contains("1 record left cut in half"), r.stderr)
    }
}
