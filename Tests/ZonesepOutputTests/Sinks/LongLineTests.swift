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
