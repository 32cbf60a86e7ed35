import Foundation
import XCTest
import ZonesepTestSupport

@testable import ZonesepOutput

/// A line longer than a `LineWriter`'s buffer (a replay's summary after a scan: megabytes) is written from
/// where it lies rather than copied into the buffer: in order with the lines around it, and, on a full
/// disk, taken back whole like any other line.
final class LongLineTests: XCTestCase {
    /// A JSON line of `size` bytes numbered `n`.
    func line(_ n: Int, size: Int) -> [UInt8] {
        let head = #"{"n":\#(n),"pad":""#
        return Array((head + String(repeating: "x", count: size - head.utf8.count - 2) + #""}"#).utf8)
    }

    func numbers(_ path: String) throws -> [Int] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(text.isEmpty || text.hasSuffix("\n"), "the file ends inside a line")
        return try text.split(separator: "\n").map { l in
            let o = try JSONSerialization.jsonObject(with: Data(l.utf8)) as? [String: Any]
            return try XCTUnwrap(o?["n"] as? Int, "a line without its number: \(l.prefix(40))")
        }
    }

    func testLongLinesGoOutInOrderWithTheShortOnesAroundThem() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("longline-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.path + "/out.jsonl"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        let out = LineWriter(fd: fd, bufferSize: 4000)
        let sizes = [100, 200_000, 50, 4000, 3999, 300, 1_000_000]
        var expected: [UInt8] = []
        for (n, size) in sizes.enumerated() {
            let l = line(n, size: size)
            out.write(line: l)
            expected += l + [0x0a]
        }
        out.flush()
        XCTAssertEqual(try numbers(path), Array(sizes.indices))
        XCTAssertEqual(Array(try Data(contentsOf: URL(fileURLWithPath: path))), expected)
        XCTAssertEqual(out.lines, UInt64(sizes.count))
        XCTAssertEqual(out.lostLines, 0)
        XCTAssertNil(out.failure)
    }

    /// `line` handed to `writeLine(inPieces:)` in pieces of `size` (the last shorter).
    func writeInPieces(_ line: [UInt8], to out: LineWriter, size: Int) {
        out.writeLine { pieceSize, emit in
            XCTAssertEqual(pieceSize, out.limit)
            line.withUnsafeBufferPointer { all in
                var at = 0
                repeat {
                    let n = min(size, all.count - at)
                    emit(UnsafeBufferPointer(rebasing: all[at..<at + n]))
                    at += n
                } while at < all.count
            }
        }
    }

    /// A line handed over in pieces (the summary as it is rendered) goes out as the whole line would: the
    /// same bytes, in order with the lines around it, whether it is shorter than the buffer or not.
    func testALineInPiecesGoesOutAsTheWholeLine() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("longpieces-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.path + "/out.jsonl"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        let out = LineWriter(fd: fd, bufferSize: 4000)
        let sizes = [100, 200_000, 50, 4000, 3999, 300, 1_000_000, 40]
        var expected: [UInt8] = []
        for (n, size) in sizes.enumerated() {
            let l = line(n, size: size)
            if n % 2 == 0 { out.write(line: l) } else { writeInPieces(l, to: out, size: n == 1 ? 4000 : 1_500) }
            expected += l + [0x0a]
        }
        out.flush()
        XCTAssertEqual(try numbers(path), Array(sizes.indices))
        XCTAssertEqual(Array(try Data(contentsOf: URL(fileURLWithPath: path))), expected)
        XCTAssertEqual(out.lines, UInt64(sizes.count))
        XCTAssertEqual(out.lostLines, 0)
        XCTAssertNil(out.failure)
    }

    /// Into a file opened for appending, which other processes may append to as well (parallel replays
    /// `>>` one results file, systemd's `append:`), a line in pieces goes out in one write: another
    /// appender's line lands before or after it, never inside it, as with a whole line.
    func testALineInPiecesIntoAnAppendedFileIsOneWrite() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("longappend-\(getpid())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.path + "/out.jsonl"
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        let other = open(path, O_WRONLY | O_APPEND)
        XCTAssertGreaterThanOrEqual(fd, 0)
        XCTAssertGreaterThanOrEqual(other, 0)
        defer {
            close(fd)
            close(other)
        }
        let out = LineWriter(fd: fd, bufferSize: 4000)
        let long = line(0, size: 100_000)
        // The other process appends a line of its own between every two pieces.
        var appended = 0
        out.writeLine { _, emit in
            long.withUnsafeBufferPointer { all in
                var at = 0
                while at < all.count {
                    let n = min(4000, all.count - at)
                    emit(UnsafeBufferPointer(rebasing: all[at..<at + n]))
                    at += n
                    appended += 1
                    let theirs = self.line(appended, size: 30) + [0x0a]
                    XCTAssertEqual(theirs.withUnsafeBytes { Glibc.write(other, $0.baseAddress, $0.count) }, 31)
                }
            }
        }
        out.flush()
        XCTAssertEqual(try numbers(path).sorted(), Array(0...appended), "every line whole")
        XCTAssertEqual(out.lostLines, 0)
        // Not into a file opened without O_APPEND, nor a pipe: there the pieces go out as they come.
        XCTAssertFalse(LineWriter.appendsToRegularFile(-1))
        let plain = open(path, O_WRONLY)
        defer { close(plain) }
        XCTAssertFalse(LineWriter.appendsToRegularFile(plain))
        XCTAssertTrue(LineWriter.appendsToRegularFile(fd))
        var pipeEnds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&pipeEnds), 0)
        defer { pipeEnds.forEach { close($0) } }
        XCTAssertFalse(LineWriter.appendsToRegularFile(pipeEnds[1]))
    }

    /// A line in pieces cut by a full disk after some of its pieces went out is taken back whole and
    /// counted once, like a whole line; the writer goes on after it.
    func testALineInPiecesCutByAFullDiskIsTakenBackAndCounted() throws {
        let disk = try TinyDisk(kilobytes: 64)
        let path = disk.path + "/out.jsonl"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        let out = LineWriter(fd: fd, bufferSize: 4000)
        out.write(line: line(0, size: 100))
        out.flush()
        _ = disk.fill()
        disk.free(bytes: 16384)
        writeInPieces(line(1, size: 40_000), to: out, size: 4000)
        XCTAssertEqual(out.lostLines, 1)
        XCTAssertEqual(out.failure, "No space left on device")
        XCTAssertEqual(try numbers(path), [0], "the pieces written were taken back")
        disk.free()
        writeInPieces(line(2, size: 30_000), to: out, size: 7000)
        out.write(line: line(3, size: 40))
        writeInPieces(line(4, size: 40), to: out, size: 7)
        out.flush()
        XCTAssertEqual(try numbers(path), [0, 2, 3, 4])
        XCTAssertEqual(out.lostLines, 1)
        XCTAssertEqual(out.lines, 5)
    }

    func testALongLineCutByAFullDiskIsTakenBackAndCounted() throws {
        let disk = try TinyDisk(kilobytes: 64)
        let path = disk.path + "/out.jsonl"
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        let out = LineWriter(fd: fd, bufferSize: 4000)
        out.write(line: line(0, size: 100))
        out.flush()
        _ = disk.fill()
        // Room for part of the next line only: the write stops inside it.
        disk.free(bytes: 8192)
        out.write(line: line(1, size: 30_000))
        XCTAssertEqual(out.lostLines, 1)
        XCTAssertEqual(out.failure, "No space left on device")
        XCTAssertEqual(try numbers(path), [0], "the part of the line written was taken back")
        disk.free()
        out.write(line: line(2, size: 30_000))
        out.write(line: line(3, size: 40))
        out.flush()
        XCTAssertEqual(try numbers(path), [0, 2, 3])
        XCTAssertEqual(out.lostLines, 1)
    }
}
