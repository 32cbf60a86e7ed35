import Foundation
import Synchronization
import XCTest
import ZonesepTestSupport

@testable import ZonesepOutput

#if canImport(Glibc)
    import Glibc
#endif

/// An append-only file (`chattr +a`, a common hardening of audit logs) on a full disk: a write cut short
/// cannot be taken back, since the file refuses `ftruncate`. The cut line stays; it must be counted and
/// said, naming the file and the byte where it begins, not left for a reader to stumble on.
final class TornLineTests: XCTestCase {
    func testACutLineAnAppendOnlyFileKeepsIsCountedAndSaid() throws {
        let disk = try TinyDisk(kilobytes: 64)
        let path = disk.path + "/alerts.jsonl"
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: nil))
        let chattr = Process()
        chattr.executableURL = URL(fileURLWithPath: "/usr/bin/chattr")
        chattr.arguments = ["+a", path]
        guard (try? chattr.run()) != nil else { throw XCTSkip("no chattr (e2fsprogs) here") }
        chattr.waitUntilExit()
        guard chattr.terminationStatus == 0 else { throw XCTSkip("this tmpfs refuses chattr +a") }
        defer {
            let undo = Process()
            undo.executableURL = URL(fileURLWithPath: "/usr/bin/chattr")
            undo.arguments = ["-a", path]
            try? undo.run()
            undo.waitUntilExit()
        }
        // One page left: three lines of 2,000 bytes get the first two whole and part of the third.
        disk.fill()
        disk.free(bytes: 6_000)
        let fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        let said = Mutex<[String]>([])
        TornLines.report { m in said.withLock { $0.append(m) } }
        defer { TornLines.report { _ in } }
        let before = TornLines.count
        let line = [UInt8](repeating: UInt8(ascii: "x"), count: 1_999) + [0x0a]
        let bytes = line + line + line
        let outcome = bytes.withUnsafeBytes { WholeLines.write(fd: fd, $0) }
        XCTAssertEqual(outcome.error, ENOSPC)
        XCTAssertTrue(outcome.endsMidLine, "the cut could not be taken back")
        XCTAssertEqual(TornLines.count, before + 1)
        let messages = said.withLock { $0 }
        XCTAssertEqual(messages.count, 1, "\(messages)")
        XCTAssertTrue(
            messages.first?.hasPrefix("\(path): a write cut short could not be taken back") ?? false, "\(messages)")
        XCTAssertTrue(messages.first?.contains("from byte 4000") ?? false, "\(messages)")
        var st = stat()
        XCTAssertEqual(stat(path, &st), 0)
        XCTAssertGreaterThan(st.st_size, 4000, "the cut line is there")
    }
}
