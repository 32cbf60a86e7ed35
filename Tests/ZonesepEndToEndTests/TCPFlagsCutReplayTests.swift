import Foundation
import XCTest
import ZonesepTestSupport

/// A TCP header that holds its ports but not its flags names its flow as well as a whole one: a SYN sent in
/// 8-byte fragments (RFC 1858's "tiny fragment", legal and reassembled by the receiver), or a frame the snap
/// length cut inside the TCP header (plain or inside VXLAN). Each is judged on its ports, the initiator by
/// port rank (`inferred`), counted as judged and in `coverage.tcp_flags_unknown`; a header cut before its
/// ports is still `tcp-truncated`. The demonstration's zones.conf: 10.10/16 mynumber, 10.20/16 lgwan,
/// 10.30/16 internet.
final class TCPFlagsCutReplayTests: ScratchDirectoryTestCase {
    static let ethernet: [UInt8] = [2, 0, 0, 0x30, 1, 0x5a, 2, 0, 0, 0x10, 1, 0x5a, 0x08, 0x00]
    static let t0: Int64 = 1_781_485_200_000_000  // 2026-06-15T01:00:00Z

    /// A 20-byte TCP SYN (sequence 1000, window 8192) from `sport` to `dport`.
    static func syn(_ sport: UInt16, _ dport: UInt16) -> [UInt8] {
        [UInt8(sport >> 8), UInt8(sport & 0xff), UInt8(dport >> 8), UInt8(dport & 0xff), 0, 0, 0x03, 0xe8]
            + [0, 0, 0, 0, 0x50, 0x02, 0x20, 0x00, 0, 0, 0, 0]
    }

    /// The SYN 10.10.1.`host`:`sport` → 10.30.1.`host`:443 in two fragments, the first holding `split`
    /// bytes of the TCP header (a multiple of 8), as frames at `micros` and 100 µs later.
    static func fragmentedSYN(
        host: UInt8, sport: UInt16, split: Int, id: UInt16, micros: Int64, into pcap: inout PcapBytes
    ) {
        let tcp = syn(sport, 443)
        let src: [UInt8] = [10, 10, 1, host]
        let dst: [UInt8] = [10, 30, 1, host]
        let first = PcapBytes.ipv4(6, id: id, src, dst, payload: split, flagsOffset: 0x2000) + tcp.prefix(split)
        let rest =
            PcapBytes.ipv4(6, id: id, src, dst, payload: 20 - split, flagsOffset: UInt16(split / 8))
            + tcp.suffix(20 - split)
        pcap.append(ethernet + first, micros: micros)
        pcap.append(ethernet + rest, micros: micros + 100)
    }

    func replay(_ capture: URL, flows: URL) throws -> (
        alerts: [[String: Any]], summary: [String: Any], records: [[String: Any]]
    ) {
        let outcome = try Harness.run(
            zonesep,
            [
                "replay", "--config", root.appendingPathComponent("zones.conf").path, "--output", "json", "--flows",
                flows.path, capture.path,
            ], timeout: 60)
        XCTAssertTrue(outcome.exitedNormally, outcome.brief)
        let (alerts, summary, problems) = JSONLines.replay(outcome)
        XCTAssertEqual(problems, [])
        let records = try String(contentsOf: flows, encoding: .utf8).split(separator: "\n").compactMap(JSONLines.object)
        return (alerts.map(\.object), try XCTUnwrap(summary), records)
    }

    /// "rule src_ip:src_port dest_ip:dest_port initiator" of an alert.
    static func line(_ a: [String: Any]) -> String {
        "\(a["rule"] as? String ?? "?") \(a["src_ip"] as? String ?? "?"):\(JSONLines.int(a["src_port"]) ?? -1) "
            + "\(a["dest_ip"] as? String ?? "?"):\(JSONLines.int(a["dest_port"]) ?? -1) \(a["initiator"] as? String ?? "?")"
    }

    func testTinyFragmentSYNFromMynumberToTheInternetAlerts() throws {
        var pcap = PcapBytes()
        Self.fragmentedSYN(host: 90, sport: 45678, split: 8, id: 777, micros: Self.t0, into: &pcap)
        Self.fragmentedSYN(host: 91, sport: 45679, split: 16, id: 778, micros: Self.t0 + 1_000_000, into: &pcap)
        let capture = scratch.appendingPathComponent("tinyfrag.pcap")
        try pcap.data.write(to: capture)
        let (alerts, summary, records) = try replay(capture, flows: scratch.appendingPathComponent("flows.jsonl"))
        // The 8-byte first fragment holds the ports but not the flags: the initiator by rank (443 is the service).
        XCTAssertEqual(
            alerts.map(Self.line),
            [
                "mynumber-isolation 10.10.1.90:45678 10.30.1.90:443 inferred",
                "mynumber-isolation 10.10.1.91:45679 10.30.1.91:443 syn",
            ])
        XCTAssertEqual(JSONLines.int(summary["flows"]), 2)
        XCTAssertEqual((summary["anomalies"] as? [String: Any])?.count, 0, "nothing was unreadable")
        let coverage = try XCTUnwrap(summary["coverage"] as? [String: Any])
        XCTAssertEqual(JSONLines.int(coverage["judged"]), 4, "the second fragments join their first")
        XCTAssertEqual(JSONLines.int(coverage["not_verified"]), 0)
        XCTAssertEqual(JSONLines.int(coverage["tcp_flags_unknown"]), 1)
        XCTAssertEqual(
            records.map {
                "\($0["src_ip"] as? String ?? "?") \(JSONLines.int($0["packets_toserver"]) ?? -1)"
                    + "+\(JSONLines.int($0["packets_toclient"]) ?? -1)"
            }, ["10.10.1.90 2+0", "10.10.1.91 2+0"])
        // The text summary names the packet whose flags were not seen.
        let text = try Harness.run(
            zonesep, ["replay", "--config", root.appendingPathComponent("zones.conf").path, capture.path], timeout: 60)
        let line = text.stdoutText.split(separator: "\n").first { $0.contains("TCP packets judged without flags") }
        XCTAssertEqual(line?.split(separator: " ").last, "1", text.stdoutText)
    }

    /// An LGWAN PC's SYN to an Internet-zone share (tcp/445: a sanitisation-bypass), as a frame of
    /// Ethernet, VLAN 120 and IPv4 with `sport`, wrapped in VXLAN (VNI 5001) when `vxlan`.
    static func lgwanSYN(sport: UInt16, vxlan: Bool) -> [UInt8] {
        let inner =
            [2, 0, 0, 0x30, 7, 8, 2, 0, 0, 0x20, 3, 4, 0x81, 0x00, 0, 120, 0x08, 0x00]
            + PcapBytes.ipv4(6, id: 1, [10, 20, 3, 4], [10, 30, 7, 8], payload: 20) + syn(sport, 445)
        guard vxlan else { return inner }
        let udpLength = 8 + 8 + inner.count
        let udp: [UInt8] = [0x9c, 0x40, 0x12, 0xb5, UInt8(udpLength >> 8), UInt8(udpLength & 0xff), 0, 0]
        return [2, 0, 0, 0xff, 0, 2, 2, 0, 0, 0xff, 0, 1, 0x08, 0x00]
            + PcapBytes.ipv4(17, id: 2, [192, 168, 255, 1], [192, 168, 255, 2], payload: udpLength) + udp
            + [0x08, 0, 0, 0, 0x00, 0x13, 0x89, 0] + inner
    }

    /// Four SYNs the snap length cut inside the TCP header: three after their ports (two of them in VXLAN),
    /// one 2 bytes in, before its ports.
    func writeCutCapture() throws -> URL {
        var pcap = PcapBytes()
        // (source port, in VXLAN, bytes of the TCP header kept)
        let cuts: [(UInt16, Bool, Int)] = [(51000, true, 4), (51001, true, 8), (51002, false, 8), (51003, false, 2)]
        for (i, (sport, vxlan, kept)) in cuts.enumerated() {
            let frame = Self.lgwanSYN(sport: sport, vxlan: vxlan)
            pcap.append(
                Array(frame.prefix(frame.count - 20 + kept)), micros: Self.t0 + Int64(i), wireLength: frame.count)
        }
        let capture = scratch.appendingPathComponent("cut.pcap")
        try pcap.data.write(to: capture)
        return capture
    }

    func testFramesCutAfterThePortsAreJudged() throws {
        let capture = try writeCutCapture()
        let (alerts, summary, _) = try replay(capture, flows: scratch.appendingPathComponent("flows.jsonl"))
        XCTAssertEqual(
            alerts.map(Self.line),
            [
                "sanitisation-bypass 10.20.3.4:51000 10.30.7.8:445 inferred",
                "sanitisation-bypass 10.20.3.4:51001 10.30.7.8:445 inferred",
                "sanitisation-bypass 10.20.3.4:51002 10.30.7.8:445 inferred",
            ])
        XCTAssertEqual(alerts.map { $0["tunnel"] != nil }, [true, true, false], "the VXLAN ones say so")
        let coverage = try XCTUnwrap(summary["coverage"] as? [String: Any])
        XCTAssertEqual(JSONLines.int(coverage["judged"]), 3)
        XCTAssertEqual(JSONLines.int(coverage["tcp_flags_unknown"]), 3)
        // Two bytes hold no port: that frame is still unreadable.
        XCTAssertEqual(JSONLines.int(coverage["malformed"]), 1)
        XCTAssertEqual(JSONLines.int((summary["anomalies"] as? [String: Any])?["tcp-truncated"]), 1)
    }

    /// The audit report says so too (REVIEW-82 L1): a row of the limits, its count, and a limit named on the
    /// first page, from `replay --report` and from the saved run alike.
    func testTheReportSaysWhichPacketsWereJudgedWithoutTheirFlags() throws {
        let capture = try writeCutCapture()
        let html = try reportBothWays([capture.path])
        XCTAssertTrue(html.contains("data-limited=\"true\""), "judged without flags is a limit")
        XCTAssertTrue(html.contains("フラグなしで判定したTCPパケット 3 TCP packets judged without their flags"))
        let row = try XCTUnwrap(
            html.range(
                of: "<tr><th>フラグなしで判定したTCPパケット <span class=\"en\">TCP packets judged without their flags</span>"
                    + "</th><td class=\"num\">3</td>"),
            "the limits table has the row with its count")
        XCTAssertTrue(html[row.upperBound...].prefix(400).contains("initiator from the port rank"))
        let md = try reportBothWays([capture.path], format: "md")
        XCTAssertTrue(md.contains("| フラグなしで判定したTCPパケット TCP packets judged without their flags | 3 |"), md)

        // A capture whose flags were all there has no such row.
        var pcap = PcapBytes()
        let whole = Self.lgwanSYN(sport: 51000, vxlan: false)
        pcap.append(whole, micros: Self.t0)
        let plain = scratch.appendingPathComponent("whole.pcap")
        try pcap.data.write(to: plain)
        XCTAssertFalse(try reportBothWays([plain.path]).contains("without their flags"))
    }
}
