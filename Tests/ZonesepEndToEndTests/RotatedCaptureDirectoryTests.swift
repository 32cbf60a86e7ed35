import Foundation
import XCTest
import ZonesepTestSupport

/// A directory of captures rotated by `tcpdump -C` (`capture.pcap`, `capture.pcap1`, …) is read whole: the
/// files after the first used to be passed over for their names, without a word, and a run whose
/// violations were all in `capture.pcap1` read as clean and complete. A compressed file of the directory is
/// named as a capture not read, and any other file as skipped.
final class RotatedCaptureDirectoryTests: ScratchDirectoryTestCase {
    /// 2,900 allowed SYNs 10.20.3.4 → 10.20.5.10:25 (lgwan mail), then 100 SYNs 10.20.3.4 → 10.30.7.8:445
    /// (lgwan → internet), 10 ms apart, each with 300 bytes of payload: about 1.1 MB, so that `-C 1` puts
    /// the violations in the second file.
    func writeCapture(to url: URL) throws {
        var pcap = PcapBytes()
        let ethernet: [UInt8] = [2, 0, 0, 0, 0, 1, 2, 0, 0, 0x20, 3, 4, 0x81, 0x00, 0, 120, 0x08, 0x00]
        for i in 0..<3000 {
            let (dst, port): ([UInt8], UInt16) = i < 2900 ? ([10, 20, 5, 10], 25) : ([10, 30, 7, 8], 445)
            let ip = PcapBytes.ipv4(6, id: UInt16(i), [10, 20, 3, 4], dst, payload: 20 + 300)
            let tcp = PcapBytes.tcpSYN(UInt16(40000 + i), port) + [UInt8](repeating: 0x78, count: 300)
            pcap.append(ethernet + ip + tcp, micros: 1_781_485_200_000_000 + Int64(i) * 10_000)
        }
        try pcap.data.write(to: url)
    }

    func replay(_ inputs: [String]) throws -> ProcessOutcome {
        try Harness.run(
            zonesep,
            ["replay", "--config", root.appendingPathComponent("zones.conf").path, "--output", "json"] + inputs,
            timeout: 120)
    }

    /// tcpdump rotates the capture as it does in the field; the directory gives what the capture gives.
    func testEveryRotatedFileIsRead() throws {
        let whole = scratch.appendingPathComponent("whole.pcap")
        try writeCapture(to: whole)
        let dir = scratch.appendingPathComponent("rotated")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let rotate = try Harness.run(
            try Harness.tcpdump(),
            ["-r", whole.path, "-Z", "root", "-C", "1", "-w", dir.appendingPathComponent("capture.pcap").path],
            timeout: 60)
        XCTAssertEqual(rotate.status, 0, rotate.brief)
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        XCTAssertEqual(names, ["capture.pcap", "capture.pcap1"])
        try Data("sensor notes\n".utf8).write(to: dir.appendingPathComponent("README.txt"))

        let run = try replay([dir.path])
        XCTAssertEqual(run.status, 1, run.brief)
        let (alerts, summary, problems) = JSONLines.replay(run)
        XCTAssertEqual(problems, [])
        XCTAssertEqual(alerts.count, 100)
        XCTAssertEqual(JSONLines.int(summary?["packets"]), 3000)
        let files = try XCTUnwrap(summary?["files"] as? [[String: Any]])
        XCTAssertEqual(
            files.map { $0["path"] as? String },
            ["capture.pcap", "capture.pcap1", "README.txt"].map { dir.appendingPathComponent($0).path })
        XCTAssertEqual(files.map { JSONLines.int($0["packets"]) }, [2674, 326, 0])
        XCTAssertTrue(files.allSatisfy { JSONLines.isNull($0["error"]) }, "\(files)")
        XCTAssertEqual(files[2]["skipped"] as? String, "not a capture file (no pcap or pcapng header)")
        XCTAssertTrue(
            run.stderrText.contains(
                "1 file(s) in the directories given are not captures and were skipped (each is in the summary's "
                    + "files with the reason): " + dir.appendingPathComponent("README.txt").path),
            run.stderrText)
    }

    /// A gzip-compressed capture in the directory (logrotate's `compress`) is not read, and the run says so
    /// as it says an unreadable file: named on stderr and in `files` with its reason, exit status 2.
    func testACompressedCaptureIsNamedAsNotRead() throws {
        let dir = scratch.appendingPathComponent("logrotated")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try writeCapture(to: dir.appendingPathComponent("capture.pcap"))
        try writeCapture(to: dir.appendingPathComponent("capture.pcap.1"))
        let gzip = try Harness.run(
            URL(fileURLWithPath: "/usr/bin/env"), ["gzip", dir.appendingPathComponent("capture.pcap.1").path],
            timeout: 60)
        XCTAssertEqual(gzip.status, 0, gzip.brief)

        let run = try replay([dir.path])
        XCTAssertEqual(run.status, 2, run.brief)
        let (_, summary, problems) = JSONLines.replay(run)
        XCTAssertEqual(problems, [])
        let files = try XCTUnwrap(summary?["files"] as? [[String: Any]])
        let compressed = dir.appendingPathComponent("capture.pcap.1.gz").path
        let error = try XCTUnwrap(files.first { $0["path"] as? String == compressed }?["error"] as? String)
        XCTAssertEqual(
            error, compressed + ": compressed (gzip): decompress it first; zonesep reads pcap and pcapng files")
        XCTAssertTrue(run.stderrText.contains(error), run.stderrText)
    }

    /// Captures of formats libpcap does not read (editcap's snoop and NetMon 2.x of a capture holding the
    /// violations), under names no capture extension marks, were skipped as "not a capture file": no limit,
    /// and the report gave a plain all-clear over traffic never read (REVIEW-145 F0). They are named as
    /// captures not read, in the format capinfos names, with how to convert them; the run is limited.
    func testACaptureOfAnotherFormatIsNamedAsNotRead() throws {
        let dir = scratch.appendingPathComponent("tap")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let whole = scratch.appendingPathComponent("whole.pcap")
        try writeCapture(to: whole)
        // The directory's one pcap is clean: its first 100 packets, all allowed.
        let clean = try Harness.run(
            URL(fileURLWithPath: "/usr/bin/env"),
            ["editcap", "-r", whole.path, dir.appendingPathComponent("clean.pcap").path, "1-100"], timeout: 60)
        XCTAssertEqual(clean.status, 0, clean.brief)
        let others = [("snoop", "2026-06-15-span.snoop", "Sun snoop"), ("netmon2", "span2", "Microsoft NetMon 2.x")]
        for (format, name, _) in others {
            let convert = try Harness.run(
                URL(fileURLWithPath: "/usr/bin/env"),
                ["editcap", "-F", format, whole.path, dir.appendingPathComponent(name).path], timeout: 60)
            XCTAssertEqual(convert.status, 0, convert.brief)
        }
        try Data("sensor notes\n".utf8).write(to: dir.appendingPathComponent("README.txt"))

        let report = scratch.appendingPathComponent("tap.html")
        let run = try replay(["--report", report.path, dir.path])
        XCTAssertEqual(run.status, 2, run.brief)
        let (_, summary, problems) = JSONLines.replay(run)
        XCTAssertEqual(problems, [])
        let files = try XCTUnwrap(summary?["files"] as? [[String: Any]])
        for (_, name, type) in others {
            let path = dir.appendingPathComponent(name).path
            let capinfos = try Harness.run(URL(fileURLWithPath: "/usr/bin/env"), ["capinfos", "-t", path], timeout: 60)
            XCTAssertTrue(capinfos.stdoutText.contains("File type:           \(type)"), capinfos.stdoutText)
            let entry = try XCTUnwrap(files.first { $0["path"] as? String == path }, "\(files)")
            XCTAssertTrue(JSONLines.isNull(entry["skipped"]), "\(entry)")
            XCTAssertEqual(
                entry["error"] as? String,
                path + ": a capture in \(type) format, which zonesep does not read: convert it first "
                    + "(editcap -F pcapng FILE FILE.pcapng); zonesep reads pcap and pcapng files")
        }
        let readme = try XCTUnwrap(files.first { ($0["path"] as? String)?.hasSuffix("README.txt") ?? false })
        XCTAssertEqual(readme["skipped"] as? String, "not a capture file (no pcap or pcapng header)")
        let html = try String(contentsOf: report, encoding: .utf8)
        XCTAssertTrue(html.contains("data-limited=\"true\""), "a limited audit, not a plain all-clear")
        XCTAssertTrue(html.contains("読めないファイル 2 unreadable files"), html)
    }
}
