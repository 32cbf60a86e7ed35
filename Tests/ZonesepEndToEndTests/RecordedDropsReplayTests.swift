import Foundation
import XCTest
import ZonesepTestSupport

/// A pcapng file records what its capture dropped (dumpcap writes an Interface Statistics Block at the end):
/// a replay of it must not read as complete. The summary's `dropped` (and the file's), a warning, and an
/// audit report that counts it among its limits, whichever reader reads the file and in either byte order.
final class RecordedDropsReplayTests: ScratchDirectoryTestCase {
    /// The `i`th of the allowed LGWAN-internal datagrams the captures hold.
    func datagram(_ i: Int) -> [UInt8] {
        let udp: [UInt8] = [0x9c, 0x40, 0, 53, 0, 8, 0, 0]
        let ip = PcapBytes.ipv4(17, id: UInt16(i), [10, 20, 3, 4], [10, 20, 1, 53], payload: udp.count)
        return [2, 0, 0, 0x20, 1, 0x35, 2, 0, 0, 0x20, 3, 4, 0x08, 0x00] + ip + udp
    }

    /// Twenty allowed LGWAN-internal datagrams, then statistics saying the capture saw 20,020 and lost 20,000.
    func capture(bigEndian: Bool, statistics: Bool) throws -> String {
        var ng = PcapngBytes(secondsResolution: false, bigEndian: bigEndian)
        for i in 0..<20 {
            ng.append(datagram(i), timestamp: 1_781_481_600_000_000 + UInt64(i) * 1000)
        }
        if statistics {
            // An earlier block of the same interface: the last one's counters are the capture's; and a later
            // one without drop counts (they are optional) does not unsay them.
            ng.appendStatistics(received: 10, interfaceDropped: 5, systemDropped: 1)
            ng.appendStatistics(received: 20_020, interfaceDropped: 19_990, systemDropped: 10)
            ng.appendStatistics(received: 20_020, interfaceDropped: nil)
        }
        return try write(ng, "drops-\(bigEndian)-\(statistics).pcapng")
    }

    /// Writes `ng` to `name` in the scratch directory: its path.
    func write(_ ng: PcapngBytes, _ name: String) throws -> String {
        let path = scratch.appendingPathComponent(name)
        try ng.data.write(to: path)
        return path.path
    }

    /// `zonesep replay --output json` of `files` with the demonstration's zones.conf, read by `reader`.
    func replayJSON(_ files: String..., reader: String = "auto") throws -> ProcessOutcome {
        try Harness.run(
            zonesep, ["replay", "--config", "zones.conf", "--output", "json", "--reader", reader] + files,
            timeout: 60, in: root)
    }

    func testDropsAPcapngRecordsAreCountedAndLimitTheAudit() throws {
        for bigEndian in [false, true] {
            for reader in ["auto", "libpcap"] {
                let what = "big-endian \(bigEndian), reader \(reader)"
                let file = try capture(bigEndian: bigEndian, statistics: true)
                let run = try replayJSON(file, reader: reader)
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
        let mixed = try replayJSON(try capture(bigEndian: false, statistics: true), "captures/span-2330.pcap")
        XCTAssertTrue(
            mixed.stderrText.contains("; 1 of the files records no drops: what it lost is unknown"), mixed.stderrText)
        let (_, mixedSummary, _) = JSONLines.replay(mixed)
        XCTAssertEqual(JSONLines.int(mixedSummary?["dropped"]), 20_000)
        XCTAssertEqual(JSONLines.int(mixedSummary?["dropped_unknown_files"]), 1)
        let md = try reportBothWays(
            [try capture(bigEndian: false, statistics: true), "captures/span-2330.pcap"], format: "md")
        XCTAssertTrue(md.contains("| 取りこぼしたパケット dropped packets | 20000 + unknown (1 file) |"), md)

        // A file without statistics says nothing of drops: unknown, as for a classic pcap file.
        let silent = try replayJSON(try capture(bigEndian: false, statistics: false))
        XCTAssertEqual(silent.status, 0, silent.brief)
        let (_, summary, _) = JSONLines.replay(silent)
        XCTAssertNil(summary?["dropped"])
        XCTAssertFalse(silent.stderrText.contains("dropped"))
    }

    /// A capture that recorded no drops, beside a classic pcap file that records none: the known count is 0,
    /// but what the other file lost is unknown, so the §9 row asks for a check (要確認) rather than saying
    /// "no effect" (影響なし) beside "unknown". Alone, the same file's 0 has no effect.
    func testZeroRecordedDropsBesideAFileThatRecordsNoneAsksForACheck() throws {
        var ng = PcapngBytes(secondsResolution: false, bigEndian: false)
        for i in 0..<20 { ng.append(datagram(i), timestamp: 1_781_481_600_000_000 + UInt64(i) * 1000) }
        ng.appendStatistics(received: 20, interfaceDropped: 0, systemDropped: 0)
        let none = try write(ng, "no-drops.pcapng")
        let row = "<span class=\"en\">dropped packets</span></th><td class=\"num\">0</td><td><span class=\"badge "
        let beside = try reportBothWays([none, "captures/span-2330.pcap"])
        XCTAssertTrue(beside.contains(row + "bad\">要確認</span>"), beside)
        XCTAssertTrue(beside.contains("1 of the files records no drops: what it lost is unknown"), beside)
        let alone = try reportBothWays([none])
        XCTAssertTrue(alone.contains(row + "good\">影響なし</span>"), alone)
    }

    /// dumpcap capturing two interfaces: ten datagrams on each, then statistics for the first (7 dropped by
    /// the interface, 3 by the operating system) and, when `both`, for the second (none dropped); without
    /// `both`, the second has a block without drop counts, and a third interface, which saw nothing, none.
    func twoInterfaceCapture(bigEndian: Bool, both: Bool) throws -> String {
        var ng = PcapngBytes(secondsResolution: false, bigEndian: bigEndian)
        ng.appendInterface()
        if !both { ng.appendInterface() }
        for i in 0..<20 {
            ng.append(datagram(i), timestamp: 1_781_481_600_000_000 + UInt64(i) * 1000, interface: UInt32(i % 2))
        }
        ng.appendStatistics(interface: 0, received: 20, interfaceDropped: 7, systemDropped: 3)
        ng.appendStatistics(interface: 1, received: 10, interfaceDropped: both ? 0 : nil, systemDropped: both ? 0 : nil)
        return try write(ng, "two-interfaces-\(bigEndian)-\(both).pcapng")
    }

    /// A file that records the drops of some of its interfaces only lost an unknown number on the others: it
    /// counts among the files whose losses are unknown (in part), with its own count of such interfaces, and
    /// the text, stderr and the report (from the run, and from the saved run alike) say so.
    func testAFileRecordingSomeInterfacesDropsIsUnknownInPart() throws {
        for bigEndian in [false, true] {
            for reader in ["auto", "libpcap"] {
                let what = "big-endian \(bigEndian), reader \(reader)"
                let file = try twoInterfaceCapture(bigEndian: bigEndian, both: false)
                let run = try replayJSON(file, reader: reader)
                XCTAssertEqual(run.status, 0, "\(what): \(run.brief)")
                XCTAssertTrue(
                    run.stderrText.contains(
                        "10 packets were dropped as the pcapng files record (operating system 3, interface 7) before "
                            + "zonesep saw them: they were never judged, and the summary's coverage counts only the "
                            + "frames seen; in 1 of the files, 2 interfaces record no drops beside others that do: "
                            + "what they lost is unknown"), "\(what): \(run.stderrText)")
                let (_, summaryObject, problems) = JSONLines.replay(run)
                XCTAssertEqual(problems, [], what)
                let summary = try XCTUnwrap(summaryObject, what)
                XCTAssertEqual(JSONLines.int(summary["dropped"]), 10, what)
                XCTAssertEqual(JSONLines.int(summary["dropped_unknown_files"]), 1, what)
                let files = try XCTUnwrap(summary["files"] as? [[String: Any]], what)
                XCTAssertEqual(files.map { JSONLines.int($0["dropped"]) }, [10], what)
                XCTAssertEqual(files.map { JSONLines.int($0["dropped_unknown_interfaces"]) }, [2], what)
            }
        }
        let partly = try twoInterfaceCapture(bigEndian: false, both: false)
        let text = try Harness.run(
            zonesep, ["replay", "--config", "zones.conf", "--output", "text", partly], timeout: 60, in: root)
        XCTAssertTrue(
            String(decoding: text.stdout, as: UTF8.self).contains(
                "10 packets dropped as the pcapng files record before zonesep saw them (operating system 3, interface "
                    + "7); in 1 of the files, 2 interfaces record no drops beside others that do: what they lost is "
                    + "unknown: the coverage above"), text.brief)

        // Beside a file that records every interface's drops and a classic pcap file, which records none: each
        // file's row says its own.
        let whole = try capture(bigEndian: false, statistics: true)
        let inputs = [partly, whole, "captures/span-2330.pcap"]
        let html = try reportBothWays(inputs)
        XCTAssertTrue(
            html.contains(
                "\(partly)</td><td>EN10MB</td><td class=\"num\">20</td><td class=\"num\">10 + 不明 "
                    + "<span class=\"en\">unknown (2 interfaces unrecorded)</span></td>"), html)
        XCTAssertTrue(
            html.contains("\(whole)</td><td>EN10MB</td><td class=\"num\">20</td><td class=\"num\">20,000</td>"))
        XCTAssertTrue(
            html.contains(
                "span-2330.pcap</td><td>EN10MB</td><td class=\"num\">350</td><td class=\"num\">不明 "
                    + "<span class=\"en\">unknown</span></td>"), html)
        XCTAssertTrue(
            html.contains(
                "<span class=\"en\">dropped packets</span></th><td class=\"num\">20,010</td><td><span class=\"badge "
                    + "bad\">要確認</span> <span class=\"sub\">recorded by the capture files themselves (pcapng "
                    + "interface statistics); 1 of the files records no drops, and in 1 of the files, 2 interfaces "
                    + "record no drops beside others that do: what they lost is unknown and not in this count</span>"
                    + "<div class=\"mono\">\(partly): 2 of its interfaces record no drops</div></td>"), html)
        let md = try reportBothWays(inputs, format: "md")
        XCTAssertTrue(md.contains("| 取りこぼしたパケット dropped packets | 20010 + unknown (2 files, 1 in part) |"), md)
        XCTAssertTrue(md.contains("| EN10MB | 20 | 10 + unknown (2 interfaces unrecorded) |"), md)
        XCTAssertTrue(md.contains("| EN10MB | 20 | 20000 |"), md)
        XCTAssertTrue(md.contains("| EN10MB | 350 | unknown |"), md)
        let alone = try reportBothWays([partly], format: "csv")
        XCTAssertTrue(alone.contains("取りこぼしたパケット dropped packets,10 + unknown (1 file in part)\r\n"), alone)
    }

    /// A file whose interfaces all record their drops is known whole: the outputs are as for one interface.
    func testAFileRecordingEveryInterfacesDropsIsKnown() throws {
        let file = try twoInterfaceCapture(bigEndian: false, both: true)
        let run = try replayJSON(file)
        XCTAssertEqual(run.status, 0, run.brief)
        XCTAssertTrue(
            run.stderrText.contains(
                "10 packets were dropped as the pcapng files record (operating system 3, interface 7) before zonesep "
                    + "saw them: they were never judged, and the summary's coverage counts only the frames seen\n"),
            run.stderrText)
        let (_, summaryObject, _) = JSONLines.replay(run)
        let summary = try XCTUnwrap(summaryObject)
        XCTAssertEqual(JSONLines.int(summary["dropped"]), 10)
        XCTAssertNil(summary["dropped_unknown_files"])
        let files = try XCTUnwrap(summary["files"] as? [[String: Any]])
        XCTAssertEqual(files.map { JSONLines.int($0["dropped"]) }, [10])
        XCTAssertNil(files[0]["dropped_unknown_interfaces"])
        let md = try reportBothWays([file], format: "md")
        XCTAssertTrue(md.contains("| 取りこぼしたパケット dropped packets | 10 |"), md)
        XCTAssertTrue(md.contains("| EN10MB | 20 | 10 |"), md)
    }
}
