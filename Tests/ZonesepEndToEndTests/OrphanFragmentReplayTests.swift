import Foundation
import XCTest
import ZonesepTestSupport

/// Later fragments whose first fragment was never captured have no ports, so no flow and no verdict: a
/// capture of them alone must not read as an all-clear. They count as not verified (reason
/// `fragment-orphan`) in the JSON summary, the text summary's coverage line and the audit report's verdict,
/// and still in the zone matrix, as tcpdump counts them.
final class OrphanFragmentReplayTests: ScratchDirectoryTestCase {
    static let ethernetIPv4: [UInt8] = [2, 0, 0, 0x30, 7, 8, 2, 0, 0, 0x20, 3, 4, 0x08, 0x00]
    static let ethernetIPv6: [UInt8] = [2, 0, 0, 0x30, 7, 8, 2, 0, 0, 0x20, 3, 4, 0x86, 0xdd]

    /// Three later IPv4 fragments lgwan 10.20.3.4 → internet 10.30.7.8 (offsets 185, 370, 555: a TCP
    /// datagram's second, third and fourth pieces), and one later IPv6 fragment fd00:20::4 → fd00:30::8.
    func writeOrphans() throws -> URL {
        var pcap = PcapBytes()
        for (i, offset) in [185, 370, 555].enumerated() {
            let ip = PcapBytes.ipv4(
                6, id: 0x4242, [10, 20, 3, 4], [10, 30, 7, 8], payload: 64,
                flagsOffset: UInt16(offset) | (i < 2 ? 0x2000 : 0))
            pcap.append(
                Self.ethernetIPv4 + ip + [UInt8](repeating: 0xab, count: 64), micros: 1_800_000_000_000_000 + Int64(i))
        }
        var v6: [UInt8] = [0x60, 0, 0, 0, 0, 8 + 64, 44, 64]
        v6 += [0xfd, 0, 0, 0x20] + [UInt8](repeating: 0, count: 11) + [4]
        v6 += [0xfd, 0, 0, 0x30] + [UInt8](repeating: 0, count: 11) + [8]
        v6 += [17, 0, 0x05, 0x00, 0, 0, 0x12, 0x34]  // UDP, offset 160 (×8 bytes), last piece, id 0x1234
        pcap.append(Self.ethernetIPv6 + v6 + [UInt8](repeating: 0xcd, count: 64), micros: 1_800_000_000_000_010)
        let url = scratch.appendingPathComponent("orphans.pcap")
        try pcap.data.write(to: url)
        return url
    }

    func testOrphanFragmentsAreNotVerified() throws {
        let conf = root.appendingPathComponent("zones.conf")
        let capture = try writeOrphans()
        let html = scratch.appendingPathComponent("report.html")
        let outcome = try Harness.run(
            zonesep,
            ["replay", "--config", conf.path, "--output", "json", "--report", html.path, capture.path], timeout: 60)
        XCTAssertTrue(outcome.exitedNormally, outcome.brief)
        XCTAssertEqual(outcome.status, 0, "nothing was judged, so nothing violated: \(outcome.brief)")
        let (_, summary, problems) = JSONLines.replay(outcome)
        XCTAssertEqual(problems, [])
        XCTAssertEqual(JSONLines.int(summary?["flows"]), 0)
        XCTAssertEqual(JSONLines.int((summary?["anomalies"] as? [String: Any])?["fragment-orphan"]), 4)
        let c = try XCTUnwrap(summary?["coverage"] as? [String: Any])
        XCTAssertEqual(JSONLines.int(c["frames"]), 4)
        XCTAssertEqual(JSONLines.int(c["judged"]), 0)
        XCTAssertEqual(JSONLines.int(c["not_verified"]), 4)
        XCTAssertEqual(JSONLines.int((c["not_verified_by_reason"] as? [String: Any])?["fragment-orphan"]), 4)
        XCTAssertEqual((c["verified_share"] as? NSNumber)?.doubleValue, 0)
        let reasons = (c["unverified_reasons"] as? [[String: Any]] ?? []).map {
            "\($0["reason"] as? String ?? "?"): \(JSONLines.int($0["frames"]) ?? -1)"
        }
        XCTAssertEqual(
            reasons,
            ["IPv4 fragment without its first fragment: 3", "IPv6 fragment without its first fragment: 1"])
        XCTAssertTrue(outcome.stderrText.contains("4 of 4 frames (100.00 %) could not be verified"), outcome.stderrText)
        // The matrix still counts the packets where they went (lgwan → internet, three IPv4 and one IPv6).
        let matrix = try XCTUnwrap(summary?["matrix"] as? [String: Any])
        let cells = (matrix["packets"] as? [[String: Any]] ?? []).map {
            "\($0["src_zone"] as? String ?? "?")>\($0["dest_zone"] as? String ?? "?"): "
                + "\(JSONLines.int($0["packets"]) ?? -1)"
        }
        XCTAssertEqual(cells, ["lgwan>internet: 4"])

        let report = try String(contentsOf: html, encoding: .utf8)
        XCTAssertTrue(report.contains("違反なし — ただし検証できたのはフレームの 0.00 %"), report)
        XCTAssertTrue(report.contains("IPv4 fragment without its first fragment: 3"), report)
        XCTAssertFalse(report.contains("every flow in the captured traffic kept to the separation policy"), report)

        // The text summary hedges its verdict the same way.
        let text = try Harness.run(zonesep, ["replay", "--config", conf.path, capture.path], timeout: 60)
        XCTAssertTrue(
            text.stdoutText.contains(
                "Coverage: 0.00 % of 4 frames verified (0 IP packets judged, 0 frames without IP); NOT verified: 4 "
                    + "frames (IPv4 fragment without its first fragment: 3, IPv6 fragment without its first fragment: 1)"
            ), text.stdoutText)
    }
}
