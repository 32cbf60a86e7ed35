import Foundation
import XCTest
import ZonesepTestSupport

@testable import ZonesepOutput

/// `--alerts FILE` on a real file system: appending, size and day rotation without losing a line, and
/// reopening after the file was moved away.
final class AlertFileTests: TemporaryDirectoryTestCase {
    /// Packet times come from files: a crafted one near Int64.min must give its floor day and second, not
    /// trap (the subtraction the floor division once used overflowed there).
    func testExtremePacketTimesFloorWithoutTrapping() {
        XCTAssertEqual(AlertFile.day(of: Int64.min), -106_751_992)
        XCTAssertEqual(AlertFile.day(of: -1), -1)
        XCTAssertEqual(AlertFile.day(of: 0), 0)
        XCTAssertEqual(AlertFile.day(of: 86_400_000_000 - 1), 0)
        XCTAssertEqual(AlertFile.day(of: Int64.max), 106_751_991)
        var limiter = AlertRateLimiter(maxPerSecond: 1)
        XCTAssertTrue(limiter.admit(at: Int64.min))
        // Int64.min lies 224,192 µs into its second; the next second starts 775,808 µs later.
        XCTAssertFalse(limiter.admit(at: Int64.min + 775_807), "the same (floor) second")
        XCTAssertTrue(limiter.admit(at: Int64.min + 775_808))
    }

    var path: String { dir.appendingPathComponent("alerts.jsonl").path }
    let day: Int64 = 86_400_000_000
    let t0 = OutputFixtures.t0

    func lines(_ name: String) throws -> [String] {
        try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init)
    }

    func files() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() }

    func record(_ i: Int, at micros: Int64) -> String {
        #"{"timestamp":"\#(Timestamp.rfc3339(micros))","n":\#(i)}"#
    }

    func testAppendsAcrossOpens() throws {
        try "existing\n".write(toFile: path, atomically: false, encoding: .utf8)
        let f = try AlertFile(path: path)
        f.write(line: "one", timestampMicros: t0)
        f.write(line: "two", timestampMicros: t0)
        XCTAssertEqual(try lines("alerts.jsonl"), ["existing", "one", "two"])
        XCTAssertEqual(f.lines, 2)
        XCTAssertNil(f.failure)
    }

    func testSizeRotationKeepsEveryLineWholeAndInOrder() throws {
        let f = try AlertFile(path: path, rotation: .size(100))
        var written: [String] = []
        for i in 0..<40 {
            let line = record(i, at: t0 + Int64(i))
            written.append(line)
            f.write(line: line, timestampMicros: t0 + Int64(i))
        }
        let names = try files()
        XCTAssertGreaterThan(names.count, 5)
        // FILE.1 is the oldest; the numbers only grow, so nothing is renamed twice.
        let rotated = names.filter { $0 != "alerts.jsonl" }.sorted {
            Int($0.split(separator: ".").last!)! < Int($1.split(separator: ".").last!)!
        }
        XCTAssertEqual(rotated.first, "alerts.jsonl.1")
        var all: [String] = []
        for name in rotated + ["alerts.jsonl"] {
            let content = try lines(name)
            let size = content.reduce(0) { $0 + $1.utf8.count + 1 }
            XCTAssertLessThanOrEqual(size, 100, name)
            all += content
        }
        XCTAssertEqual(all, written)
        XCTAssertEqual(f.rotations, UInt64(rotated.count))
    }

    /// A file another process cut short while zonesep writes it (logrotate's `copytruncate`, `: > FILE`):
    /// size rotation goes by what the file holds, not by what was written to it before the cut.
    func testSizeRotationCountsFromWhatAFileCutShortStillHolds() throws {
        let f = try AlertFile(path: path, rotation: .size(100))
        let line = String(repeating: "a", count: 40)  // 41 bytes with its newline
        f.write(line: line, timestampMicros: t0)
        XCTAssertEqual(truncate(path, 0), 0)
        f.write(line: line + "b", timestampMicros: t0)
        f.write(line: line + "c", timestampMicros: t0)
        XCTAssertEqual(try files(), ["alerts.jsonl"], "84 bytes held: no rotation")
        XCTAssertEqual(try lines("alerts.jsonl"), [line + "b", line + "c"])
        XCTAssertEqual(f.rotations, 0)
        f.write(line: line + "d", timestampMicros: t0)
        XCTAssertEqual(try files(), ["alerts.jsonl", "alerts.jsonl.1"], "a third line would make 126 bytes")
        XCTAssertEqual(try lines("alerts.jsonl"), [line + "d"])
    }

    func testALineLongerThanTheLimitGetsAFileOfItsOwn() throws {
        let f = try AlertFile(path: path, rotation: .size(10))
        f.write(line: "short", timestampMicros: t0)
        f.write(line: String(repeating: "x", count: 50), timestampMicros: t0)
        f.write(line: "tail", timestampMicros: t0)
        XCTAssertEqual(try lines("alerts.jsonl.1"), ["short"])
        XCTAssertEqual(try lines("alerts.jsonl.2"), [String(repeating: "x", count: 50)])
        XCTAssertEqual(try lines("alerts.jsonl"), ["tail"])
    }

    func testDayRotationByPacketTime() throws {
        let f = try AlertFile(path: path, rotation: .day)
        f.write(line: record(1, at: t0 + 10), timestampMicros: t0 + 10)  // 2026-11-20
        f.write(line: record(2, at: t0 + day - 1), timestampMicros: t0 + day - 1)
        f.write(line: record(3, at: t0 + day), timestampMicros: t0 + day)  // 2026-11-21
        // Late (a flow that idled out after midnight): to its own day's file, not the next day's.
        f.write(line: record(4, at: t0 + day - 5), timestampMicros: t0 + day - 5)
        f.write(line: record(5, at: t0 + 3 * day), timestampMicros: t0 + 3 * day)  // 2026-11-23
        // Late by two days, to a day that had no file: one is made for it.
        f.write(line: record(6, at: t0 + 2 * day + 7), timestampMicros: t0 + 2 * day + 7)
        XCTAssertEqual(
            try files(),
            ["alerts.jsonl", "alerts.jsonl.20261120", "alerts.jsonl.20261121", "alerts.jsonl.20261122"])
        XCTAssertEqual(
            try lines("alerts.jsonl.20261120"),
            [record(1, at: t0 + 10), record(2, at: t0 + day - 1), record(4, at: t0 + day - 5)])
        XCTAssertEqual(try lines("alerts.jsonl.20261121"), [record(3, at: t0 + day)])
        XCTAssertEqual(try lines("alerts.jsonl.20261122"), [record(6, at: t0 + 2 * day + 7)])
        XCTAssertEqual(try lines("alerts.jsonl"), [record(5, at: t0 + 3 * day)])
        XCTAssertEqual(f.lines, 6)
        XCTAssertEqual(f.earlierDayLines, 2)
    }

    /// The batch writer sends a late line to its day's file as the line writer does, and keeps the lines
    /// around it in their files and order.
    func testABatchSendsALateLineToItsDaysFile() throws {
        let f = try AlertFile(path: path, rotation: .day)
        let times = [t0 + 10, t0 + day + 1, t0 + day - 3, t0 + day + 2, t0 + day - 2, t0 + day + 3]
        f.write(lines: times.enumerated().map { (record($0.offset, at: $0.element), $0.element) })
        XCTAssertEqual(try files(), ["alerts.jsonl", "alerts.jsonl.20261120"])
        XCTAssertEqual(
            try lines("alerts.jsonl.20261120"),
            [record(0, at: t0 + 10), record(2, at: t0 + day - 3), record(4, at: t0 + day - 2)])
        XCTAssertEqual(
            try lines("alerts.jsonl"),
            [record(1, at: t0 + day + 1), record(3, at: t0 + day + 2), record(5, at: t0 + day + 3)])
        XCTAssertEqual(f.lines, 6)
    }

    /// `--alerts /dev/null` (or a FIFO) with rotation: the device is written into and never renamed. A
    /// rename would move the machine's `/dev/null` and leave a regular file in its place.
    func testADeviceIsNeverRotated() throws {
        let node = dir.appendingPathComponent("null").path
        let nullDevice: dev_t = 1 << 8 | 3  // major 1, minor 3, as Linux encodes small numbers
        guard mknod(node, S_IFCHR | 0o666, nullDevice) == 0 else {
            throw XCTSkip("mknod of a null device refused here: \(String(cString: strerror(errno)))")
        }
        for rotation in [AlertFile.Rotation.size(100), .day] {
            let f = try AlertFile(path: node, rotation: rotation)
            for i in 0..<20 { f.write(line: record(i, at: t0 + Int64(i) * day), timestampMicros: t0 + Int64(i) * day) }
            XCTAssertEqual(f.lines, 20, "\(rotation)")
            XCTAssertEqual(f.rotations, 0, "\(rotation)")
            XCTAssertNil(f.failure, "\(rotation)")
            var st = stat()
            XCTAssertEqual(stat(node, &st), 0)
            XCTAssertEqual(st.st_mode & S_IFMT, S_IFCHR, "still the device after \(rotation)")
            XCTAssertEqual(try files(), ["null"], "nothing renamed beside it")
        }
    }

    /// `--alerts /dev/stdout` with stdout redirected to a file: the path leads through `/proc`, and rotating
    /// it would rename `/dev/stdout` itself. Lines go to the open file, unrotated.
    func testAPathThroughProcIsNeverRotated() throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o640)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        let f = try AlertFile(path: "/proc/self/fd/\(fd)", rotation: .size(100))
        for i in 0..<20 { f.write(line: record(i, at: t0 + Int64(i)), timestampMicros: t0 + Int64(i)) }
        XCTAssertEqual(f.rotations, 0)
        XCTAssertNil(f.failure)
        XCTAssertEqual(try lines("alerts.jsonl").count, 20)
        XCTAssertEqual(try files(), ["alerts.jsonl"])
    }

    func testDayRotationResumesWithTheDayOfTheLastLineInTheFile() throws {
        do {
            let f = try AlertFile(path: path, rotation: .day)
            f.write(line: record(1, at: t0), timestampMicros: t0)
        }
        let again = try AlertFile(path: path, rotation: .day)
        again.write(line: record(2, at: t0 + day), timestampMicros: t0 + day)
        XCTAssertEqual(try lines("alerts.jsonl.20261120"), [record(1, at: t0)])
        XCTAssertEqual(try lines("alerts.jsonl"), [record(2, at: t0 + day)])
    }

    func testRotatingOntoAnExistingDayFileTakesTheNextNumber() throws {
        try "earlier\n".write(toFile: path + ".20261120", atomically: false, encoding: .utf8)
        let f = try AlertFile(path: path, rotation: .day)
        f.write(line: record(1, at: t0), timestampMicros: t0)
        f.write(line: record(2, at: t0 + day), timestampMicros: t0 + day)
        XCTAssertEqual(try lines("alerts.jsonl.20261120"), ["earlier"])
        XCTAssertEqual(try lines("alerts.jsonl.20261120.1"), [record(1, at: t0)])
    }

    func testReopenAfterTheFileWasMovedAway() throws {
        let f = try AlertFile(path: path)
        f.write(line: "before", timestampMicros: t0)
        try FileManager.default.moveItem(atPath: path, toPath: path + ".moved")
        f.write(line: "still the old file", timestampMicros: t0)
        XCTAssertNil(f.reopen())
        f.write(line: "after", timestampMicros: t0)
        XCTAssertEqual(try lines("alerts.jsonl.moved"), ["before", "still the old file"])
        XCTAssertEqual(try lines("alerts.jsonl"), ["after"])
    }

    func testUnwritablePathIsAnErrorNamingIt() {
        XCTAssertThrowsError(try AlertFile(path: dir.appendingPathComponent("no/such/dir/a.jsonl").path)) { error in
            XCTAssertTrue("\(error)".contains("no/such/dir/a.jsonl"), "\(error)")
        }
    }

    func testRotationAndSizeSyntax() {
        XCTAssertEqual(AlertFile.Rotation.parse("day"), .day)
        XCTAssertEqual(AlertFile.Rotation.parse("size:10M"), .size(10 << 20))
        XCTAssertEqual(AlertFile.Rotation.parse("size:512"), .size(512))
        XCTAssertNil(AlertFile.Rotation.parse("size:0"))
        XCTAssertNil(AlertFile.Rotation.parse("size:10T"))
        XCTAssertNil(AlertFile.Rotation.parse("weekly"))
        XCTAssertEqual(ByteSize.parse("1G"), 1 << 30)
        XCTAssertEqual(ByteSize.parse("64k"), 64 << 10)
        XCTAssertNil(ByteSize.parse(""))
        XCTAssertNil(ByteSize.parse("99999999999999999999G"))
    }
}
