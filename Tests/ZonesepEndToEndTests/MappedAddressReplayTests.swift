import Foundation
import XCTest
import ZonesepTestSupport

/// An IPv6 packet with IPv4-mapped addresses (::ffff:a.b.c.d) is judged by the IPv4 addresses' zones, but it
/// is an IPv6 packet: its alert, flow record, summary and report write the addresses as on the wire, its
/// `flow_id` is the Community ID tshark computes for it, and IPv4 packets between the same addresses are
/// another flow. (REVIEW-73 #6: the reviewer's flow, whose Community ID they computed independently.)
final class MappedAddressReplayTests: ScratchDirectoryTestCase {
    static let conf =
        ZonesText.sensor("mapped") + ZonesText.zone("mynumber", "10.10.0.0/16")
        + ZonesText.zone("lgwan", "10.20.0.0/16") + ZonesText.zone("internet", "10.30.0.0/16")
        + "\n[[routers]]\nname = \"core\"\nmacs = [\"02:00:00:00:00:01\"]\n\n"

    /// Ethernet from the router's MAC, IPv4 or IPv6 as `src` is written, and a TCP segment of `flags`.
    static func frame(_ src: String, _ dst: String, _ sport: UInt16, _ dport: UInt16, flags: UInt8 = 0x02) throws
        -> [UInt8]
    {
        var tcp = PcapBytes.tcpSYN(sport, dport)
        tcp[13] = flags
        let v6 = src.contains(":")
        let eth: [UInt8] = [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, v6 ? 0x86 : 0x08, v6 ? 0xdd : 0x00]
        let ip =
            v6
            ? PcapBytes.ipv6(
                6, try AddressFamilyReplayTests.bytes(src), try AddressFamilyReplayTests.bytes(dst), payload: 20)
            : PcapBytes.ipv4(
                6, id: 1, try AddressFamilyReplayTests.bytes(src), try AddressFamilyReplayTests.bytes(dst), payload: 20)
        return eth + ip + tcp
    }

    func testMappedAddressesAreWrittenHashedAndKeyedAsIPv6() throws {
        // The reviewer's flow (mynumber → lgwan over IPv6), then an IPv6 SYN lgwan → internet answered by an
        // IPv4 SYN-ACK between the same IPv4 addresses (t10.pcap): no connection spans two IP versions.
        let t0: Int64 = 1_781_481_600_000_000
        var pcap = PcapBytes()
        pcap.append(try Self.frame("::ffff:10.10.1.50", "::ffff:10.20.1.50", 50011, 443), micros: t0)
        pcap.append(try Self.frame("::ffff:10.20.1.90", "::ffff:10.30.6.1", 40000, 3389), micros: t0 + 1_000)
        pcap.append(try Self.frame("10.30.6.1", "10.20.1.90", 3389, 40000, flags: 0x12), micros: t0 + 2_000)
        let capture = scratch.appendingPathComponent("mapped.pcap")
        try pcap.data.write(to: capture)
        let confFile = scratch.appendingPathComponent("zones.conf")
        try Self.conf.write(to: confFile, atomically: true, encoding: .utf8)
        let flows = scratch.appendingPathComponent("flows.jsonl")
        let md = scratch.appendingPathComponent("report.md")
        let outcome = try Harness.run(
            zonesep,
            [
                "replay", "--config", confFile.path, "--output", "json", "--flows", flows.path, "--report", md.path,
                "--report-format", "md", capture.path,
            ], timeout: 60)
        XCTAssertEqual(outcome.status, 1, outcome.brief)
        let (alerts, summary, problems) = JSONLines.replay(outcome)
        XCTAssertEqual(problems, [])

        // Judged through the mapping: the mynumber zone's address reaches the LGWAN zone's.
        let first = try XCTUnwrap(alerts.map(\.object).first { $0["dest_port"] as? Int == 443 }, "\(alerts)")
        XCTAssertEqual(first["rule"] as? String, "mynumber-isolation")
        XCTAssertEqual(first["src_zone"] as? String, "mynumber")
        XCTAssertEqual(first["dest_zone"] as? String, "lgwan")
        XCTAssertEqual(first["src_ip"] as? String, "::ffff:10.10.1.50")
        XCTAssertEqual(first["dest_ip"] as? String, "::ffff:10.20.1.50")
        XCTAssertEqual(first["flow_id"] as? String, "1:F3ZoOu1dsSXE7sGnmQoa/kCy+hw=")
        XCTAssertTrue(
            (first["message"] as? String)?.contains("::ffff:10.10.1.50 → ") == true, "\(first["message"] ?? "")")
        let violations = try XCTUnwrap(summary?["violations"] as? [[String: Any]])
        XCTAssertEqual(violations.first?["src_ip"] as? String, "::ffff:10.10.1.50")
        XCTAssertEqual(violations.first?["flow_id"] as? String, "1:F3ZoOu1dsSXE7sGnmQoa/kCy+hw=")

        // Three flows: the IPv6 SYN to 3389 and the IPv4 SYN-ACK are not one connection.
        var records: [String: [String: Any]] = [:]
        for line in try String(contentsOf: flows, encoding: .utf8).split(separator: "\n") {
            let o = try XCTUnwrap(JSONLines.object(line), String(line))
            records["\(o["src_ip"] as? String ?? "?") \(o["dest_port"] as? Int ?? -1)"] = o
        }
        XCTAssertEqual(records.count, 3, "\(records.keys)")
        let v6 = try XCTUnwrap(records["::ffff:10.20.1.90 3389"], "\(records.keys)")
        let v4 = try XCTUnwrap(records["10.20.1.90 3389"], "\(records.keys)")
        XCTAssertEqual(JSONLines.int(v6["packets_toserver"]), 1)
        XCTAssertEqual(JSONLines.int(v6["packets_toclient"]), 0)
        XCTAssertEqual(v4["initiator"] as? String, "syn-ack")
        XCTAssertEqual(JSONLines.int(v4["packets_toclient"]), 1)
        XCTAssertEqual(records["::ffff:10.10.1.50 443"]?["flow_id"] as? String, first["flow_id"] as? String)

        // Each flow's flow_id is the Community ID tshark computes for its packets.
        let tshark = try Tools.require("tshark", package: "tshark")
        let ids = try Harness.run(
            tshark,
            ["-n", "-r", capture.path, "--enable-protocol", "communityid", "-T", "fields", "-e", "communityid"],
            timeout: 60)
        let theirs = ids.stdoutText.split(separator: "\n").map(String.init)
        XCTAssertEqual(
            theirs,
            [first["flow_id"] as? String, v6["flow_id"] as? String, v4["flow_id"] as? String].compactMap { $0 })
        XCTAssertNotEqual(v6["flow_id"] as? String, v4["flow_id"] as? String)

        // The report shows the addresses as the alert does, from the replay and from the saved run alike.
        let page = try String(contentsOf: md, encoding: .utf8)
        XCTAssertTrue(page.contains("[::ffff:10.10.1.50]:50011"), page)
        let saved = scratch.appendingPathComponent("run.jsonl")
        try outcome.stdout.write(to: saved)
        let again = scratch.appendingPathComponent("again.md")
        let report = try Harness.run(
            zonesep, ["report", saved.path, "--config", confFile.path, "-o", again.path, "--report-format", "md"],
            timeout: 60)
        XCTAssertEqual(report.status, 0, report.brief)
        XCTAssertEqual(try Data(contentsOf: again), try Data(contentsOf: md), "report ≠ replay --report")
    }
}
