import Foundation
import XCTest
import ZonesepCore
import ZonesepOutput
import ZonesepTestSupport

@testable import ZonesepRuntime

#if canImport(Glibc)
    import Glibc
#endif

/// What the summary's `delivery.alerts_file` says of the file (REVIEW-142 F7): `lines` counts every line the
/// run put in it, its `sink_gap` lines too, and `error` is the error still in force, an outage that ended
/// being kept in `last_error` with its time.
final class AlertFileSummaryTests: TemporaryDirectoryTestCase {
    private func record(_ n: Int) -> Record {
        Record(
            kind: .notice, timestampMicros: 1_700_000_000_000_000 + Int64(n),
            json: "{\"n\":\(n),\"pad\":\"\(String(repeating: "x", count: 20))\"}", text: "")
    }

    /// A FIFO with no reader loses two records; once a reader comes, the next goes in after a `sink_gap`
    /// line: two lines in the FIFO, two in `lines` (it said 1).
    func testLinesCountTheSinkGapLines() throws {
        signal(SIGPIPE, SIG_IGN)
        let fifo = dir.appendingPathComponent("alerts.fifo").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let sink = try AlertFileSink(path: fifo, rotation: .none)
        sink.write(record(1))
        sink.write(record(2))
        sink.flush()
        let reader = open(fifo, O_RDONLY | O_NONBLOCK)
        XCTAssertGreaterThanOrEqual(reader, 0)
        defer { close(reader) }
        sink.write(record(3))
        sink.flush()
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = read(reader, &buffer, buffer.count)
        let got = String(decoding: buffer.prefix(max(0, n)), as: UTF8.self).split(separator: "\n")
        XCTAssertEqual(got.count, 2, "\(got)")
        let s = sink.summary
        XCTAssertEqual(s.lines, UInt64(got.count), "the sink_gap line and the record")
        XCTAssertEqual(s.gaps, 1)
        XCTAssertEqual(s.lost, 2)
        XCTAssertEqual(sink.counts.written, 1, "the sinks' counts stay records: one written, two failed")
        XCTAssertEqual(sink.counts.failed, 2)
        XCTAssertNil(s.error, "writing works again")
        XCTAssertTrue(s.lastError?.contains("no process has this FIFO open for reading") ?? false, "\(s)")
    }

    /// A rotation refused (the directory made immutable) and, after `chattr -i` and a SIGHUP reopen, done:
    /// `error` is null again (it kept "cannot rotate to …"), `last_error` says what it was and when.
    func testAnErrorThatNoLongerHoldsIsLastErrorNotError() throws {
        let chattr = URL(fileURLWithPath: "/usr/bin/chattr")
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: chattr.path) else {
            throw XCTSkip("needs root and chattr (e2fsprogs) to make a directory immutable")
        }
        let logs = dir.appendingPathComponent("logs")
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        let path = logs.appendingPathComponent("alerts.jsonl").path
        let sink = try AlertFileSink(path: path, rotation: .size(64))
        sink.write(record(0))
        sink.flush()
        func immutable(_ on: Bool) throws {
            let p = Process()
            p.executableURL = chattr
            p.arguments = [on ? "+i" : "-i", logs.path]
            try p.run()
            p.waitUntilExit()
            if on && p.terminationStatus != 0 { throw XCTSkip("chattr +i refused here (not ext2/3/4?)") }
        }
        try immutable(true)
        defer { try? immutable(false) }
        let before = WallClock.nowMicros()
        for i in 1...4 { sink.write(record(i)) }
        sink.flush()
        var s = sink.summary
        XCTAssertEqual(s.rotationFailures, 1)
        XCTAssertTrue(s.error?.contains("cannot rotate to \(path).1") ?? false, "\(s)")

        try immutable(false)
        sink.reopen()  // SIGHUP: the rotation is tried again at once
        sink.write(record(5))
        sink.flush()
        s = sink.summary
        XCTAssertEqual(s.rotations, 1)
        XCTAssertNil(s.error, "the rotation works again: \(s)")
        XCTAssertTrue(s.lastError?.contains("cannot rotate to \(path).1") ?? false, "\(s)")
        XCTAssertGreaterThanOrEqual(s.lastErrorMicros ?? 0, before)
        var d = DeliverySummary()
        d.alertsFile = s
        let json =
            try XCTUnwrap(
                JSONSerialization.jsonObject(with: Data(d.json().utf8)) as? [String: Any])["alerts_file"]
            as? [String: Any]
        XCTAssertTrue(json?["error"] is NSNull, "\(json ?? [:])")
        XCTAssertTrue((json?["last_error"] as? String)?.contains("cannot rotate") ?? false, "\(json ?? [:])")
        XCTAssertTrue((json?["last_error_time"] as? String)?.hasSuffix("Z") ?? false, "\(json ?? [:])")
    }
}
