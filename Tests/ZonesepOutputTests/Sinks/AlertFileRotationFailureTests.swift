import Foundation
import XCTest
import ZonesepTestSupport

@testable import ZonesepOutput

/// A rotation whose rename is refused: it was said nowhere but the summary's `error`, the file grew past its
/// limit, and every later line closed the file, tried the rename again and reopened it. Now the first
/// failure is said, every failure is counted, and the rename is tried again only after a pause (or a reopen).
final class AlertFileRotationFailureTests: TemporaryDirectoryTestCase {
    let t0 = OutputFixtures.t0

    func testAFailedRotationIsSaidOnceCountedAndNotRetriedForEveryLine() throws {
        // A name of 254 bytes: the file opens, but `NAME.1` is longer than a name may be (ENAMETOOLONG).
        let path = dir.appendingPathComponent(String(repeating: "a", count: 248) + ".jsonl").path
        var events: [String] = []
        let f = try AlertFile(path: path, rotation: .size(64), onEvent: { events.append($0) })
        for i in 0..<20 { f.write(line: "line \(i) " + String(repeating: "x", count: 20), timestampMicros: t0) }
        var batch = LineBatch()
        for i in 20..<40 { batch.append(line: "line \(i) " + String(repeating: "x", count: 20), timestampMicros: t0) }
        f.write(batch)
        XCTAssertEqual(f.lines, 40, "no line lost")
        XCTAssertEqual(f.rotations, 0)
        XCTAssertEqual(f.rotationFailures, 1, "tried once, then held back")
        XCTAssertEqual(events.count, 1, "\(events)")
        XCTAssertTrue(events.first?.contains("cannot rotate to \(path).1: File name too long") ?? false, "\(events)")
        XCTAssertTrue(events.first?.contains("grows past its limit") ?? false, "\(events)")
        let content = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertEqual(content.split(separator: "\n").count, 40)

        // A reopen (SIGHUP) tries again at once: counted, not said again, and held back again after it.
        f.reopen()
        f.write(line: "line 40", timestampMicros: t0)
        f.write(line: "line 41", timestampMicros: t0)
        XCTAssertEqual(f.rotationFailures, 2)
        XCTAssertEqual(events.count, 1, "\(events)")
        // Once the pause is over (here none), each line due to rotate tries again.
        f.rotationRetryNanos = 0
        f.reopen()
        f.write(line: "line 42", timestampMicros: t0)
        f.write(line: "line 43", timestampMicros: t0)
        XCTAssertEqual(f.rotationFailures, 4)
        XCTAssertEqual(f.lines, 44)
    }
}
