import Foundation
import XCTest

/// A pcapng file of a little-endian section then a big-endian one (`cat le.pcapng be.pcapng`) is valid, but
/// libpcap stops at the second section header. It was reported as "damaged … pcapng block size 469762048";
/// now the error says what the file holds and how to read it.
final class TwoByteOrderSectionsReplayTests: ScratchDirectoryTestCase {
    func testTheSecondSectionsByteOrderIsNamed() throws {
        var first = PcapngBytes(secondsResolution: false)
        first.append(SimplePacketBlockReplayTests.etaxSYN(host: 6, sport: 50001), timestamp: 1_781_485_200_000_000)
        var second = PcapngBytes(secondsResolution: false, bigEndian: true)
        second.append(SimplePacketBlockReplayTests.etaxSYN(host: 5, sport: 50000), timestamp: 1_781_485_200_001_000)
        let capture = scratch.appendingPathComponent("two-orders.pcapng")
        try (first.data + second.data).write(to: capture)

        let outcome = try Harness.run(
            zonesep,
            ["replay", "--config", root.appendingPathComponent("zones.conf").path, "--output", "json", capture.path],
            timeout: 60)
        XCTAssertEqual(outcome.status, 2, outcome.brief)
        let (alerts, summary, problems) = JSONLines.replay(outcome)
        XCTAssertEqual(problems, [])
        XCTAssertEqual(alerts.count, 1, "the first section's packet is replayed")
        let error = try XCTUnwrap((summary?["files"] as? [[String: Any]])?.first?["error"] as? String)
        XCTAssertTrue(
            error.hasPrefix(
                capture.path + ": read up to 1 packets: a pcapng section in the other byte order (big-endian after "
                    + "little-endian) begins at byte \(first.bytes.count), which libpcap cannot read"), error)
        XCTAssertFalse(error.contains("damaged"), error)
        XCTAssertTrue(outcome.stderrText.contains(error), outcome.stderrText)
    }
}
