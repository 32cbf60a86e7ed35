import Foundation
import XCTest
import ZonesepTestSupport

/// Two sensors' captures of one period merged, one Ethernet and one Linux cooked: a flagged flow's packets
/// come in both link types, and a pcap evidence file holds one. The packets the file cannot hold are left
/// out, and the evidence record, the summary and stderr say so, apart from the disk budget's skipped packets.
final class EvidenceLinkTypeTests: ScratchDirectoryTestCase {
    /// 2026-06-15T12:00:00Z in µs.
    let t0: Int64 = 1_781_524_800_000_000
    let client: [UInt8] = [10, 10, 1, 60]
    let server: [UInt8] = [10, 30, 1, 60]

    /// An IPv4 TCP segment with `flags` and `payload` bytes of data.
    func segment(from src: [UInt8], _ sport: UInt16, to dst: [UInt8], _ dport: UInt16, flags: UInt8, payload: Int)
        -> [UInt8]
    {
        let tcp: [UInt8] =
            [UInt8(sport >> 8), UInt8(sport & 0xff), UInt8(dport >> 8), UInt8(dport & 0xff), 0, 0, 0, 1, 0, 0, 0, 1]
            + [0x50, flags, 0xff, 0xff, 0, 0, 0, 0]
        let data = [UInt8](repeating: 0x61, count: payload)
        return PcapBytes.ipv4(6, id: 1, src, dst, payload: 20 + payload) + tcp + data
    }

    func ethernet(_ packet: [UInt8]) -> [UInt8] {
        [2, 0, 0x0a, 0x1e, 1, 60, 2, 0, 0x0a, 0x0a, 1, 60, 0x08, 0x00] + packet
    }

    /// A Linux cooked (SLL) header: sent by us (4), ARPHRD_ETHER, the sender's 6-byte address, IPv4.
    func cooked(_ packet: [UInt8]) -> [UInt8] {
        [0, 4, 0, 1, 0, 6, 2, 0, 0x0a, 0x1e, 1, 60, 0, 0, 0x08, 0x00] + packet
    }

    func testPacketsOfAnotherLinkTypeAreLeftOutOfTheFileAndSaid() throws {
        // The client's side on the Ethernet sensor; the server's on the Linux cooked one.
        var eth = PcapBytes(linkType: 1)
        eth.append(ethernet(segment(from: client, 50060, to: server, 443, flags: 0x02, payload: 0)), micros: t0)
        eth.append(ethernet(segment(from: client, 50060, to: server, 443, flags: 0x10, payload: 0)), micros: t0 + 2000)
        eth.append(ethernet(segment(from: client, 50060, to: server, 443, flags: 0x18, payload: 40)), micros: t0 + 3000)
        var sll = PcapBytes(linkType: 113)
        sll.append(cooked(segment(from: server, 443, to: client, 50060, flags: 0x12, payload: 0)), micros: t0 + 1000)
        sll.append(cooked(segment(from: server, 443, to: client, 50060, flags: 0x18, payload: 80)), micros: t0 + 4000)
        let captures = scratch.appendingPathComponent("captures")
        try FileManager.default.createDirectory(at: captures, withIntermediateDirectories: true)
        try eth.data.write(to: captures.appendingPathComponent("eth.pcap"))
        try sll.data.write(to: captures.appendingPathComponent("sll.pcap"))
        let evidence = scratch.appendingPathComponent("evidence")

        let outcome = try Harness.run(
            zonesep,
            [
                "replay", "--config", root.appendingPathComponent("zones.conf").path, "--output", "json",
                "--evidence", evidence.path, "--report", scratch.appendingPathComponent("r.md").path,
                "--report-format", "md", captures.appendingPathComponent("eth.pcap").path,
                captures.appendingPathComponent("sll.pcap").path,
            ], timeout: 60, in: scratch)
        XCTAssertEqual(outcome.status, 1, outcome.stderrText)
        let records = outcome.stdoutLines.compactMap { JSONLines.object($0) }
        let alerts = records.filter { $0["event_type"] as? String == "alert" }
        XCTAssertEqual(alerts.count, 1)
        let closed = try XCTUnwrap(records.first { $0["event_type"] as? String == "evidence" })
        XCTAssertEqual(closed["packets"] as? Int, 3)
        XCTAssertEqual(closed["left_out"] as? Int, 2, "the record says the file is not all of the flow")
        XCTAssertNotNil(closed["sha256"] as? String, "the file is whole as written")
        let summary = try XCTUnwrap(records.last)
        let counts = try XCTUnwrap((summary["delivery"] as? [String: Any])?["evidence"] as? [String: Any])
        XCTAssertEqual(counts["other_link_type_packets"] as? Int, 2)
        XCTAssertEqual(counts["skipped_packets"] as? Int, 0, "not the budget's doing")
        let violation = try XCTUnwrap((summary["violations"] as? [[String: Any]])?.first)
        XCTAssertEqual(violation["packets"] as? Int, 5)
        let said = outcome.stderrText.split(separator: "\n").filter { $0.contains("link type") }
        XCTAssertEqual(said.count, 1, outcome.stderrText)
        // The report does not call the file whole: it is not all of the flow, and the limits count the rest.
        let md = try String(contentsOf: scratch.appendingPathComponent("r.md"), encoding: .utf8)
        XCTAssertTrue(md.contains("| partial: 2 packets left out (budget / another link type) |"), md)
        XCTAssertFalse(md.contains("| whole |"), md)
        XCTAssertTrue(
            md.contains("| ファイルから漏れた証拠パケット evidence packets left out (budget / another link type) | 2 |"), md)
    }
}
