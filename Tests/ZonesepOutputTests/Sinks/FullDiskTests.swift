import Foundation
import XCTest
import ZonesepTestSupport

@testable import ZonesepOutput

/// The alerts file and stdout on a real full disk (a 64 KiB tmpfs): a record is written whole or not at
/// all, what could not be written is counted, and once space returns the file goes on on a fresh line
/// with a `sink_gap` record saying how many were lost. Before this, a cut line stayed in the file and the
/// next record was appended to it (an unparsable line), with nothing counted.
final class FullDiskTests: XCTestCase {
    let t0 = OutputFixtures.t0

    /// A record of 719 bytes with its newline, the size of the issue's: five and a bit fill a page.
    func record(_ n: Int) -> String {
        let head =
            #"{"timestamp":"\#(Timestamp.rfc3339(t0 + Int64(n) * 1_000_000))","event_type":"alert","n":\#(n),"pad":""#
        return head + String(repeating: "x", count: 718 - head.utf8.count - 2) + #""}"#
    }

    /// Every line of the file, each of which must parse as a JSON object.
    func parse(_ path: String) throws -> [[String: Any]] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var out: [[String: Any]] = []
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().enumerated() {
            let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            XCTAssertNotNil(o, "line \(i + 1) is not a JSON object (\(line.utf8.count) bytes): \(line.prefix(80))…")
            if let o { out.append(o) }
        }
        XCTAssertTrue(text.isEmpty || text.hasSuffix("\n"), "the file ends inside a line")
        return out
    }

    func testAlertsFileOnAFullDiskKeepsWholeLinesCountsTheLostAndSaysSoWhenSpaceReturns() throws {
        let disk = try TinyDisk(kilobytes: 64)
        let path = disk.path + "/alerts.jsonl"
        let f = try AlertFile(path: path)
        var events: [String] = []
        f.onEvent = { events.append($0) }
        f.sensor = "test-sensor"
        XCTAssertEqual(record(0).utf8.count + 1, 719)
        var written: [Int] = []
        var n = 0
        func write() {
            let before = f.lines
            f.write(line: record(n), timestampMicros: t0 + Int64(n) * 1_000_000)
            if f.lines > before { written.append(n) }
            n += 1
        }
        for _ in 0..<3 { write() }
        disk.fill()
        // The page the file has left takes two more records; the third is cut by the full disk.
        while f.lost < 6 && n < 100 { write() }
        XCTAssertEqual(f.lost, 6)
        XCTAssertEqual(written, [0, 1, 2, 3, 4])
        XCTAssertEqual(events.count, 1, "\(events)")
        XCTAssertTrue(events.first?.contains("No space left on device") ?? false, "\(events)")
        // While the disk is full the file holds whole records only.
        XCTAssertEqual(try parse(path).compactMap { $0["n"] as? Int }, written)

        disk.free()
        write()
        write()
        let records = try parse(path)
        XCTAssertEqual(records.compactMap { $0["n"] as? Int }, written)
        XCTAssertEqual(written, [0, 1, 2, 3, 4, 11, 12])
        let gaps = records.enumerated().filter { $0.element["event_type"] as? String == "sink_gap" }
        XCTAssertEqual(gaps.count, 1)
        let gap = try XCTUnwrap(gaps.first)
        XCTAssertEqual(gap.offset, 5, "the gap record comes right before the first record written again")
        XCTAssertEqual(gap.element["sink"] as? String, "alerts-file")
        XCTAssertEqual(gap.element["lost"] as? Int, 6)
        XCTAssertEqual(gap.element["first_lost"] as? String, Timestamp.rfc3339(t0 + 5_000_000))
        XCTAssertEqual(gap.element["last_lost"] as? String, Timestamp.rfc3339(t0 + 10_000_000))
        XCTAssertEqual(gap.element["timestamp"] as? String, Timestamp.rfc3339(t0 + 11_000_000))
        XCTAssertEqual(gap.element["error"] as? String, "write: No space left on device")
        XCTAssertEqual(gap.element["sensor"] as? String, "test-sensor")
        XCTAssertEqual(f.lost, 6)
        XCTAssertEqual(f.gaps, 1)
        XCTAssertEqual(f.lines, 7)
        XCTAssertEqual(events.count, 2, "one message when the outage begins, one when it ends: \(events)")
        XCTAssertTrue(events.last?.contains("6 records lost") ?? false, "\(events)")
    }

    func testAFileLeftEndingInsideALineGetsTheNextRecordOnALineOfItsOwn() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zonesep-cut-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("alerts.jsonl").path
        try (record(0) + "\n" + record(1).prefix(300)).write(toFile: path, atomically: false, encoding: .utf8)
        let f = try AlertFile(path: path)
        f.write(line: record(2), timestampMicros: t0)
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines, [record(0), String(record(1).prefix(300)), record(2)])
    }

    func testStdoutRedirectedToAFullDiskKeepsWholeLinesAndCountsTheRest() throws {
        let disk = try TinyDisk(kilobytes: 64)
        let path = disk.path + "/out.jsonl"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        let out = LineWriter(fd: fd, bufferSize: 4000)
        out.write(line: record(0))
        out.flush()
        disk.fill()
        for n in 1...20 { out.write(line: record(n)) }
        out.flush()
        let kept = try parse(path).compactMap { $0["n"] as? Int }
        XCTAssertEqual(kept, Array(0..<kept.count), "the lines written are the first ones, whole")
        XCTAssertEqual(Int(out.lostLines), 21 - kept.count)
        XCTAssertGreaterThan(out.lostLines, 0)
        XCTAssertEqual(out.failure, "No space left on device")
        disk.free()
        out.write(line: record(21))
        out.flush()
        XCTAssertEqual(try parse(path).compactMap { $0["n"] as? Int }, Array(0..<kept.count) + [21])
    }
}
