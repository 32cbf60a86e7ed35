import Foundation
import XCTest

/// A file size limit (`ulimit -f`, systemd's `LimitFSIZE=`): a write past it sends SIGXFSZ, whose default
/// action ends the process with nothing finished (exit 153 from a shell). zonesep ignores the signal, so
/// the write fails with EFBIG and is counted like a full disk: every line written is whole, the lost ones
/// are said on stderr, and the run ends with its summary and a documented status. Run under `prlimit`
/// (util-linux), which sets the limit for the command alone, with stdout a pipe (which has no size) into
/// `cat`: bash's `pipefail` then gives zonesep's own status, 128 + 25 had SIGXFSZ ended it.
final class FileSizeLimitTests: ScratchDirectoryTestCase {
    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/prlimit") else {
            throw XCTSkip("prlimit (util-linux) is not installed")
        }
        try super.setUpWithError()
    }

    func testAFileSizeLimitIsAWriteErrorNotTheEndOfTheRun() throws {
        let limit = 10_000
        let alerts = scratch.appendingPathComponent("alerts.jsonl")
        let flows = scratch.appendingPathComponent("flows.jsonl")
        let command =
            "set -o pipefail; /usr/bin/prlimit --fsize=\(limit) -- '\(zonesep.path)' replay --config zones.conf"
            + " --output json --alerts '\(alerts.path)' --flows '\(flows.path)' captures | cat"
        let run = try Harness.run(URL(fileURLWithPath: "/bin/bash"), ["-c", command], timeout: 120, in: root)
        // Stdout is a pipe, which the limit does not touch: the summary arrives, with the verdict's status.
        XCTAssertEqual(run.status, 1, run.brief)
        XCTAssertTrue(run.stdoutLines.last?.contains("\"event_type\":\"summary\"") ?? false, run.brief)
        for (option, file) in [("--alerts", alerts), ("--flows", flows)] {
            let said = "\(option) \(file.path): write: File too large"
            XCTAssertTrue(run.stderrText.contains(said), "\(option): \(run.stderrText)")
            // Cut at the limit, between two lines: every line in the file is a whole JSON object.
            let data = try Data(contentsOf: file)
            XCTAssertLessThanOrEqual(data.count, limit)
            XCTAssertGreaterThan(data.count, 0)
            XCTAssertEqual(data.last, UInt8(ascii: "\n"), option)
            for line in data.split(separator: UInt8(ascii: "\n")) {
                XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(line)), option)
            }
        }
        // And the summary counts what those two files lost.
        let summary = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(String(run.stdoutLines.last ?? "").utf8)) as? [String: Any])
        let delivery = try XCTUnwrap(summary["delivery"] as? [String: Any], "\(summary.keys)")
        for name in ["alerts_file", "flows_file"] {
            let file = try XCTUnwrap(delivery[name] as? [String: Any], "\(delivery)")
            XCTAssertGreaterThan(file["lost"] as? Int ?? 0, 0, "\(name): \(file)")
            XCTAssertTrue((file["error"] as? String ?? "").contains("File too large"), "\(name): \(file)")
        }
    }
}
