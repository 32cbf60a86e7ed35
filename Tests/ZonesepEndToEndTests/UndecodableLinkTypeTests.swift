import Foundation
import XCTest
import ZonesepTestSupport

/// A capture whose link type zonesep does not decode is not an all-clear: its frames are read and counted
/// as not verified (reason: the link type), beside the frames of the files it could read, in the summary,
/// on stderr and in the audit report's verdict.
final class UndecodableLinkTypeTests: ScratchDirectoryTestCase {
    /// A classic pcap of `link` holding `frames` frames of 60 bytes, one a second from `start` (seconds).
    func writePcap(_ name: String, link: UInt32, frames: Int, start: UInt32) throws -> URL {
        var pcap = PcapBytes(linkType: link)
        for i in 0..<frames {
            pcap.append([UInt8](repeating: UInt8(i), count: 60), micros: Int64(start + UInt32(i)) * 1_000_000)
        }
        let url = scratch.appendingPathComponent(name)
        try pcap.data.write(to: url)
        return url
    }

    func testFramesOfAnUndecodableLinkTypeAreCountedAsNotVerified() throws {
        let conf = root.appendingPathComponent("zones.conf")
        // LINKTYPE_USER0 (147): a private encapsulation no decoder knows. Ethernet frames of zeroes and ones
        // hold no IP (EtherType 0x0000 / 0x0101 are not IP): they show the readable file is counted too.
        let user = try writePcap("user0.pcap", link: 147, frames: 3, start: 1_800_000_000)
        let plain = try writePcap("plain.pcap", link: 1, frames: 1, start: 1_800_000_100)
        let outcome = try Harness.run(
            zonesep, ["replay", "--config", conf.path, "--output", "json", user.path, plain.path],
            timeout: 60)
        XCTAssertTrue(outcome.exitedNormally, outcome.brief)
        XCTAssertEqual(outcome.status, 2, "a file zonesep cannot read is an input problem: \(outcome.brief)")
        let (_, summary, problems) = JSONLines.replay(outcome)
        XCTAssertEqual(problems, [])
        XCTAssertEqual(JSONLines.int(summary?["packets"]), 4)
        let c = try XCTUnwrap(summary?["coverage"] as? [String: Any])
        XCTAssertEqual(JSONLines.int(c["frames"]), 4)
        XCTAssertEqual(JSONLines.int(c["not_verified"]), 3)
        XCTAssertEqual(JSONLines.int((c["not_verified_by_reason"] as? [String: Any])?["link-type"]), 3)
        XCTAssertEqual((c["verified_share"] as? NSNumber)?.doubleValue, 0.25)
        let reasons = (c["unverified_reasons"] as? [[String: Any]] ?? []).map {
            "\($0["reason"] as? String ?? "?"): \(JSONLines.int($0["frames"]) ?? -1)"
        }
        XCTAssertTrue(reasons.contains("link type 147: 3"), "\(reasons)")
        let files = (summary?["files"] as? [[String: Any]] ?? []).map {
            "\(($0["path"] as? String).map { URL(fileURLWithPath: $0).lastPathComponent } ?? "?") "
                + "\(JSONLines.int($0["packets"]) ?? -1)"
        }
        XCTAssertEqual(Set(files), ["user0.pcap 3", "plain.pcap 1"])
        XCTAssertTrue(
            outcome.stderrText.contains(
                "user0.pcap: link type DLT 147 (147) is not supported: its 3 frames are counted as not verified"),
            outcome.stderrText)
        XCTAssertTrue(
            outcome.stderrText.contains("3 of 4 frames (75.00 %) could not be verified"), outcome.stderrText)

        // The audit report's verdict says how little was verified.
        let html = scratch.appendingPathComponent("report.html")
        _ = try Harness.run(
            zonesep, ["replay", "--config", conf.path, "--report", html.path, user.path], timeout: 60)
        let report = try String(contentsOf: html, encoding: .utf8)
        XCTAssertTrue(report.contains("違反なし — ただし検証できたのはフレームの 0.00 %"), report)
        XCTAssertTrue(report.contains("link type 147: 3"), report)
    }
}
