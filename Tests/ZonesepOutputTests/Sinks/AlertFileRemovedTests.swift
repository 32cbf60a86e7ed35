import Foundation
import XCTest
import ZonesepTestSupport

@testable import ZonesepOutput

#if canImport(Glibc)
    import Glibc
#endif

/// An alerts or flows file deleted while zonesep writes it (by hand, or by a cleanup job on a full disk):
/// every later record went to the unlinked file, counted as written, and no space was freed. The removal is
/// found before the next write, said, and the file made again at its path.
final class AlertFileRemovedTests: TemporaryDirectoryTestCase {
    let t0 = OutputFixtures.t0

    func testARemovedFileIsSaidAndMadeAgain() throws {
        let path = dir.appendingPathComponent("alerts.jsonl").path
        var events: [String] = []
        let f = try AlertFile(path: path, onEvent: { events.append($0) })
        f.write(line: "one", timestampMicros: t0)
        XCTAssertEqual(unlink(path), 0)
        f.write(line: "two", timestampMicros: t0 + 1)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "two\n")
        XCTAssertEqual(f.recreated, 1)
        XCTAssertEqual(events, ["\(path): the file was removed while being written; made again at its path"])

        // A batch's lines go to the new file too.
        XCTAssertEqual(unlink(path), 0)
        var batch = LineBatch()
        batch.append(line: "three", timestampMicros: t0 + 2)
        batch.append(line: "four", timestampMicros: t0 + 3)
        f.write(batch)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "three\nfour\n")
        XCTAssertEqual(f.recreated, 2)
        XCTAssertEqual(f.lines, 4)
        XCTAssertEqual(f.lost, 0)
    }

    /// A file moved away (logrotate without `copytruncate`) is not removed: it is written on until `SIGHUP`.
    func testAMovedFileIsWrittenOnUntilAReopen() throws {
        let path = dir.appendingPathComponent("alerts.jsonl").path
        var events: [String] = []
        let f = try AlertFile(path: path, onEvent: { events.append($0) })
        f.write(line: "one", timestampMicros: t0)
        XCTAssertEqual(rename(path, path + ".old"), 0)
        f.write(line: "two", timestampMicros: t0 + 1)
        XCTAssertEqual(try String(contentsOfFile: path + ".old", encoding: .utf8), "one\ntwo\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
        XCTAssertEqual(f.recreated, 0)
        XCTAssertEqual(events, [])
    }
}
