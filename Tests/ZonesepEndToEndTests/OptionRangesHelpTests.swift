import Foundation
import XCTest

/// The ranges `watch` accepts for `--workers` and `--snaplen`, and the `d` unit `--suppress-window` takes, are
/// said where a user looks: `--help` and the refusal of a bad value. Before, only the refusal named the
/// ranges, and `d` was accepted but named nowhere.
final class OptionRangesHelpTests: XCTestCase {
    /// `--help` as one line of words: the wrapping of the columns does not matter.
    private func help(_ command: String) throws -> String {
        let outcome = try Harness.run(try Harness.zonesep(), [command, "--help"], timeout: 30)
        XCTAssertEqual(outcome.status, 0, outcome.brief)
        return outcome.stdoutText.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    func testWatchHelpGivesTheRangesOfWorkersAndSnaplen() throws {
        let text = try help("watch")
        XCTAssertTrue(text.contains("--workers <workers> Capture threads, 1 to 64,"), text)
        XCTAssertTrue(text.contains("--snaplen <snaplen> Bytes kept of each frame, 64 to 262144:"), text)
    }

    func testSuppressWindowNamesDaysInItsHelpAndItsRefusal() throws {
        for command in ["replay", "watch", "collect"] {
            XCTAssertTrue(try help(command).contains("0 (off), N s, N m, N h, N d."), command)
        }
        let root = try Harness.repositoryRoot()
        let config = root.appendingPathComponent("zones.conf").path
        let capture = root.appendingPathComponent("captures/span-0015.pcap").path
        let zonesep = try Harness.zonesep()
        let refused = try Harness.run(
            zonesep, ["replay", "--config", config, "--suppress-window", "2w", capture], timeout: 30)
        XCTAssertEqual(refused.status, 2, refused.brief)
        XCTAssertTrue(
            refused.stderrText.contains("--suppress-window: '2w' is not a duration (0, 90s, 30m, 1h, 1d)"),
            refused.brief)
        let days = try Harness.run(
            zonesep, ["replay", "--config", config, "--suppress-window", "1d", capture], timeout: 60)
        XCTAssertTrue(days.exitedNormally && days.status < 2, "1d is a window: \(days.brief)")
    }
}
