import Foundation
import XCTest

/// `--max-flows` beyond what a flow table can hold is refused with a message and the usage status (2), for each
/// command that takes it. Before, 4e18 never finished starting (the index's size doubled past 2^62 and
/// wrapped to 0) and 1e11 ended in a fatal error with a backtrace (12.8 TB of entries asked for).
final class MaxFlowsOptionTests: XCTestCase {
    func testAnImpossibleCapIsRefused() throws {
        let zonesep = try Harness.zonesep()
        let root = try Harness.repositoryRoot()
        let config = root.appendingPathComponent("zones.conf").path
        let capture = root.appendingPathComponent("captures/span-0015.pcap").path
        for value in ["4000000000000000000", "100000000000", "268435457"] {
            for arguments in [
                ["replay", "--config", config, "--max-flows", value, capture],
                ["collect", "--config", config, "--listen", "udp://127.0.0.1:9", "--max-flows", value],
                ["watch", "--config", config, "--interface", "lo", "--max-flows", value],
            ] {
                let what = "\(arguments[0]) --max-flows \(value)"
                let outcome = try Harness.run(zonesep, arguments, timeout: 30)
                XCTAssertFalse(outcome.timedOut, what)
                XCTAssertTrue(outcome.exitedNormally, "\(what): \(outcome.brief)")
                XCTAssertEqual(outcome.status, 2, "\(what): \(outcome.brief)")
                XCTAssertTrue(
                    outcome.stderrText.contains("--max-flows must be at most 268435456, not \(value)"),
                    "\(what): \(outcome.brief)")
            }
        }
    }

    /// The largest cap allowed is a table mapped for it but filled only as flows come: a replay with it runs
    /// (it trapped in the table's mmap, the whole cap charged against the overcommit limit) or, where the
    /// system refuses that much address space, is refused with a message, never a trap.
    func testTheLargestCapRunsOrIsRefusedWithAMessage() throws {
        let zonesep = try Harness.zonesep()
        let root = try Harness.repositoryRoot()
        let config = root.appendingPathComponent("zones.conf").path
        let capture = root.appendingPathComponent("captures/span-0015.pcap").path
        let outcome = try Harness.run(
            zonesep, ["replay", "--config", config, "--max-flows", "268435456", capture], timeout: 60)
        XCTAssertFalse(outcome.timedOut)
        XCTAssertTrue(outcome.exitedNormally, outcome.brief)
        if outcome.status == 2 {
            XCTAssertTrue(outcome.stderrText.contains("mmap failed"), outcome.brief)
        } else {
            XCTAssertEqual(outcome.status, 1, "span-0015 holds violations: \(outcome.brief)")
            XCTAssertTrue(outcome.stderrText.isEmpty || !outcome.stderrText.contains("Fatal"), outcome.brief)
        }
    }
}
