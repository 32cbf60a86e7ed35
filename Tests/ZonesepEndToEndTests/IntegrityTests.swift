import Foundation
import XCTest
import ZonesepTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// The issue's hostile environment, through the command line: a full disk under the alerts file and the
/// evidence directory, a flood of distinct violating flows against the suppression windows' cap, a
/// syslog collector that accepts and never reads, and syslog over TLS to rsyslog's GnuTLS driver, trusted
/// and not. In each, zonesep keeps judging, writes only whole records, never vouches for evidence it did
/// not write, and counts what it lost.
final class IntegrityTests: ScratchDirectoryTestCase {
    func replay(_ extra: [String], captures: String? = nil, timeout: TimeInterval = 120) throws -> ProcessOutcome {
        try Harness.run(
            zonesep,
            ["replay", "--config", root.appendingPathComponent("zones.conf").path, "--output", "json"] + extra
                + [captures ?? root.appendingPathComponent("captures").path], timeout: timeout, in: root)
    }

    func records(_ outcome: ProcessOutcome) -> [[String: Any]] {
        outcome.stdoutLines.compactMap { JSONLines.object($0) }
    }

    // MARK: - A full disk

    /// The alerts file and the evidence directory on a tmpfs with room for four pages: the first records
    /// and files go in, then the disk is full. The verdicts and stdout are those of a run without the
    /// disk; the file holds whole lines only; every evidence record on stdout either carries the hash of
    /// the file as it lies on disk or an error and no hash; the summary counts what was lost.
    func testAFullDiskStopsNeitherTheVerdictsNorStdoutAndWhatWasLostIsCounted() throws {
        let reference = records(try replay([]))
        let disk = try TinyDisk(kilobytes: 64)
        disk.fill()
        disk.free(bytes: 16 << 10)
        let alertsPath = disk.path + "/alerts.jsonl"
        let evidenceDir = disk.path + "/evidence"
        let outcome = try replay(["--alerts", alertsPath, "--evidence", evidenceDir, "--evidence-packets", "20"])
        XCTAssertEqual(outcome.status, 1, outcome.brief)
        let all = records(outcome)
        XCTAssertEqual(all.count, outcome.stdoutLines.count, "every stdout line is a JSON object")
        let alerts = all.filter { $0["event_type"] as? String == "alert" }
        let expected = reference.filter { $0["event_type"] as? String == "alert" }
        XCTAssertEqual(alerts.map { $0["flow_id"] as? String }, expected.map { $0["flow_id"] as? String })
        XCTAssertEqual(alerts.count, 27, "22 flows' alerts and 5 host findings")

        // Evidence: hashed files are whole and hash as said; the others say why and carry no hash.
        let evidence = all.filter { $0["event_type"] as? String == "evidence" }
        var hashed = 0
        var incomplete = 0
        for e in evidence {
            let file = try XCTUnwrap(e["file"] as? String)
            if let h = e["sha256"] as? String {
                hashed += 1
                XCTAssertNil(e["error"], "\(e)")
                XCTAssertEqual(try Coreutils.sha256sum(evidenceDir + "/" + file), h, file)
                var st = stat()
                XCTAssertEqual(stat(evidenceDir + "/" + file, &st), 0)
                XCTAssertEqual(JSONLines.int(e["bytes"]), Int(st.st_size), file)
                XCTAssertGreaterThan(st.st_size, 24, "not an empty file: \(file)")
            } else {
                incomplete += 1
                XCTAssertTrue(JSONLines.isNull(e["sha256"]), "\(e)")
                XCTAssertTrue((e["error"] as? String)?.contains("No space left on device") ?? false, "\(e)")
            }
        }
        let notCreated = alerts.filter { $0["evidence_error"] != nil }
        for a in notCreated {
            XCTAssertTrue(JSONLines.isNull(a["evidence"]), "\(a)")
            XCTAssertTrue((a["evidence_error"] as? String)?.contains("No space left on device") ?? false, "\(a)")
        }
        XCTAssertGreaterThan(hashed, 0, "some files fitted")
        XCTAssertGreaterThan(incomplete + notCreated.count, 0, "and some did not")
        let delivery = try XCTUnwrap(all.last?["delivery"] as? [String: Any])
        let ev = try XCTUnwrap(delivery["evidence"] as? [String: Any])
        XCTAssertEqual(JSONLines.int(ev["incomplete"]), incomplete)
        XCTAssertEqual(JSONLines.int(ev["not_created"]), notCreated.count)

        // The alerts file: whole lines only, each a record that stdout has too, and the rest counted.
        let text = try String(contentsOfFile: alertsPath, encoding: .utf8)
        XCTAssertTrue(text.isEmpty || text.hasSuffix("\n"))
        let fileLines = text.split(separator: "\n")
        for line in fileLines { XCTAssertNotNil(JSONLines.object(line), "a whole record: \(line.prefix(80))") }
        let stdoutLines = Set(outcome.stdoutLines.dropLast().map(String.init))
        XCTAssertTrue(fileLines.allSatisfy { stdoutLines.contains(String($0)) })
        let file = try XCTUnwrap(delivery["alerts_file"] as? [String: Any])
        XCTAssertEqual(JSONLines.int(file["lines"]), fileLines.count)
        XCTAssertEqual(JSONLines.int(file["lost"]), all.count - 1 - fileLines.count, "every record not in the file")
        XCTAssertGreaterThan(JSONLines.int(file["lost"]) ?? 0, 0)

        // Each sink says so once, not once a record (the evidence outage's end, and the end of the run, say
        // what it cost, naming the cause again); the closing line then gives every output's totals.
        let closing = outcome.stderrText.split(separator: "\n").filter { $0.contains("records lost on the way out") }
        let full = outcome.stderrText.split(separator: "\n").filter {
            $0.contains("No space left on device") && !$0.contains("since the first failure")
                && !$0.contains("records lost on the way out")
        }.count
        XCTAssertGreaterThanOrEqual(full, 2, outcome.stderrText)
        XCTAssertLessThanOrEqual(full, 3, outcome.stderrText)
        XCTAssertEqual(closing.count, 1, outcome.stderrText)
        let lost = JSONLines.int(file["lost"]) ?? 0
        XCTAssertTrue(
            closing.first?.contains("--alerts \(alertsPath): \(lost) of \(lost + fileLines.count) records") ?? false,
            outcome.stderrText)
    }

    /// Inodes run out under the evidence directory (a tmpfs of eight inodes, as the review's 64-inode
    /// ext4): most alerts' files cannot be created. stderr says so once for the cause, not once an alert
    /// (it used to be a line each), and at the end of the run says how many alerts got no file, as the
    /// summary's `not_created` does.
    func testEvidenceFilesThatCannotBeCreatedAreSaidOnceAndCountedAtTheEnd() throws {
        let disk = try TinyDisk(kilobytes: 1024, inodes: 8)
        let evidenceDir = disk.path + "/evidence"
        let outcome = try replay(["--evidence", evidenceDir])
        XCTAssertEqual(outcome.status, 1, outcome.brief)
        let all = records(outcome)
        let alerts = all.filter { $0["event_type"] as? String == "alert" }
        let notCreated = alerts.filter { $0["evidence_error"] != nil }
        XCTAssertGreaterThan(notCreated.count, 10, outcome.stderrText)
        for a in notCreated {
            XCTAssertTrue((a["evidence_error"] as? String)?.contains("No space left on device") ?? false, "\(a)")
        }
        let lines = outcome.stderrText.split(separator: "\n")
        XCTAssertEqual(lines.filter { $0.contains(": cannot be created: ") }.count, 1, outcome.stderrText)
        let end = lines.filter { $0.contains("files still cannot be created at the end of the run") }
        XCTAssertEqual(end.count, 1, outcome.stderrText)
        XCTAssertTrue(
            end.first?.contains(
                "since the first failure \(notCreated.count) alerts got no file; failures: No space left on device "
                    + "\(notCreated.count) times") ?? false, outcome.stderrText)
        let ev = try XCTUnwrap((all.last?["delivery"] as? [String: Any])?["evidence"] as? [String: Any])
        XCTAssertEqual(JSONLines.int(ev["not_created"]), notCreated.count)
    }

    /// stdout redirected to a file on a full disk: the lines that went out are whole, and stderr says how
    /// many did not, the summary's included.
    func testStdoutOnAFullDiskKeepsWholeLinesAndSaysHowManyWereLost() throws {
        let disk = try TinyDisk(kilobytes: 64)
        disk.fill()
        disk.free(bytes: 8 << 10)
        // stdout on the full disk, stderr beside the test.
        let stdoutPath = disk.path + "/out.jsonl"
        let stderrURL = scratch.appendingPathComponent("stderr")
        XCTAssertTrue(FileManager.default.createFile(atPath: stdoutPath, contents: nil))
        XCTAssertTrue(FileManager.default.createFile(atPath: stderrURL.path, contents: nil))
        let p = Process()
        p.executableURL = zonesep
        p.arguments = [
            "replay", "--config", root.appendingPathComponent("zones.conf").path, "--output", "json",
            root.appendingPathComponent("captures").path,
        ]
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stdoutPath))
        p.standardError = try FileHandle(forWritingTo: stderrURL)
        try p.run()
        p.waitUntilExit()
        let stderrText = try String(contentsOf: stderrURL, encoding: .utf8)
        XCTAssertEqual(p.terminationStatus, 1, stderrText)
        let text = try String(contentsOfFile: stdoutPath, encoding: .utf8)
        XCTAssertTrue(text.hasSuffix("\n"), "no cut line at the end")
        let lines = text.split(separator: "\n")
        XCTAssertGreaterThan(lines.count, 0)
        XCTAssertLessThan(lines.count, 28, "27 alerts and the summary do not fit in 8 KiB")
        for line in lines { XCTAssertNotNil(JSONLines.object(line), "a whole record: \(line.prefix(80))") }
        let said = stderrText.split(separator: "\n").filter { $0.contains("lines could not be written") }
        let counted = said.compactMap { line in
            line.split(separator: " ").firstIndex(of: "lines").flatMap { i in Int(line.split(separator: " ")[i - 1]) }
        }
        XCTAssertEqual(counted.reduce(0, +), 28 - lines.count, "27 alerts and the summary: \(stderrText)")
    }

    /// The `--flows` file on a full disk: the records that did not fit are counted in the summary's
    /// `delivery.flows_file`, as the alerts file's are (they used to be counted nowhere but on stderr).
    func testFlowRecordsLostOnAFullDiskAreCountedInTheSummary() throws {
        let disk = try TinyDisk(kilobytes: 64)
        disk.fill()
        disk.free(bytes: 16 << 10)
        let flowsPath = disk.path + "/flows.jsonl"
        let outcome = try replay(["--flows", flowsPath])
        XCTAssertEqual(outcome.status, 1, outcome.brief)
        let summary = try XCTUnwrap(records(outcome).last)
        XCTAssertEqual(summary["event_type"] as? String, "summary")
        let flows = try XCTUnwrap(JSONLines.int(summary["flows"]))
        XCTAssertEqual(flows, 61)
        let text = try String(contentsOfFile: flowsPath, encoding: .utf8)
        XCTAssertTrue(text.isEmpty || text.hasSuffix("\n"))
        let lines = text.split(separator: "\n")
        let flowLines = lines.compactMap { JSONLines.object($0) }.filter { $0["event_type"] as? String == "flow" }
        let file = try XCTUnwrap(
            (summary["delivery"] as? [String: Any])?["flows_file"] as? [String: Any], "\(summary["delivery"] ?? "none")"
        )
        XCTAssertEqual(file["path"] as? String, flowsPath)
        XCTAssertEqual(JSONLines.int(file["lines"]), lines.count)
        XCTAssertEqual(JSONLines.int(file["lost"]), flows - flowLines.count, "every flow record not in the file")
        XCTAssertGreaterThan(JSONLines.int(file["lost"]) ?? 0, 0, "16 KiB holds fewer than 61 flow records")
        XCTAssertGreaterThan(flowLines.count, 0, "and some")
        XCTAssertTrue((file["error"] as? String)?.contains("No space left on device") ?? false, "\(file)")
        XCTAssertEqual(JSONLines.int(file["rotations"]), 0)
        XCTAssertEqual(JSONLines.int(file["gaps"]), 0, "the disk stayed full")
    }

    // MARK: - A flood of distinct violating flows

    /// 5,000 LGWAN hosts each open one connection to the same Internet-zone server: 5,000 distinct
    /// suppression keys, which kept 5,000 windows of an hour open. At a cap of 100, 4,900 are closed early
    /// (counted), every flow still gets its alert, and none is folded.
    func testAFloodOfDistinctViolatingFlowsKeepsTheWindowsWithinTheirCap() throws {
        let pcap = scratch.appendingPathComponent("flood.pcap")
        try FloodCapture.write(to: pcap, flows: 5000)
        let outcome = try replay(
            ["--suppress-window", "1h", "--max-suppress-windows", "100"], captures: pcap.path)
        XCTAssertEqual(outcome.status, 1, outcome.brief)
        let all = records(outcome)
        XCTAssertEqual(all.filter { $0["event_type"] as? String == "alert" }.count, 5000)
        let summary = try XCTUnwrap(all.last)
        let alerts = try XCTUnwrap(summary["alerts"] as? [String: Any])
        XCTAssertEqual(JSONLines.int(alerts["total"]), 5000)
        XCTAssertEqual(JSONLines.int(alerts["suppressed"]), 0)
        let suppression = try XCTUnwrap((summary["delivery"] as? [String: Any])?["suppression"] as? [String: Any])
        XCTAssertEqual(JSONLines.int(suppression["max_windows"]), 100)
        XCTAssertEqual(JSONLines.int(suppression["evicted"]), 4900, "the cap held: at most 100 windows open")
    }

    // MARK: - A collector that never reads

    /// The collector accepts and never reads, with a small receive window. The issue counted thousands of
    /// messages as sent that sat in zonesep's own socket buffer, and exited 3 s past the flush timeout.
    func testACollectorThatNeverReadsIsNotCountedAsHavingReceivedAndTheTimeoutIsKept() throws {
        let (listener, port) = try StalledCollector.listen()
        defer { close(listener) }
        var started = Date()
        _ = try replay(["--evidence", scratch.appendingPathComponent("evidence-reference").path])
        let replayAlone = Date().timeIntervalSince(started)
        started = Date()
        let run = try Background(
            zonesep,
            [
                "replay", "--config", root.appendingPathComponent("zones.conf").path, "--output", "json",
                "--syslog", "tcp://127.0.0.1:\(port)", "--syslog-flush-timeout", "2", "--evidence",
                scratch.appendingPathComponent("evidence").path, root.appendingPathComponent("captures").path,
            ], in: scratch)
        defer { run.kill() }
        let connection = try StalledCollector.accept(listener)
        defer { close(connection) }
        let outcome = try run.wait(timeout: 60)
        let took = Date().timeIntervalSince(started)
        XCTAssertEqual(outcome.status, 1, outcome.brief)
        XCTAssertLessThan(
            took, replayAlone + 2 + 1,
            "the flush timeout (2 s) is kept within a second (the replay alone took \(replayAlone) s)")
        XCTAssertGreaterThan(took, 2, "and used: the collector might have read meanwhile")
        let all = records(outcome)
        let written = all.filter { $0["event_type"] as? String != "summary" }.count
        let s = try XCTUnwrap(((all.last?["delivery"] as? [String: Any])?["syslog"] as? [[String: Any]])?.first)
        let sent = try XCTUnwrap(JSONLines.int(s["sent"]))
        XCTAssertEqual(sent + (JSONLines.int(s["dropped_undelivered"]) ?? 0), written, "\(s)")
        XCTAssertGreaterThan(JSONLines.int(s["unacknowledged"]) ?? 0, 0, "\(s)")
        // What the collector's kernel acknowledged is what it holds; then the reset.
        let received = try StalledCollector.framesUntilEnd(connection)
        XCTAssertEqual(received, sent, "\(s)")
    }
}

/// A capture of `flows` TCP SYNs, each from its own LGWAN address (10.20.x.y) to one Internet-zone
/// server (10.30.7.8:445): each a sanitisation-bypass with a suppression key of its own.
enum FloodCapture {
    static func write(to url: URL, flows: Int) throws {
        var pcap = PcapBytes()
        let t0: Int64 = 1_795_132_800_000_000
        for i in 0..<flows {
            let mac: [UInt8] = [0x02, 0, 0, 0x30, 0x07, 0x08, 0x02, 0, 0, 0x20, UInt8(i >> 8 & 0xff), UInt8(i & 0xff)]
            let ip = PcapBytes.ipv4(
                6, id: UInt16(i & 0xffff), [10, 20, UInt8(1 + i / 250), UInt8(1 + i % 250)], [10, 30, 7, 8],
                payload: 20)
            let frame = mac + [0x08, 0x00] + ip + PcapBytes.tcpSYN(UInt16(40000 + i % 20000), 445)
            pcap.append(frame, micros: t0 + Int64(i / 1000) * 1_000_000 + Int64(i % 1000) * 1000)
        }
        try pcap.data.write(to: url)
    }
}

/// A TCP listener with a 4 KiB receive buffer whose connections are never read (until the end).
enum StalledCollector {
    static func listen() throws -> (Int32, UInt16) {
        let (fd, port) = try Loopback.bound(SOCK_STREAM, receiveBuffer: 4096)
        guard Glibc.listen(fd, 4) == 0 else {
            close(fd)
            throw HarnessError("listen: \(String(cString: strerror(errno)))")
        }
        return (fd, port)
    }

    static func accept(_ listener: Int32) throws -> Int32 {
        var p = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, 30_000) == 1 else { throw HarnessError("zonesep never connected") }
        let fd = Glibc.accept(listener, nil, nil)
        guard fd >= 0 else { throw HarnessError("accept: \(String(cString: strerror(errno)))") }
        return fd
    }

    /// Reads to the end of the stream (EOF or the reset) and counts the whole octet-counted frames.
    static func framesUntilEnd(_ fd: Int32) throws -> Int {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, 5000) == 1 else { break }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            data += buffer[0..<n]
        }
        var count = 0
        var at = 0
        while let space = data[at...].firstIndex(of: 0x20),
            let len = Int(String(decoding: data[at..<space], as: UTF8.self)), data.count >= space + 1 + len
        {
            count += 1
            at = space + 1 + len
        }
        return count
    }
}
