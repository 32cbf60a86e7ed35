import Foundation
import XCTest
import ZonesepTestSupport

/// A classic pcap file whose records are longer than the snapshot length its header gives: libpcap, the
/// reader of record, cuts each to that length, so their TCP headers are lost and the frames are counted
/// malformed. The file, not the traffic, is the reason, and the run says so: on stderr, in the summary's
/// `files[].note` and in the text summary's file table. A file read whole has no note.
final class SnapshotCutReplayTests: ScratchDirectoryTestCase {
    /// A classic pcap with snapshot length `snaplen` and records that each hold a whole 62-byte SYN
    /// (Ethernet, VLAN 120, IPv4 10.20.3.x → 10.30.7.8, TCP to 445), whatever `snaplen` says: cut to 40
    /// bytes, 2 bytes of the TCP header are left, not even its ports.
    func write(_ name: String, snaplen: UInt32, hosts: [UInt8]) throws -> URL {
        var pcap = PcapBytes(snapLength: snaplen)
        for (i, host) in hosts.enumerated() {
            let frame =
                [2, 0, 0, 0x30, 7, 8, 2, 0, 0, 0x20, 3, host, 0x81, 0x00, 0, 120, 0x08, 0x00]
                + PcapBytes.ipv4(6, id: 1, [10, 20, 3, host], [10, 30, 7, 8], payload: 20)
                + PcapBytes.tcpSYN(51000, 445) + [0, 0, 0, 0]
            pcap.append(frame, micros: (1_781_485_200 + Int64(i)) * 1_000_000)
        }
        let url = scratch.appendingPathComponent(name)
        try pcap.data.write(to: url)
        return url
    }

    func testRecordsLongerThanTheSnapshotLengthAreNamedOnTheFile() throws {
        let cut = try write("snapover.pcap", snaplen: 40, hosts: [1, 2])
        let whole = try write("whole.pcap", snaplen: 65535, hosts: [3])
        let conf = root.appendingPathComponent("zones.conf")
        let outcome = try Harness.run(
            zonesep, ["replay", "--config", conf.path, "--output", "json", cut.path, whole.path], timeout: 60)
        XCTAssertTrue(outcome.exitedNormally, outcome.brief)
        let (_, summary, problems) = JSONLines.replay(outcome)
        XCTAssertEqual(problems, [])
        let files = try XCTUnwrap(summary?["files"] as? [[String: Any]])
        XCTAssertEqual(files.count, 2)
        let expected =
            "records longer than the file's snapshot length of 40 bytes (the first is record 1) were cut to it "
            + "by libpcap: what lies past that length was not read"
        XCTAssertEqual(files[0]["note"] as? String, expected)
        XCTAssertTrue(files[0]["error"] is NSNull, "the file was read to its end")
        XCTAssertTrue(files[1]["note"] is NSNull, "a file read whole has no note")
        XCTAssertTrue(outcome.stderrText.contains("\(cut.path): \(expected)"), outcome.stderrText)
        // The cut frames are still counted as they were (their TCP headers are not there), the whole one judged.
        XCTAssertEqual(JSONLines.int((summary?["anomalies"] as? [String: Any])?["tcp-truncated"]), 2)

        let text = try Harness.run(zonesep, ["replay", "--config", conf.path, cut.path], timeout: 60)
        XCTAssertTrue(text.stdoutText.contains("ok; " + expected), text.stdoutText)
    }

    /// The audit report names the file and what it cut, in the files table and as a limit, from
    /// `replay --report` and from the saved run alike; the file read whole is `ok`.
    func testTheReportNamesTheFileThatCutItsRecords() throws {
        let cut = try write("snapover.pcap", snaplen: 40, hosts: [1, 2])
        let whole = try write("whole.pcap", snaplen: 65535, hosts: [3])
        let html = try reportBothWays([cut.path, whole.path])
        let note =
            "records longer than the file&#39;s snapshot length of 40 bytes (the first is record 1) were cut to it "
            + "by libpcap: what lies past that length was not read"
        XCTAssertTrue(html.contains("<span class=\"badge warn\">注記 note</span> " + note))
        XCTAssertTrue(html.contains("<div class=\"mono\">\(cut.path): \(note)</div>"), "the limits name it")
        XCTAssertTrue(html.contains("注記のあるファイル 1 files with a note"), "and the first page")
        XCTAssertTrue(html.contains("data-limited=\"true\""))
        let files = try XCTUnwrap(html.range(of: "id=\"files-table\"")).upperBound
        XCTAssertEqual(html[files...].components(separatedBy: "<span class=\"badge good\">ok</span>").count - 1, 1)

        let csv = try reportBothWays([cut.path, whole.path], format: "csv")
        XCTAssertTrue(csv.contains("ok; " + note.replacingOccurrences(of: "&#39;", with: "'")), csv)
    }
}
