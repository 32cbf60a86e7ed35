import Foundation
import XCTest

/// An output named like one of the run's inputs is refused before anything is read or written, with exit 2
/// and a message naming the option and the file: `replay --report X X` replaced the capture under audit,
/// `--alerts`/`--flows` naming a capture appended JSON into it, `report run.jsonl -o run.jsonl` replaced the
/// saved run. Each case checks that the input is byte for byte what it was.
final class OutputOverInputTests: ScratchDirectoryTestCase {
    var capture: String { scratch.appendingPathComponent("in.pcap").path }
    var config: String { scratch.appendingPathComponent("zones.conf").path }

    override func setUpWithError() throws {
        try super.setUpWithError()
        let fm = FileManager.default
        try fm.copyItem(atPath: root.appendingPathComponent("captures/span-0015.pcap").path, toPath: capture)
        try fm.copyItem(atPath: root.appendingPathComponent("zones.conf").path, toPath: config)
    }

    /// Runs zonesep in the scratch directory; the run must be refused naming `option` and `file`, and leave
    /// every file of `kept` as it was.
    func assertRefused(
        _ arguments: [String], option: String, file: String, kept: [String], line: UInt = #line
    ) throws {
        let before = try kept.map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
        let listing = try FileManager.default.contentsOfDirectory(atPath: scratch.path).sorted()
        let out = try Harness.run(zonesep, arguments, timeout: 60, in: scratch)
        XCTAssertEqual(out.status, 2, out.brief, line: line)
        XCTAssertTrue(out.stderrText.contains("\(option) \(file): "), out.brief, line: line)
        XCTAssertTrue(out.stdout.isEmpty, "nothing was run: \(out.stdoutText.prefix(200))", line: line)
        for (path, bytes) in zip(kept, before) {
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: path)), bytes, "\(path) changed", line: line)
        }
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: scratch.path).sorted(), listing,
            "no file was made", line: line)
    }

    func testReplayReportOverItsCaptureIsRefused() throws {
        try assertRefused(
            ["replay", "--config", "zones.conf", "--report", "in.pcap", "in.pcap"], option: "--report",
            file: "in.pcap", kept: [capture])
    }

    /// Another spelling of the same file is the same file (compared by device and inode).
    func testAlertsIntoTheCaptureUnderAnotherSpellingIsRefused() throws {
        try assertRefused(
            ["replay", "--config", "zones.conf", "--alerts", "./in.pcap", "in.pcap"], option: "--alerts",
            file: "./in.pcap", kept: [capture])
        try FileManager.default.createSymbolicLink(
            atPath: scratch.appendingPathComponent("link").path, withDestinationPath: "in.pcap")
        try assertRefused(
            ["replay", "--config", "zones.conf", "--flows", "link", "in.pcap"], option: "--flows", file: "link",
            kept: [capture])
    }

    func testFlowsIntoTheConfigIsRefused() throws {
        try assertRefused(
            ["replay", "--config", "zones.conf", "--flows", "zones.conf", "in.pcap"], option: "--flows",
            file: "zones.conf", kept: [config, capture])
        // watch refuses it before it looks for the interface.
        try assertRefused(
            ["watch", "--interface", "lo", "--config", "zones.conf", "--alerts", "./zones.conf"],
            option: "--alerts", file: "./zones.conf", kept: [config])
    }

    func testReportOverItsSavedRunIsRefused() throws {
        let run = try Harness.run(
            zonesep, ["replay", "--config", "zones.conf", "--output", "json", "in.pcap"], timeout: 60, in: scratch)
        XCTAssertEqual(run.status, 1, run.brief)
        let saved = scratch.appendingPathComponent("run.jsonl").path
        try run.stdout.write(to: URL(fileURLWithPath: saved))
        try assertRefused(
            ["report", "run.jsonl", "--config", "zones.conf", "-o", "run.jsonl"], option: "-o", file: "run.jsonl",
            kept: [saved])
    }

    /// A capture found in a directory given is an input too: no output writes into a capture, wherever it lies.
    func testAlertsIntoACaptureOfADirectoryGivenIsRefused() throws {
        let caps = scratch.appendingPathComponent("caps")
        try FileManager.default.createDirectory(at: caps, withIntermediateDirectories: true)
        let inside = caps.appendingPathComponent("one.pcap").path
        try FileManager.default.copyItem(atPath: capture, toPath: inside)
        try assertRefused(
            ["replay", "--config", "zones.conf", "--alerts", "caps/one.pcap", "caps"], option: "--alerts",
            file: "caps/one.pcap", kept: [inside])
    }

    /// The evidence directory may not be an input directory, nor hold a capture given under an evidence
    /// file's name (the run would replace it, or remove it to keep within its budget).
    func testEvidenceOverAnInputIsRefused() throws {
        let caps = scratch.appendingPathComponent("caps")
        try FileManager.default.createDirectory(at: caps, withIntermediateDirectories: true)
        let evidenceNamed = caps.appendingPathComponent("20260615T001500.000000Z_mynumber-isolation_x.pcap").path
        try FileManager.default.copyItem(atPath: capture, toPath: evidenceNamed)
        try assertRefused(
            ["replay", "--config", "zones.conf", "--evidence", "caps", "caps"], option: "--evidence", file: "caps",
            kept: [evidenceNamed])
        try assertRefused(
            ["replay", "--config", "zones.conf", "--evidence", "caps/", "in.pcap", evidenceNamed],
            option: "--evidence", file: "caps/", kept: [evidenceNamed, capture])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: caps.path).count, 1)
    }

    /// Two outputs naming one file are refused too, whatever the spelling.
    func testTwoOutputsOnOneFileAreRefused() throws {
        try assertRefused(
            ["replay", "--config", "zones.conf", "--alerts", "a.jsonl", "--report", "./a.jsonl", "in.pcap"],
            option: "--report", file: "./a.jsonl", kept: [capture])
    }

    /// `-` is standard output for `report -o` alone: for a run's own files it made a file named `-`, and
    /// standard output carries the alerts and the summary already. `./-` names such a file on purpose.
    func testDashForARunsFileIsRefused() throws {
        for (option, value) in [("--alerts", "-"), ("--flows", "-"), ("--evidence", "-"), ("--report", "-")] {
            try assertRefused(
                ["replay", "--config", "zones.conf", "--output", "json", option, value, "in.pcap"], option: option,
                file: "-", kept: [capture])
        }
        try assertRefused(
            ["watch", "--interface", "lo", "--config", "zones.conf", "--flows", "-"], option: "--flows", file: "-",
            kept: [config])
        let out = try Harness.run(
            zonesep, ["replay", "--config", "zones.conf", "--output", "json", "--alerts", "./-", "in.pcap"],
            timeout: 60, in: scratch)
        XCTAssertEqual(out.status, 1, out.brief)
        let alerts = try String(contentsOf: scratch.appendingPathComponent("-"), encoding: .utf8)
        XCTAssertEqual(
            alerts.split(separator: "\n").count,
            out.stdoutText.split(separator: "\n").filter { $0.contains("\"event_type\":\"alert\"") }.count)
        XCTAssertFalse(alerts.isEmpty)
    }

    /// What is not an input still runs: the check refuses clashes only.
    func testOutputsBesideTheInputsRun() throws {
        let out = try Harness.run(
            zonesep,
            [
                "replay", "--config", "zones.conf", "--alerts", "a.jsonl", "--flows", "f.jsonl", "--report", "r.html",
                "--evidence", "ev", "in.pcap",
            ], timeout: 60, in: scratch)
        XCTAssertEqual(out.status, 1, out.brief)
        XCTAssertTrue(FileManager.default.fileExists(atPath: scratch.appendingPathComponent("r.html").path))
    }
}
