import Foundation
import XCTest
import ZonesepCore
import ZonesepOutput
import ZonesepTestSupport

@testable import ZonesepRuntime

/// Standard output writes a JSON summary as it is rendered, in pieces (after a scan it is megabytes): the
/// bytes must be the summary's whole line after the lines before it, and on a full disk the part written
/// is taken back and the summary counted as the one line lost, as when it went out in one write.
final class StdoutSummaryTests: XCTestCase {
    static let policy = Policy(
        PolicyConfig(
            sensor: "stdout-summary",
            zones: [Zone(id: "mynumber", kind: .mynumber, label: "m", networks: [IPPrefix("10.10.0.0/16")!])]))

    /// A summary listing `count` violating flows (about 300 bytes each in JSON).
    static func summary(violations count: Int) -> ReplaySummary {
        let violations = (0..<count).map { i -> Violation in
            var e = FlowEntry(
                key: FlowKey(
                    addressA: IPAddress(rawValue: 0x0a0a_0000 | UInt128(i & 0xffff)),
                    addressB: IPAddress(rawValue: 0xc000_0200 | UInt128(i & 0xff)), portA: UInt16(i & 0xffff),
                    portB: 443, proto: 6, vlans: 0))
            e.serial = UInt64(i)
            e.rule = RuleID.mynumberIsolation.rawValue
            e.firstSeen = Int64(i) * 1000
            e.lastSeen = e.firstSeen + 5
            e.packetsAB = UInt64(i % 7 + 1)
            return Violation(alert: Alert(flow: e)!, flow: e, end: .idle)
        }
        return ReplaySummary(
            policy: policy, counters: Counters(), matrix: ZoneMatrix(zoneCount: 1), files: [], flowsActive: 0,
            flowsEvicted: 0, flowCapacity: 1, violations: violations)
    }

    static let before = Array(#"{"event_type":"notice","n":1}"#.utf8)

    func noticeRecord() -> Record {
        Record(kind: .notice, timestampMicros: 0, jsonBytes: { Self.before }, text: { "notice" })
    }

    func testTheSummaryInPiecesIsItsWholeLineAfterTheLinesBeforeIt() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("stdout-summary-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        // Shorter than the output's buffer, and many times longer.
        for count in [0, 3, 2_000] {
            let path = dir.path + "/out-\(count).jsonl"
            let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            XCTAssertGreaterThanOrEqual(fd, 0)
            defer { close(fd) }
            let stdout = StdoutSink(format: .json, flushEachLine: false, fd: fd)
            let summary = Self.summary(violations: count)
            let record = summary.record(format: .json)
            XCTAssertNotNil(record.jsonPieces)
            stdout.write(noticeRecord())
            XCTAssertTrue(stdout.writeSummary(record))
            let whole = summary.jsonBytes()
            if count == 2_000 { XCTAssertGreaterThan(whole.count, 4 * (1 << 16)) }
            XCTAssertEqual(
                Array(try Data(contentsOf: URL(fileURLWithPath: path))), Self.before + [0x0a] + whole + [0x0a],
                "\(count) violations")
            XCTAssertEqual(stdout.counts.written, 2)
            XCTAssertEqual(stdout.counts.failed, 0)
        }
    }

    func testASummaryCutByAFullDiskIsTakenBackAndCountedAsOneLine() throws {
        let disk = try TinyDisk(kilobytes: 64)
        let path = disk.path + "/out.jsonl"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        let stdout = StdoutSink(format: .json, flushEachLine: false, fd: fd)
        stdout.write(noticeRecord())
        stdout.finish(at: 0)
        _ = disk.fill()
        // Room for some of the summary's pieces only.
        disk.free(bytes: 24_576)
        XCTAssertFalse(stdout.writeSummary(Self.summary(violations: 2_000).record(format: .json)))
        XCTAssertEqual(Array(try Data(contentsOf: URL(fileURLWithPath: path))), Self.before + [0x0a])
        XCTAssertEqual(stdout.counts.failed, 1)
        XCTAssertEqual(stdout.failure, "No space left on device")
        disk.free()
        // The next line starts where the summary would have.
        stdout.write(noticeRecord())
        stdout.finish(at: 0)
        XCTAssertEqual(
            Array(try Data(contentsOf: URL(fileURLWithPath: path))), Self.before + [0x0a] + Self.before + [0x0a])
    }
}
