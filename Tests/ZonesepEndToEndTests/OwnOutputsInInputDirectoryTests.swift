import Foundation
import XCTest

/// `replay DIR --evidence DIR/ev`: the walk of DIR leaves out the run's own outputs (its evidence directory,
/// its alerts, flows and report files), and the summary's `files` lists each with the reason. A second run
/// read the first run's evidence back as captures: every packet counted twice, and files read while this
/// run rewrote them.
final class OwnOutputsInInputDirectoryTests: ScratchDirectoryTestCase {
    func testASecondRunDoesNotReadItsOwnEvidenceOrAlerts() throws {
        let caps = scratch.appendingPathComponent("caps")
        try FileManager.default.createDirectory(at: caps, withIntermediateDirectories: true)
        for name in ["span-2330.pcap", "span-0000.pcapng", "span-0015.pcap"] {
            try FileManager.default.copyItem(
                at: root.appendingPathComponent("captures/\(name)"), to: caps.appendingPathComponent(name))
        }
        let arguments = [
            "replay", "--config", root.appendingPathComponent("zones.conf").path, "--output", "json", "--evidence",
            "caps/ev", "--alerts", "caps/alerts.jsonl", "caps",
        ]
        let first = try Harness.run(zonesep, arguments, timeout: 120, in: scratch)
        XCTAssertEqual(first.status, 1, first.brief)
        let evidence = try FileManager.default.contentsOfDirectory(atPath: caps.appendingPathComponent("ev").path)
        XCTAssertFalse(evidence.isEmpty, "the demonstration's violations leave evidence files")
        let second = try Harness.run(zonesep, arguments, timeout: 120, in: scratch)
        XCTAssertEqual(second.status, 1, second.brief)
        let a = try XCTUnwrap(JSONLines.replay(first).summary)
        let b = try XCTUnwrap(JSONLines.replay(second).summary)
        XCTAssertEqual(JSONLines.int(b["packets"]), JSONLines.int(a["packets"]), "each packet read once")
        XCTAssertEqual(JSONLines.int(b["flows"]), JSONLines.int(a["flows"]))
        let files = try XCTUnwrap(b["files"] as? [[String: Any]])
        let read = files.filter { JSONLines.isNull($0["skipped"]) }.compactMap { $0["path"] as? String }
        XCTAssertEqual(read.count, 3, "the three captures and nothing else: \(read)")
        let skipped = Dictionary(
            uniqueKeysWithValues: files.compactMap { f in
                (f["skipped"] as? String).map { (f["path"] as? String ?? "", $0) }
            })
        XCTAssertEqual(skipped["caps/ev"], "this run's own --evidence directory, not read as a capture")
        XCTAssertEqual(skipped["caps/alerts.jsonl"], "this run's own --alerts file, not read as a capture")
        XCTAssertTrue(second.stderrText.contains("caps/ev: this run's own --evidence directory"), second.brief)
    }
}
