import Foundation
import XCTest
import ZonesepTestSupport

@testable import ZonesepOutput

#if canImport(Glibc)
    import Glibc
#endif

/// `--alerts FIFO` with no process reading it: opening it for writing blocked until a reader came, at start
/// (the run sat silent) and at a `SIGHUP` reopen (watch judged nothing and ignored `SIGTERM`). Now the open
/// fails at once, is said, the records are counted as lost, and the first record after a reader came goes
/// in after a `sink_gap` record.
final class AlertFileFIFOTests: TemporaryDirectoryTestCase {
    let t0 = OutputFixtures.t0

    /// Runs `body` on a thread of its own and waits at most 10 s; on the old code the open blocked, and a
    /// reader opened here then lets it go, so the test fails rather than hanging.
    func returnsPromptly(_ fifo: String, _ body: @escaping @Sendable () -> Void) -> Bool {
        let done = DispatchSemaphore(value: 0)
        Thread {
            body()
            done.signal()
        }.start()
        if done.wait(timeout: .now() + 10) == .success { return true }
        let reader = open(fifo, O_RDONLY | O_NONBLOCK)
        done.wait()
        close(reader)
        return false
    }

    func testNoReaderIsSaidAndCountedAndAReaderGetsTheRecordsAfterAGapRecord() throws {
        // As zonesep's main does: a FIFO whose reader left fails a write with EPIPE, counted as lost.
        signal(SIGPIPE, SIG_IGN)
        let fifo = dir.appendingPathComponent("alerts.fifo").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        nonisolated(unsafe) var file: AlertFile?
        nonisolated(unsafe) var events: [String] = []
        XCTAssertTrue(
            returnsPromptly(fifo) { file = try? AlertFile(path: fifo, onEvent: { events.append($0) }) },
            "opening a FIFO with no reader returns at once")
        let f = try XCTUnwrap(file)
        XCTAssertEqual(events, ["\(fifo): no process has this FIFO open for reading\(AlertFile.noReaderSaid)"])
        f.write(line: "one", timestampMicros: t0)
        f.write(line: "two", timestampMicros: t0 + 1)
        XCTAssertEqual(f.lost, 2)
        XCTAssertEqual(events.count, 1, "said once: \(events)")

        let reader = open(fifo, O_RDONLY | O_NONBLOCK)
        XCTAssertGreaterThanOrEqual(reader, 0)
        defer { close(reader) }
        f.write(line: "three", timestampMicros: t0 + 2)
        XCTAssertEqual(f.lines, 1)
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = read(reader, &buffer, buffer.count)
        let got = String(decoding: buffer.prefix(max(0, n)), as: UTF8.self).split(separator: "\n")
        XCTAssertEqual(got.count, 2, "\(got)")
        XCTAssertTrue(got.first?.contains(#""event_type":"sink_gap""#) ?? false, "\(got)")
        XCTAssertTrue(got.first?.contains(#""lost":2"#) ?? false, "\(got)")
        XCTAssertEqual(got.last, "three")
        XCTAssertTrue(events.last?.contains("writing again; 2 records lost") ?? false, "\(events)")

        // The reader goes; a reopen (SIGHUP) finds none and returns at once, saying so.
        close(reader)
        nonisolated(unsafe) var reopened: String?
        nonisolated(unsafe) let same = f
        XCTAssertTrue(returnsPromptly(fifo) { reopened = same.reopen() }, "a reopen with no reader returns at once")
        XCTAssertEqual(reopened, "\(fifo): no process has this FIFO open for reading\(AlertFile.noReaderSaid)")
        f.write(line: "four", timestampMicros: t0 + 3)
        XCTAssertEqual(f.lost, 3)
    }
}
