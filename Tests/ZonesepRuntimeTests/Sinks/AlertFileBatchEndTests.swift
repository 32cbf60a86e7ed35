import Foundation
import XCTest
import ZonesepCore
import ZonesepOutput
import ZonesepTestSupport

@testable import ZonesepRuntime

#if canImport(Glibc)
    import Glibc
#endif

/// The demonstration's captures through a session whose delivery writes the alerts file (with evidence
/// records, and no syslog, whose batch end would come first): the file's records are gathered during a
/// batch and written when it ends, so a reader of the file sees each batch's records before the next
/// batch begins, the same records stdout got, in its order.
final class AlertFileBatchEndTests: StdoutFileTestCase {
    func testEachBatchsRecordsAreInTheFileWhenItEnds() throws {
        var c = DeliveryConfig()
        c.alertsPath = dir.appendingPathComponent("alerts.jsonl").path
        // Suppression's windows still open at the end give `alert_update` records then.
        c.suppressWindowMicros = 3_600_000_000
        c.evidenceDirectory = dir.appendingPathComponent("evidence").path
        // Standard output, line by line into a file of its own (`stdoutPath`): what entered the outputs so far.
        let (pipeline, session) = try deliver(c)

        func lines(_ path: String) throws -> [Substring] {
            try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        }
        let (frames, linkType) = try SinkCombinationTests.frames()
        var batchesWithRecords = 0
        var seen = 0
        try session.process(frames, inBatchesOf: 7, linkType: linkType) { start in
            // Read between batches, as `tail -f` would: everything stdout got is in the file already.
            let file = try lines(c.alertsPath!)
            XCTAssertEqual(file, try lines(stdoutPath), "after the batch at frame \(start)")
            if file.count > seen { batchesWithRecords += 1 }
            seen = file.count
        }
        XCTAssertGreaterThan(batchesWithRecords, 5, "records came in many batches, each written at its end")
        XCTAssertTrue(
            try lines(c.alertsPath!).contains { $0.contains("\"event_type\":\"evidence\"") },
            "evidence records (flows that ended within the capture) go in with their batch")
        // The end of the run: the flows still open end, their evidence files close, and the records that
        // says reach the file.
        let before = try lines(c.alertsPath!).count
        var summary = session.finish(files: [])
        pipeline.finish(into: &summary)
        let file = try lines(c.alertsPath!)
        XCTAssertGreaterThan(file.count, before, "the records of the run's end")
        XCTAssertEqual(file, try lines(stdoutPath))
        XCTAssertEqual(summary.delivery?.alertsFile?.lines, UInt64(file.count))
        pipeline.close()
    }
}
