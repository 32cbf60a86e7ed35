import Foundation
import XCTest

@testable import ZonesepOutput

/// Whole-file reads and the atomic write of the report command, with failures that name the call.
final class WholeFileTests: XCTestCase {
    private var directory: String = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "wholefile-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    func testWriteThenReadGivesTheSameBytesAndLeavesNoTemporaryFile() throws {
        let path = directory + "/report.html"
        let bytes = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try WholeFile.writeAtomically(bytes, to: path)
        XCTAssertEqual(try WholeFile.read(path: path), bytes)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), ["report.html"])
        // A second write replaces the first whole.
        try WholeFile.writeAtomically(Array("short".utf8), to: path)
        XCTAssertEqual(try WholeFile.read(path: path), Array("short".utf8))
    }

    func testPiecesCoverTheFileInOrder() throws {
        let path = directory + "/big"
        let bytes = (0..<150_001).map { UInt8(truncatingIfNeeded: $0 >> 3) }
        try WholeFile.writeAtomically(bytes, to: path)
        var seen: [UInt8] = []
        var pieces = 0
        try WholeFile.forEachPiece(path: path) {
            seen.append(contentsOf: $0)
            pieces += 1
        }
        XCTAssertEqual(seen, bytes)
        XCTAssertEqual(pieces, 3)  // 64 KiB, 64 KiB, the rest
    }

    func testReadFromAPipeUntilItsEnd() throws {
        var fds: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&fds), 0)
        let text = Array("line one\nline two\n".utf8)
        XCTAssertEqual(text.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) }, text.count)
        close(fds[1])
        defer { close(fds[0]) }
        XCTAssertEqual(try WholeFile.read(fd: fds[0]), text)
    }

    func testFailuresNameTheCallAndTheReason() {
        XCTAssertThrowsError(try WholeFile.read(path: directory + "/missing")) {
            XCTAssertEqual("\($0)", "open: No such file or directory")
        }
        XCTAssertThrowsError(try WholeFile.read(path: directory)) {
            XCTAssertEqual("\($0)", "read: Is a directory")
        }
        let target = directory + "/no/such/dir/report.html"
        XCTAssertThrowsError(try WholeFile.writeAtomically([1, 2, 3], to: target)) {
            XCTAssertEqual("\($0)", "open \(target).tmp-\(getpid()): No such file or directory")
        }
    }
}
