import Foundation
import XCTest
import ZonesepTestSupport

/// A pcapng file records what its capture dropped (dumpcap writes an Interface Statistics Block at the end):
/// a replay of it must not read as complete. The summary's `dropped` (and the file's), a warning, and an
/// audit report that counts it among its limits, whichever reader reads the file and in either byte order.
final class RecordedDropsReplayTests: ScratchDirectoryTestCase {
    /// Twenty allowed LGWAN-internal datagrams, then statistics saying the capture saw 20,020 and lost 20,000.
    func capture(bigEndian: Bool, statistics: Bool) throws -> String {
        var ng = PcapngBytes(secondsResolution: false, bigEndian: bigEndian)
        for i in 0..<20 {
            let udp: [UInt8] = [0x9c, 0x40, 0, 53, 0, 8, 0, 0]
            let ip = PcapBytes.ipv4(17, id: UInt16(i), [10, 20, 3, 4], [10, 20, 1, 53], payload: udp.count)
            let frame: [UInt8] = [2, 0, 0, 0x20, 1, 0x35, 2, 0, 0, 0x20, 3, 4, 0x08, 0x00] + ip + udp
            ng.append(frame, timestamp: 1_781_481_600_000_000 + UInt64(i) * 1000)
        }
        if statistics {
            // An earlier block of the same interface: the last one's counters are the capture's; and a later
            // one without drop counts (they are optional) does not unsay them.
            ng.appendStatistics(received: 10, interfaceDropped: 5, systemDropped: 1)
            ng.appendStatistics(received: 20_020, interfaceDropped: 19_990, systemDropped: 10)
            ng.appendStatistics(received: 20_020, interfaceDropped: nil)
        }
        let path = scratch.appendingPathComponent("drops-\(bigEndian)-\(statistics).pcapng")
        try ng.data.write(to: path)
        return path.path
    }

    func testDropsAPcapngRecordsAreCountedAndLimitTheAudit() throws {
        for bigEndian in [false, true] {
            for reader in ["auto", "libpcap"] {
                let what = "big-endian \(bigEndian), reader \(reader)"
                let file = try capture(bigEndian: bigEndian, statistics: true)
                let run = try Harness.run(
                    zonesep,
                    ["replay", "--config", "zones.conf", "--output", "json", "--reader", reader, file], timeout: 60,
                    in: root)
                XCTAssertEqual(run.status, 0, "\(what): \(run.brief)")
                XCTAssertTrue(
                    run.stderrText.contains(
                        "20,000 packets were dropped as the pcapng files record (operating system 10, interface "
                            + "19,990) before zonesep saw them"), "\(what): \(run.stderrText)")
                let (_, summaryObject, problems) = JSONLines.replay(run)
                XCTAssertEqual(problems, [], what)
                let summary = try XCTUnwrap(summaryObject, what)
                XCTAssertEqual(JSONLines.int(summary["dropped"]), 20_000, what)
                let files = try XCTUnwrap(summary["files"] as? [[String: Any]], what)
                XCTAssertEqual(files.map { JSONLines.int($0["dropped"]) }, [20_000], what)
            }
        }
        let html = try reportBothWays([try capture(bigEndian: false, statistics: true)])
        XCTAssertTrue(html.contains("data-verdict=\"clean\""))
        XCTAssertTrue(html.contains("data-limited=\"true\""), "a capture that lost packets is no all-clear")
        XCTAssertTrue(html.contains("取りこぼし 20,000 dropped packets"))
        XCTAssertTrue(html.contains("<span class=\"en\">dropped packets</span></th><td class=\"num\">20,000</td>"))

        // Beside a classic pcap file, which records no drops, the count is of the pcapng file alone, and said so.
        let mixed = try Harness.run(
            zonesep,
            [
                "replay", "--config", "zones.conf", "--output", "json", try capture(bigEndian: false, statistics: true),
                "captures/span-2330.pcap",
            ], timeout: 60, in: root)
        XCTAssertTrue(
            mixed.stderrText.contains("; 1 of the files records no drops: what it lost is unknown"), mixed.stderrText)
        let (_, mixedSummary, _) = JSONLines.replay(mixed)
        XCTAssertEqual(JSONLines.int(mixedSummary?["dropped"]), 20_000)
        XCTAssertEqual(JSONLines.int(mixedSummary?["dropped_unknown_files"]), 1)
        let md = try reportBothWays(
            [try capture(bigEndian: false, statistics: true), "captures/span-2330.pcap"], format: "md")
        XCTAssertTrue(md.contains("| 取りこぼしたパケット dropped packets | 20000 + unknown (1 file) |"), md)

        // A file without statistics says nothing of drops: unknown, as for a classic pcap file.
        let silent = try Harness.run(
            zonesep,
            ["replay", "--config", "zones.conf", "--output", "json", try capture(bigEndian: false, statistics: false)],
            timeout: 60, in: root)
        XCTAssertEqual(silent.status, 0, silent.brief)
        let (_, summary, _) = JSONLines.replay(silent)
        XCTAssertNil(summary?["dropped"])
        XCTAssertFalse(silent.stderrText.contains("dropped"))
    }
}
