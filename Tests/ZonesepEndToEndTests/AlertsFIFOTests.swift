import Foundation
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// `--alerts FIFO` (or `--flows`) with no process reading it: the run neither hangs at start nor waits in
/// silence. It says so naming the FIFO, counts the records as lost, and ends as it would without the file.
final class AlertsFIFOTests: ScratchDirectoryTestCase {
    func testAFIFOWithoutAReaderDoesNotHoldUpTheRun() throws {
        let fifo = scratch.appendingPathComponent("alerts.fifo").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let flows = scratch.appendingPathComponent("flows.fifo").path
        XCTAssertEqual(mkfifo(flows, 0o600), 0)
        let out = try Harness.run(
            zonesep,
            [
                "replay", "--config", "zones.conf", "--output", "json", "--alerts", fifo, "--flows", flows,
                "captures/",
            ], timeout: 30, in: root)
        if out.timedOut {
            // The old open(2) blocked for a reader: give it one so that nothing is left waiting.
            for path in [fifo, flows] { close(open(path, O_RDONLY | O_NONBLOCK)) }
        }
        XCTAssertFalse(out.timedOut, "the run waited for a reader")
        XCTAssertEqual(out.status, 1, out.brief)
        for (option, path) in [("--alerts", fifo), ("--flows", flows)] {
            XCTAssertTrue(
                out.stderrText.contains("\(option) \(path): no process has this FIFO open for reading"), out.brief)
        }
        let summary = try XCTUnwrap(JSONLines.replay(out).summary)
        let delivery = try XCTUnwrap(summary["delivery"] as? [String: Any])
        let alertsFile = try XCTUnwrap(delivery["alerts_file"] as? [String: Any])
        XCTAssertEqual(JSONLines.int(alertsFile["lines"]), 0)
        XCTAssertGreaterThan(JSONLines.int(alertsFile["lost"]) ?? 0, 0)
    }
}
