import Foundation
import XCTest
import ZonesepTestSupport

/// tcpdump's various_gre.pcap: a TrustSec GRE tunnel (Cisco MetaData, protocol type 0x8909) carrying pings
/// and PIM, its keepalives (with and without the metadata header) and CDP in GRE. The pings are a flow of
/// their own, as tshark reads them, and nothing in the file is left not verified: the keepalives and CDP
/// hold no IP, as CDP on Ethernet does.
final class TrustSecGREReplayTests: ScratchDirectoryTestCase {
    func testMetadataIsOpenedAndKeepalivesHoldNoIP() throws {
        let conf = root.appendingPathComponent("zones.conf")
        let capture = try Harness.corpusDirectory().appendingPathComponent("various_gre.pcap")
        let flows = scratch.appendingPathComponent("flows.jsonl")
        let outcome = try Harness.run(
            zonesep, ["replay", "--config", conf.path, "--output", "json", "--flows", flows.path, capture.path],
            timeout: 60)
        XCTAssertTrue(outcome.exitedNormally, outcome.brief)
        let (_, summary, problems) = JSONLines.replay(outcome)
        XCTAssertEqual(problems, [])
        var pairs = Set<String>()
        for line in try String(contentsOf: flows, encoding: .utf8).split(separator: "\n") {
            let o = try XCTUnwrap(JSONLines.object(line), String(line))
            pairs.insert(
                "\(o["proto"] as? String ?? "?") \(o["src_ip"] as? String ?? "?") \(o["dest_ip"] as? String ?? "?")")
        }
        XCTAssertTrue(pairs.contains("icmp 172.17.1.54 172.17.1.55"), "\(pairs)")
        let c = try XCTUnwrap(summary?["coverage"] as? [String: Any])
        XCTAssertEqual(JSONLines.int(c["frames"]), 100)
        XCTAssertEqual(JSONLines.int(c["not_verified"]), 0, "\(c)")
        XCTAssertEqual(JSONLines.int(c["malformed"]), 0)
        XCTAssertEqual(JSONLines.int(c["judged"]), 12, "10 pings and 2 PIM hellos")
        XCTAssertEqual(JSONLines.int(c["no_ip"]), 88, "STP, CDP, DTP, loopback; 16 keepalives, 2 CDP in GRE")
    }
}
