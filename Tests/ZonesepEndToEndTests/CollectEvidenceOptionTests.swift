import Foundation
import XCTest
import ZonesepTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// `collect` takes no `--evidence` (an export carries no packets): accepted, it wrote an empty pcap with a
/// SHA-256 for each alert, which read as whole evidence (REVIEW-102 F1). It is refused before anything
/// starts, and its help does not offer it; `replay` and `watch` still take it.
final class CollectEvidenceOptionTests: XCTestCase {
    func testCollectRefusesEvidenceAndReplayAndWatchOfferIt() throws {
        let root = try Harness.repositoryRoot()
        let zonesep = try Harness.zonesep()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zonesep-collect-ev-\(UUID())")
        defer { try? FileManager.default.removeItem(at: dir) }
        let port = try Loopback.freePort(SOCK_DGRAM)
        for option in [["--evidence", dir.path], ["--evidence-packets", "5"], ["--evidence-max-files", "3"]] {
            let outcome = try Harness.run(
                zonesep,
                [
                    "collect", "--config", root.appendingPathComponent("zones.conf").path, "--listen",
                    "udp://127.0.0.1:\(port)", "--stats-interval", "0",
                ] + option, timeout: 20)
            XCTAssertFalse(outcome.timedOut, "collect \(option) started: \(outcome.brief)")
            XCTAssertEqual(outcome.status, 2, outcome.brief)
            XCTAssertTrue(outcome.stderrText.contains(option[0]), outcome.stderrText)
            XCTAssertFalse(FileManager.default.fileExists(atPath: dir.path), "collect made the evidence directory")
        }
        let collectHelp = try Harness.run(zonesep, ["collect", "--help"], timeout: 20)
        XCTAssertEqual(collectHelp.status, 0, collectHelp.brief)
        XCTAssertTrue(collectHelp.stdoutText.contains("--suppress-window"), collectHelp.stdoutText)
        XCTAssertFalse(collectHelp.stdoutText.contains("--evidence"), collectHelp.stdoutText)
        for command in ["replay", "watch"] {
            let help = try Harness.run(zonesep, [command, "--help"], timeout: 20)
            XCTAssertEqual(help.status, 0, help.brief)
            for option in ["--evidence <dir>", "--evidence-packets", "--evidence-max-bytes", "--evidence-max-files"] {
                XCTAssertTrue(help.stdoutText.contains(option), "\(command) --help lacks \(option)")
            }
            // One section holds delivery and evidence options alike.
            XCTAssertEqual(
                help.stdoutText.components(separatedBy: "ALERT DELIVERY AND EVIDENCE").count, 2, help.stdoutText)
        }
    }
}
