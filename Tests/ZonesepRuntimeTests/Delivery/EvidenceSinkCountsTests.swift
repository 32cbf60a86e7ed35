import Foundation
import XCTest
import ZonesepCore
import ZonesepOutput
import ZonesepTestSupport

@testable import ZonesepRuntime

#if canImport(Glibc)
    import Glibc
#endif

/// The evidence sink's counts (the `stats` record's `sinks` and the metrics) say what the `evidence`
/// records say: `written` is the files closed whole with a SHA-256, `failed` the files closed incomplete
/// (and alerts whose file could not be made), and a file still open is in neither. Checked after every
/// batch of the demonstration's captures, with one open file tampered with so that it closes incomplete.
final class EvidenceSinkCountsTests: StdoutFileTestCase {
    func testWrittenCountsOnlyFilesClosedWholeAndHashed() throws {
        var c = DeliveryConfig()
        let evidenceDir = dir.appendingPathComponent("evidence").path
        c.evidenceDirectory = evidenceDir
        let (pipeline, session) = try deliver(c)

        /// The records on stdout so far: the evidence files alerts named, and the closing records.
        func records() throws -> (named: [String], hashed: Int, incomplete: [String]) {
            let objects = try String(contentsOfFile: stdoutPath, encoding: .utf8).split(separator: "\n")
                .compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] }
            let named = objects.filter { $0["event_type"] as? String == "alert" }.compactMap {
                $0["evidence"] as? String
            }
            let closing = objects.filter { $0["event_type"] as? String == "evidence" }
            return (
                named, closing.filter { $0["sha256"] is String }.count,
                closing.filter { $0["error"] != nil }.compactMap { $0["file"] as? String }
            )
        }
        func evidenceCounts() throws -> SinkCounts {
            try XCTUnwrap(pipeline.sinkCounts().first { $0.sink == "evidence" })
        }

        let (frames, linkType) = try SinkCombinationTests.frames()
        var tampered: String?
        var sawOpenFiles = false
        try session.process(frames, inBatchesOf: 7, linkType: linkType) { start in
            let r = try records()
            let counts = try evidenceCounts()
            let summary = pipeline.current().evidence
            let stats = try XCTUnwrap(summary?.stats)
            let open = try XCTUnwrap(summary?.open)
            XCTAssertEqual(
                counts.written, UInt64(r.hashed), "written: the files an evidence record hashed, at \(start)")
            XCTAssertEqual(counts.failed, UInt64(r.incomplete.count) + stats.notCreated, "failed, at \(start)")
            XCTAssertEqual(stats.hashed, counts.written)
            XCTAssertEqual(stats.files, stats.hashed + stats.incomplete + open, "created = whole + incomplete + open")
            if open > 0 { sawOpenFiles = true }
            // Another process writing to a file still open: it closes without a hash. A megabyte, more than
            // the writer's own later writes (which go at its offset) can cover.
            if tampered == nil, open > 0, let file = r.named.last {
                let fd = Glibc.open(evidenceDir + "/" + file, O_WRONLY | O_APPEND)
                XCTAssertGreaterThanOrEqual(fd, 0, file)
                let junk = [UInt8](repeating: 0x78, count: 1 << 20)
                XCTAssertEqual(Glibc.write(fd, junk, junk.count), junk.count)
                Glibc.close(fd)
                tampered = file
            }
        }
        XCTAssertTrue(sawOpenFiles, "files were open between batches (flows still running)")
        let file = try XCTUnwrap(tampered)

        var summary = session.finish(files: [])
        pipeline.finish(into: &summary)
        let r = try records()
        let counts = try evidenceCounts()
        let stats = try XCTUnwrap(summary.delivery?.evidence?.stats)
        XCTAssertEqual(r.incomplete, [file], "the file written to by another process closed without a hash")
        XCTAssertEqual(counts.failed, 1)
        XCTAssertEqual(counts.written, UInt64(r.hashed))
        XCTAssertEqual(UInt64(r.named.count), stats.files, "every alert's file")
        XCTAssertEqual(stats.files, counts.written + counts.failed, "every file closed: hashed or incomplete")
        XCTAssertEqual(summary.delivery?.evidence?.open, 0)
        XCTAssertTrue(summary.delivery?.json().contains("\"hashed\":\(counts.written),\"open\":0") ?? false)
        pipeline.close()
    }
}
