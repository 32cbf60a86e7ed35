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

    /// `zonesep report -o /dev/null` as root: the device stays a device. Renaming the temporary file over
    /// it made the machine's `/dev/null` a regular file.
    func testADeviceIsWrittenIntoNotReplaced() throws {
        let node = directory + "/null"
        let nullDevice: dev_t = 1 << 8 | 3  // major 1, minor 3, as Linux encodes small numbers
        guard mknod(node, S_IFCHR | 0o666, nullDevice) == 0 else {
            throw XCTSkip("mknod of a null device refused here: \(String(cString: strerror(errno)))")
        }
        try WholeFile.writeAtomically(Array("report".utf8), to: node)
        var st = stat()
        XCTAssertEqual(stat(node, &st), 0)
        XCTAssertEqual(st.st_mode & S_IFMT, S_IFCHR, "still a character device")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), ["null"])
    }

    /// A FIFO (a reader waiting on `report -o FIFO`) gets the bytes, and stays a FIFO.
    func testAFIFOGetsTheBytesAndStaysAFIFO() throws {
        let fifo = directory + "/fifo"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        // The reader first (non-blocking), so that the writer's open does not wait for one.
        let reader = open(fifo, O_RDONLY | O_NONBLOCK)
        XCTAssertGreaterThanOrEqual(reader, 0)
        defer { close(reader) }
        let bytes = Array("<html>the report</html>\n".utf8)
        try WholeFile.writeAtomically(bytes, to: fifo)
        var got = [UInt8](repeating: 0, count: 4096)
        let n = got.withUnsafeMutableBytes { read(reader, $0.baseAddress, $0.count) }
        XCTAssertEqual(Array(got.prefix(max(n, 0))), bytes)
        var st = stat()
        XCTAssertEqual(stat(fifo, &st), 0)
        XCTAssertEqual(st.st_mode & S_IFMT, S_IFIFO, "still a FIFO")
    }

    /// `-o /dev/stdout` with stdout redirected to a file (`>> log.html`): the path leads through
    /// `/proc/self/fd`, and the open file is appended to, not replaced by a new one.
    func testAFileReachedThroughProcIsAppendedTo() throws {
        let path = directory + "/log.html"
        try WholeFile.writeAtomically(Array("earlier\n".utf8), to: path)
        let fd = open(path, O_WRONLY | O_APPEND)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        var before = stat()
        XCTAssertEqual(stat(path, &before), 0)
        XCTAssertTrue(WholeFile.writesInPlace("/proc/self/fd/\(fd)"))
        XCTAssertTrue(WholeFile.writesInPlace("/dev/stdout"))
        XCTAssertFalse(WholeFile.writesInPlace(directory + "/new.html"), "a new file is written atomically")
        try WholeFile.writeAtomically(Array("report\n".utf8), to: "/proc/self/fd/\(fd)")
        XCTAssertEqual(try WholeFile.read(path: path), Array("earlier\nreport\n".utf8))
        var after = stat()
        XCTAssertEqual(stat(path, &after), 0)
        XCTAssertEqual(after.st_ino, before.st_ino, "the same file, not a new one renamed into place")
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
