import Foundation
import XCTest
import ZonesepTestSupport

/// A pcapng Simple Packet Block has no timestamp; libpcap, and zonesep's own reader after it, give it time 0.
/// Judged at 1970-01-01, it was allowed by an exception that had expired, and the file's last packet became
/// 1970. Now such a packet is not verified (`no-timestamp`), named on stderr, and never a file's first or last
/// packet, with zonesep's reader as with libpcap alone.
final class SimplePacketBlockReplayTests: ScratchDirectoryTestCase {
    /// A finance PC's (10.30.8.x, VLAN 130) SYN to e-Tax 192.0.2.80:443, which the shipped zones.conf's
    /// exception `etax-direct` allowed until 2026-06-14.
    static func etaxSYN(host: UInt8, sport: UInt16) -> [UInt8] {
        let macs: [UInt8] = [2, 0, 0, 0, 0, 1, 2, 0, 0, 0x30, 8, host]
        return macs + [0x81, 0x00, 0, 130, 0x08, 0x00]
            + PcapBytes.ipv4(6, id: sport, [10, 30, 8, host], [192, 0, 2, 80], payload: 20)
            + PcapBytes.tcpSYN(sport, 443)
    }

    func testASimplePacketBlockIsNotJudgedAtTheEpoch() throws {
        // An Enhanced Packet Block at 2026-06-15T01:00:00Z (after the expiry), then a Simple Packet Block.
        var file = PcapngBytes(secondsResolution: false)
        file.append(Self.etaxSYN(host: 6, sport: 50001), timestamp: 1_781_485_200_000_000)
        file.appendSimple(Self.etaxSYN(host: 5, sport: 50000))
        let capture = scratch.appendingPathComponent("spb.pcapng")
        try file.data.write(to: capture)
        let conf = root.appendingPathComponent("zones.conf").path

        for reader in ["auto", "libpcap"] {
            let flows = scratch.appendingPathComponent("flows-\(reader).jsonl")
            let outcome = try Harness.run(
                zonesep,
                [
                    "replay", "--config", conf, "--output", "json", "--reader", reader, "--flows", flows.path,
                    capture.path,
                ], timeout: 60)
            XCTAssertEqual(outcome.status, 1, "\(reader): \(outcome.brief)")
            let (alerts, summary, problems) = JSONLines.replay(outcome)
            XCTAssertEqual(problems, [], reader)
            XCTAssertEqual(alerts.compactMap { $0.object["src_ip"] as? String }, ["10.30.8.6"], reader)
            let s = try XCTUnwrap(summary, reader)
            let file = try XCTUnwrap((s["files"] as? [[String: Any]])?.first, reader)
            XCTAssertEqual(JSONLines.int(file["packets"]), 2, reader)
            XCTAssertEqual(file["first_packet"] as? String, "2026-06-15T01:00:00.000000Z", reader)
            XCTAssertEqual(file["last_packet"] as? String, "2026-06-15T01:00:00.000000Z", reader)
            let coverage = try XCTUnwrap(s["coverage"] as? [String: Any], reader)
            XCTAssertEqual(JSONLines.int(coverage["judged"]), 1, reader)
            XCTAssertEqual(JSONLines.int(coverage["not_verified"]), 1, reader)
            XCTAssertEqual(
                JSONLines.int((coverage["not_verified_by_reason"] as? [String: Any])?["no-timestamp"]), 1, reader)
            let etax = try XCTUnwrap(
                (s["declarations"] as? [[String: Any]])?.first { $0["name"] as? String == "etax-direct" }, reader)
            XCTAssertEqual(JSONLines.int(etax["flows"]), 0, "\(reader): \(etax)")
            let records = try String(contentsOf: flows, encoding: .utf8)
            XCTAssertFalse(records.contains("1970-01-01"), "\(reader): \(records)")
            XCTAssertTrue(
                outcome.stderrText.contains(capture.path + ": 1 of 2 packets have no timestamp"), outcome.stderrText)
        }
    }
}
