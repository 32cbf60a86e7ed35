import Foundation
import XCTest
import ZonesepTestSupport

/// Packet times that do not fit the run's clock, replayed against the shipped zones.conf. One packet
/// stamped an hour ahead (a hardware-timestamp glitch, a packet of an interface or sensor whose clock is
/// off) ran the idle sweep at its time: every open flow ended as idle, each violating one alerted again
/// (`inferred`), and an allowed UDP flow that went on with its reply became a violation. A packet stamped
/// an hour before its flow's last moved the flow's last time back: two alerts, and a record ending before
/// it began. The captures are the review's, built here.
final class PacketTimeReplayTests: ScratchDirectoryTestCase {
    /// 2026-06-15T01:00:00Z (10:00 JST), in µs.
    static let t0: Int64 = 1_781_485_200_000_000
    /// The core switch's MAC (a declared router, so the host rules leave these frames alone).
    static let router: [UInt8] = [0x02, 0, 0, 0, 0, 0x01]

    static func address(_ s: String) -> [UInt8] { s.split(separator: ".").map { UInt8($0)! } }

    /// An Ethernet frame from the router of an IPv4 packet `proto` from `src` to `dst` carrying `transport`.
    static func frame(_ src: String, _ dst: String, proto: UInt8, _ transport: [UInt8]) -> [UInt8] {
        [0x02, 0, 0, 0, 0, 0x02] + router + [0x08, 0x00]
            + PcapBytes.ipv4(proto, id: 1, address(src), address(dst), payload: transport.count) + transport
    }

    static func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xff)] }

    /// A TCP segment (sequence 1, no options, checksum left zero) with `flags` and `data`.
    static func tcp(_ src: String, _ sport: UInt16, _ dst: String, _ dport: UInt16, _ flags: UInt8, data: Int = 0)
        -> [UInt8]
    {
        frame(
            src, dst, proto: 6,
            be16(sport) + be16(dport) + [0, 0, 0, 1, 0, 0, 0, 0, 0x50, flags, 0xff, 0xff, 0, 0, 0, 0]
                + [UInt8](repeating: 0x78, count: data))
    }

    static func udp(_ src: String, _ sport: UInt16, _ dst: String, _ dport: UInt16) -> [UInt8] {
        frame(src, dst, proto: 17, be16(sport) + be16(dport) + be16(12) + [0, 0, 1, 2, 3, 4])
    }

    /// An LGWAN host's DNS query to the LGWAN DNS server: allowed, and unrelated to every other flow.
    static let strayQuery = udp("10.20.1.5", 5353, "10.20.1.53", 53)

    /// Writes `frames` (seconds after t0) as a classic pcap named `name`.
    func write(_ name: String, _ frames: [(seconds: Double, frame: [UInt8])]) throws -> URL {
        var pcap = PcapBytes()
        for f in frames { pcap.append(f.frame, micros: Self.t0 + Int64((f.seconds * 1_000_000).rounded())) }
        let url = scratch.appendingPathComponent(name)
        try pcap.data.write(to: url)
        return url
    }

    /// The replay of `capture`: its outcome, alerts, summary and flow records.
    func replay(_ capture: URL) throws -> (
        outcome: ProcessOutcome, alerts: [[String: Any]], summary: [String: Any], flows: [[String: Any]]
    ) {
        let flowsFile = scratch.appendingPathComponent(capture.lastPathComponent + ".flows")
        let outcome = try Harness.run(
            zonesep,
            [
                "replay", "--config", root.appendingPathComponent("zones.conf").path, "--output", "json", "--flows",
                flowsFile.path, capture.path,
            ], timeout: 60)
        let (alerts, summary, problems) = JSONLines.replay(outcome)
        XCTAssertEqual(problems, [], capture.lastPathComponent)
        let flows = try String(contentsOf: flowsFile, encoding: .utf8).split(separator: "\n").compactMap {
            JSONLines.object($0)
        }
        return (outcome, alerts.map(\.object), try XCTUnwrap(summary, outcome.brief), flows)
    }

    static func alertLines(_ alerts: [[String: Any]]) -> [String] {
        alerts.map { a in
            ["timestamp", "src_ip", "dest_ip", "rule", "initiator"].map { "\(a[$0] ?? "-")" }.joined(separator: " ")
        }
    }

    static func flowLine(_ f: [String: Any]) -> String {
        ["proto", "src_ip", "src_port", "dest_ip", "dest_port", "start", "end", "end_reason", "initiator"]
            .map { "\(f[$0] ?? "-")" }.joined(separator: " ")
    }

    static func coverage(_ summary: [String: Any], _ key: String) -> Int? {
        JSONLines.int((summary["coverage"] as? [String: Any])?[key])
    }

    func testALonePacketStampedAnHourAheadEndsNoFlow() throws {
        let (a, b) = (("10.10.1.21", UInt16(50001)), ("10.30.1.21", UInt16(443)))
        let (c, d) = (("10.10.1.22", UInt16(50002)), ("172.20.9.9", UInt16(8443)))
        let handshakes: [(seconds: Double, frame: [UInt8])] = [
            (0, Self.tcp(a.0, a.1, b.0, b.1, 0x02)), (0.1, Self.tcp(b.0, b.1, a.0, a.1, 0x12)),
            (0.2, Self.tcp(a.0, a.1, b.0, b.1, 0x10)), (0.3, Self.tcp(c.0, c.1, d.0, d.1, 0x02)),
            (0.4, Self.tcp(d.0, d.1, c.0, c.1, 0x12)), (0.5, Self.tcp(c.0, c.1, d.0, d.1, 0x10)),
        ]
        let rest: [(seconds: Double, frame: [UInt8])] = [
            (1, Self.tcp(a.0, a.1, b.0, b.1, 0x18, data: 1)), (1.1, Self.tcp(b.0, b.1, a.0, a.1, 0x18, data: 1)),
            (1.2, Self.tcp(c.0, c.1, d.0, d.1, 0x18, data: 1)), (1.3, Self.tcp(d.0, d.1, c.0, c.1, 0x18, data: 1)),
            (2, Self.tcp(a.0, a.1, b.0, b.1, 0x11)), (2.1, Self.tcp(b.0, b.1, a.0, a.1, 0x11)),
            (2.2, Self.tcp(a.0, a.1, b.0, b.1, 0x10)),
        ]
        let clean = try replay(try write("fwd1h_nodns.pcap", handshakes + rest))
        let stray = try replay(try write("fwd1h.pcap", handshakes + [(3_601, Self.strayQuery)] + rest))
        XCTAssertEqual(clean.outcome.status, 1, clean.outcome.brief)
        XCTAssertEqual(stray.outcome.status, 1, stray.outcome.brief)
        XCTAssertEqual(
            Self.alertLines(clean.alerts),
            [
                "2026-06-15T01:00:00.000000Z 10.10.1.21 10.30.1.21 mynumber-isolation syn",
                "2026-06-15T01:00:00.300000Z 10.10.1.22 172.20.9.9 mynumber-isolation syn",
            ])
        XCTAssertEqual(Self.alertLines(stray.alerts), Self.alertLines(clean.alerts), "one connection, one alert")
        XCTAssertEqual(
            stray.flows.filter { $0["proto"] as? String == "tcp" }.map(Self.flowLine), clean.flows.map(Self.flowLine),
            "the connections' records are those of the capture without the stray packet")
        XCTAssertEqual(clean.flows.count, 2)
        XCTAssertEqual(
            stray.flows.filter { $0["proto"] as? String == "udp" }.map(Self.flowLine),
            [
                "udp 10.20.1.5 5353 10.20.1.53 53 2026-06-15T02:00:01.000000Z 2026-06-15T02:00:01.000000Z end-of-capture "
                    + "first-packet"
            ], "the stray packet's own flow, at its own time")
        XCTAssertEqual(JSONLines.int(clean.summary["flows"]), 2)
        XCTAssertEqual(JSONLines.int(stray.summary["flows"]), 3)
        XCTAssertEqual(Self.coverage(stray.summary, "time_jumps_ignored"), 1)
        XCTAssertEqual(Self.coverage(clean.summary, "time_jumps_ignored"), 0)
        XCTAssertTrue(
            stray.outcome.stderrText.contains(
                "1 packet was stamped more than 10 s ahead of the packets before and after it (the first at "
                    + "2026-06-15T02:00:01.000000Z)"), stray.outcome.stderrText)
        XCTAssertEqual(clean.outcome.stderrText, "")
    }

    /// The demo's web-conference exception allows the Internet zone's UDP flow to 198.51.100.7:3478; its
    /// ports are both registered, so its initiator is its first packet's sender. Ended by the stray packet's
    /// sweep, it went on as a new flow starting with the reply, the server as initiator: a violation.
    func testAnAllowedFlowStaysAllowedPastALoneJump() throws {
        let request = Self.udp("10.30.1.40", 3500, "198.51.100.7", 3478)
        let reply = Self.udp("198.51.100.7", 3478, "10.30.1.40", 3500)
        let r = try replay(
            try write(
                "fwd_udp.pcap",
                [(3_600, request), (3_600.1, reply), (7_200, Self.strayQuery), (3_601.1, reply), (3_601.2, request)]))
        XCTAssertEqual(r.outcome.status, 0, r.outcome.brief)
        XCTAssertEqual(r.alerts.count, 0)
        XCTAssertEqual(
            r.flows.filter { $0["dest_port"] as? Int == 3478 }.map(Self.flowLine),
            [
                "udp 10.30.1.40 3500 198.51.100.7 3478 2026-06-15T02:00:00.000000Z 2026-06-15T02:00:01.200000Z "
                    + "end-of-capture first-packet"
            ])
        XCTAssertEqual(Self.coverage(r.summary, "time_jumps_ignored"), 1)
    }

    /// One connection whose fifth packet, the server's data, is stamped an hour early.
    func testAPacketStampedBeforeItsFlowsLastLeavesOneFlow() throws {
        let (c, s) = (("10.10.1.20", UInt16(50000)), ("10.30.1.20", UInt16(443)))
        let r = try replay(
            try write(
                "back1h.pcap",
                [
                    (0, Self.tcp(c.0, c.1, s.0, s.1, 0x02)), (0.1, Self.tcp(s.0, s.1, c.0, c.1, 0x12)),
                    (0.2, Self.tcp(c.0, c.1, s.0, s.1, 0x10)), (1, Self.tcp(c.0, c.1, s.0, s.1, 0x18, data: 5)),
                    (2 - 3_600, Self.tcp(s.0, s.1, c.0, c.1, 0x18, data: 6)), (3, Self.tcp(c.0, c.1, s.0, s.1, 0x10)),
                    (4, Self.tcp(c.0, c.1, s.0, s.1, 0x11)), (4.1, Self.tcp(s.0, s.1, c.0, c.1, 0x11)),
                    (4.2, Self.tcp(c.0, c.1, s.0, s.1, 0x10)),
                ]))
        XCTAssertEqual(r.outcome.status, 1, r.outcome.brief)
        XCTAssertEqual(
            Self.alertLines(r.alerts), ["2026-06-15T01:00:00.000000Z 10.10.1.20 10.30.1.20 mynumber-isolation syn"])
        XCTAssertEqual(
            r.flows.map(Self.flowLine),
            ["tcp 10.10.1.20 50000 10.30.1.20 443 2026-06-15T01:00:00.000000Z 2026-06-15T01:00:04.200000Z closed syn"],
            "one flow, ending after it began")
        XCTAssertEqual(Self.coverage(r.summary, "time_back_in_flow"), 1)
        XCTAssertEqual(Self.coverage(r.summary, "time_jumps_ignored"), 0)
    }
}
