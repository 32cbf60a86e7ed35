import Foundation
import XCTest

/// Two sensors' captures of one period replay as the capture they were split from: the files are merged
/// packet by packet in timestamp order, so every alert, flow count and matrix cell is the original's, and
/// only the per-file results in the summary tell the files apart. Files of successive periods replay one
/// after the other, as before.
final class MergedReplayTests: ScratchDirectoryTestCase {
    static let timeout: TimeInterval = 120

    /// Runs one of Wireshark's tools (editcap, mergecap), throwing with its message when it fails.
    static func tool(_ name: String, _ args: [String]) throws {
        let outcome = try Harness.run(URL(fileURLWithPath: "/usr/bin/\(name)"), args, timeout: timeout)
        guard outcome.exitedNormally, outcome.status == 0 else {
            throw HarnessError("\(name) \(args.joined(separator: " ")) failed: \(outcome.brief)")
        }
    }

    /// The demo captures as one classic pcap file in time order (`original.pcap`), and that file split in two
    /// the way two sensors on two links would see it — every other packet to each, a run of packets with one
    /// timestamp kept together — as `sensor-a.pcap` and `sensor-b.pcapng` (written by editcap). Returns the
    /// three paths and the two files' packet counts.
    static func splitDemo(into dir: URL) throws -> (original: String, a: String, b: String, counts: (Int, Int)) {
        let root = try Harness.repositoryRoot()
        let captures = try Harness.captureFiles(in: root.appendingPathComponent("captures")).map(\.path)
        let original = dir.appendingPathComponent("original.pcap").path
        try tool("mergecap", ["-F", "pcap", "-w", original] + captures)
        let data = try Data(contentsOf: URL(fileURLWithPath: original))
        func u32(_ at: Int) -> UInt32 { data.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: UInt32.self) } }
        guard data.count >= 24, u32(0) == 0xa1b2_c3d4 else { throw HarnessError("mergecap wrote no µs pcap") }
        var parts = [Data(data.prefix(24)), Data(data.prefix(24))]
        var counts = [0, 0]
        var at = 24
        var side = 1
        var previous: (UInt32, UInt32)? = nil
        while at + 16 <= data.count {
            let time = (u32(at), u32(at + 4))
            let end = at + 16 + Int(u32(at + 8))
            guard end <= data.count else { throw HarnessError("mergecap wrote a cut record") }
            if previous.map({ $0 != time }) ?? true { side = 1 - side }
            previous = time
            parts[side].append(data[at..<end])
            counts[side] += 1
            at = end
        }
        let a = dir.appendingPathComponent("sensor-a.pcap").path
        let bPcap = dir.appendingPathComponent("sensor-b.pcap").path
        let b = dir.appendingPathComponent("sensor-b.pcapng").path
        try parts[0].write(to: URL(fileURLWithPath: a))
        try parts[1].write(to: URL(fileURLWithPath: bPcap))
        try tool("editcap", ["-F", "pcapng", bPcap, b])
        try FileManager.default.removeItem(atPath: bPcap)
        return (original, a, b, (counts[0], counts[1]))
    }

    func replay(_ inputs: [String], reader: String = "auto") throws -> ProcessOutcome {
        let args = ["replay", "--config", root.appendingPathComponent("zones.conf").path, "--output", "json"]
        let outcome = try Harness.run(
            zonesep, args + ["--reader", reader] + inputs, timeout: Self.timeout)
        XCTAssertFalse(outcome.timedOut, "replay timed out")
        XCTAssertTrue(outcome.exitedNormally, outcome.brief)
        return outcome
    }

    /// The lines of a replay's JSON output, the summary without its per-file results, and those results.
    func parts(_ outcome: ProcessOutcome) throws -> (
        records: [Substring], summary: NSDictionary, files: [[String: Any]]
    ) {
        var lines = outcome.stdoutLines
        guard let last = lines.popLast(), var summary = JSONLines.object(last),
            summary["event_type"] as? String == "summary"
        else { throw HarnessError("no summary line last: \(outcome.brief)") }
        let files = summary.removeValue(forKey: "files") as? [[String: Any]] ?? []
        return (lines, summary as NSDictionary, files)
    }

    func testOverlappingCapturesReplayAsTheCaptureTheyWereSplitFrom() throws {
        let (original, a, b, counts) = try Self.splitDemo(into: scratch)
        XCTAssertGreaterThan(counts.0, 200)
        XCTAssertGreaterThan(counts.1, 200)
        let whole = try replay([original])
        let merged = try replay([b, a])
        XCTAssertEqual(merged.status, whole.status)
        XCTAssertEqual(whole.status, 1, "the demo captures hold violations")
        XCTAssertEqual(merged.stderrText, whole.stderrText)
        let w = try parts(whole)
        let m = try parts(merged)
        XCTAssertGreaterThan(w.records.count, 10)
        XCTAssertEqual(m.records, w.records, "alerts differ between the original and its two halves merged")
        XCTAssertEqual(m.summary, w.summary, "summary differs (per-file results aside)")
        // Each file keeps its own result, in time order (sensor-a holds the first packet).
        XCTAssertEqual(m.files.map { $0["path"] as? String }, [a, b])
        XCTAssertEqual(m.files.map { JSONLines.int($0["packets"]) }, [counts.0, counts.1])
        XCTAssertEqual(m.files.map { $0["link_type"] as? String }, ["EN10MB", "EN10MB"])
        XCTAssertEqual(m.files[0]["first_packet"] as? String, w.files[0]["first_packet"] as? String)
        let last = w.files[0]["last_packet"] as? String
        XCTAssertTrue(m.files.contains { $0["last_packet"] as? String == last }, "\(m.files)")
        // Through libpcap alone, byte for byte the same.
        let plain = try replay([b, a], reader: "libpcap")
        XCTAssertEqual(plain.stdout, merged.stdout)
        XCTAssertEqual(plain.stderrText, merged.stderrText)
    }

    func testSuccessivePeriodsReplayOneAfterTheOther() throws {
        let (original, _, _, _) = try Self.splitDemo(into: scratch)
        // editcap -c: files of 100 packets each, successive in time.
        let chunks = scratch.appendingPathComponent("chunks")
        try FileManager.default.createDirectory(at: chunks, withIntermediateDirectories: true)
        try Self.tool(
            "editcap", ["-F", "pcapng", "-c", "100", original, chunks.appendingPathComponent("part.pcapng").path])
        let whole = try replay([original])
        let split = try replay([chunks.path])
        let w = try parts(whole)
        let s = try parts(split)
        XCTAssertEqual(s.records, w.records)
        XCTAssertEqual(s.summary, w.summary)
        XCTAssertEqual(s.files.count, 6)
        // The demonstration's 580 frames (350 + 139 + 91, captures/README.md).
        XCTAssertEqual(s.files.compactMap { JSONLines.int($0["packets"]) }, [100, 100, 100, 100, 100, 80])
    }
}
