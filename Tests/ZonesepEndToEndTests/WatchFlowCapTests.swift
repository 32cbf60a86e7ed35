import Foundation
import XCTest
import ZonesepTestSupport

/// `zonesep watch --workers 3 --max-flows N`: each worker's table holds N flows, as a replay's one table
/// does, so the fanout's grouping by host pair never makes a worker evict what a replay keeps.
final class WatchFlowCapTests: LiveTestCase {
    typealias W = WatchFragmentTests
    typealias T = WatchTunnelTests

    /// Forty connections between one host pair, all on one worker: each worker holds `--max-flows` flows, as
    /// a replay's table does, so the pair's worker evicts nothing that a replay keeps (a third of the cap
    /// each evicted half of them, and they alerted again).
    func testEachWorkerHoldsTheWholeFlowCap() throws {
        let (net, configURL) = try threeZonesWithConfig()
        var frames: [[UInt8]] = []
        for round in 0..<2 {
            for i in 0..<40 {
                let ip = T.ip4(17, "10.10.9.90", "10.30.9.90", T.udp(UInt16(40000 + i), 5000, [UInt8(round)]))
                frames.append(W.ether(ip, fromClient: true))
            }
        }
        let cap = ["--max-flows", "64"]
        let outcome = try replay(frames, savedAs: "pair40.pcap", config: configURL, cap)
        let (replayed, replaySummary, problems) = JSONLines.replay(outcome)
        XCTAssertEqual(problems, [])
        XCTAssertEqual(replayed.count, 40)
        let table = replaySummary?["flow_table"] as? [String: Any]
        XCTAssertEqual(JSONLines.int(table?["evicted"]), 0)

        let alertsURL = scratch.appendingPathComponent("alerts.jsonl")
        _ = try watchMatchesReplay(
            frames, on: net, config: configURL, cap, replayAlerts: replayed.map(\.object), replaySummary: replaySummary)
        let summary = EventFile(url: alertsURL).records().last
        let live = summary?["flow_table"] as? [String: Any]
        XCTAssertEqual(JSONLines.int(live?["evicted"]), 0)
        XCTAssertEqual(JSONLines.int(live?["capacity"]), 3 * 64, "three tables of --max-flows")
    }
}
