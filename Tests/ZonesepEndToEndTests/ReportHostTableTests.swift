import Foundation
import XCTest
import ZonesepTestSupport

/// A device that stands in two tiers is missed when the host table, full, pushed its first address out
/// (docs/rules.md, "Bounds"): the audit report must then not read as an all-clear, and must name the MACs
/// evicted among its limits, as the summary's `host_table` counts them.
final class ReportHostTableTests: ScratchDirectoryTestCase {
    static let zonesConf = """
        [sensor]
        name = "host-table-bounds"

        [zones.lgwan]
        kind = "lgwan"
        networks = ["10.20.0.0/16"]

        [zones.internet]
        kind = "internet"
        networks = ["10.30.0.0/16"]

        """

    /// Ethernet, IPv4, UDP with 8 bytes of payload, from `srcMAC`.
    static func datagram(_ srcMAC: [UInt8], _ src: [UInt8], _ dst: [UInt8], _ sport: UInt16) -> [UInt8] {
        let eth = [2, 0, 0, 0x20, 1, 0x35] + srcMAC + [0x08, 0x00]
        let udp: [UInt8] = [UInt8(sport >> 8), UInt8(sport & 0xff), 0, 53, 0, 16, 0, 0]
        return eth + PcapBytes.ipv4(17, id: 1, src, dst, payload: 16) + udp + [UInt8](repeating: 0x61, count: 8)
    }

    /// One PC sends from an LGWAN address, then from an Internet-zone one (each within its zone: no
    /// violating flow), with `others` other MACs sending in between.
    func capture(others: Int) throws -> String {
        let pc: [UInt8] = [2, 0, 0x0a, 0x14, 3, 0x21]
        var frames = [Self.datagram(pc, [10, 20, 3, 33], [10, 20, 1, 53], 40000)]
        for i in 0..<others {
            let mac: [UInt8] = [2, 1, 0, 0, UInt8(i >> 8), UInt8(i & 0xff)]
            frames.append(
                Self.datagram(mac, [10, 20, UInt8(100 + i / 250), UInt8(1 + i % 250)], [10, 20, 1, 53], 40001))
        }
        frames.append(Self.datagram(pc, [10, 30, 3, 33], [10, 30, 1, 53], 40002))
        var pcap = PcapBytes()
        // 2026-06-15T00:00:00Z, 1 ms apart.
        for (i, frame) in frames.enumerated() { pcap.append(frame, micros: 1_781_481_600_000_000 + Int64(i) * 1000) }
        let path = scratch.appendingPathComponent("pc-\(others).pcap")
        try pcap.data.write(to: path)
        return path.path
    }

    func testMACsEvictedMakeTheReportLimited() throws {
        let conf = scratch.appendingPathComponent("zones.conf")
        try Self.zonesConf.write(to: conf, atomically: true, encoding: .utf8)

        // Without the others the PC is found in two tiers: the capture shows what is at stake.
        let found = try Harness.run(
            zonesep, ["replay", "--config", conf.path, "--output", "json", try capture(others: 0)], timeout: 60)
        XCTAssertEqual(found.status, 1, found.brief)
        let (_, foundSummary, _) = JSONLines.replay(found)
        let findings = try XCTUnwrap(foundSummary?["host_findings"] as? [[String: Any]])
        XCTAssertEqual(findings.map { $0["rule"] as? String }, ["dual-homed-host"])
        let clean = try reportBothWays([try capture(others: 0)], config: conf.path)
        XCTAssertTrue(clean.contains("<span class=\"en\">MACs evicted</span></th><td class=\"num\">0</td>"))

        // 16,500 other MACs fill the table (16,384) and push the PC's LGWAN address out: no finding.
        let hidden = try capture(others: 16_500)
        let missed = try Harness.run(
            zonesep, ["replay", "--config", conf.path, "--output", "json", hidden], timeout: 60)
        XCTAssertEqual(missed.status, 0, missed.brief)
        let (_, summaryObject, problems) = JSONLines.replay(missed)
        XCTAssertEqual(problems, [])
        let summary = try XCTUnwrap(summaryObject)
        XCTAssertEqual((summary["host_findings"] as? [Any])?.count, 0)
        let table = try XCTUnwrap(summary["host_table"] as? [String: Any])
        let evicted = try XCTUnwrap(JSONLines.int(table["macs_evicted"]))
        XCTAssertEqual(evicted, 16_502 - 16_384)

        let html = try reportBothWays([hidden], config: conf.path)
        XCTAssertTrue(html.contains("data-limited=\"true\""), "a MAC evicted is a limit of the audit")
        XCTAssertTrue(html.contains("追い出されたMAC \(evicted) MACs evicted"), "the verdict's list of limits")
        XCTAssertTrue(html.contains("<span class=\"en\">MACs evicted</span></th><td class=\"num\">\(evicted)</td>"))
        let md = try reportBothWays([hidden], config: conf.path, format: "md")
        XCTAssertTrue(md.contains("| 追い出されたMAC MACs evicted | \(evicted) |\n"), md)
    }
}
