import Foundation
import XCTest

/// A flow whose records showed it closed (a FIN from both sides, or a RST, or IPFIX flowEndReason 3) ends
/// `closed` in collect's `--flows` records, as replay of the same packets says, against `replay --flows` of
/// the demonstration captures. Before, only a joining record with flowEndReason 3 marked a flow closed:
/// softflowd's IPFIX (both directions' records say 3) was right, but its NetFlow v5 (no such field: 27
/// flows) and pmacct's IPFIX (flags alone: 30 flows) had every closed connection end `idle`.
extension CollectTests {
    /// The `--flows` records of collect fed by `export`, and those of `replay --flows` of the captures by
    /// Community ID.
    func exportedAndReplayedFlows(_ export: (UInt16) throws -> Void) throws -> (
        collected: [[String: Any]], replayed: [String: [[String: Any]]]
    ) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zonesep-collect-end-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let flowsFile = dir.appendingPathComponent("flows.jsonl")
        _ = try collect(extra: ["--stats-interval", "0", "--flows", flowsFile.path]) { c in try export(c.port) }
        let flows = try String(contentsOf: flowsFile, encoding: .utf8).split(separator: "\n").compactMap(
            JSONLines.object)
        let replayFlows = dir.appendingPathComponent("replay-flows.jsonl")
        _ = try Harness.run(
            try Harness.zonesep(),
            ["replay", "--config", "zones.conf", "--output", "json", "--flows", replayFlows.path, "captures"],
            timeout: 120, in: root)
        let replayed = Dictionary(
            grouping: try String(contentsOf: replayFlows, encoding: .utf8).split(separator: "\n").compactMap(
                JSONLines.object)
        ) { $0["flow_id"] as? String ?? "" }
        return (flows, replayed)
    }

    /// Checks that each collected flow ends `closed` exactly where the replay's flow of the same connection
    /// (the same Community ID, starting in the same second: uptimes are milliseconds) does.
    func checkEndReasons(
        _ flows: (collected: [[String: Any]], replayed: [String: [[String: Any]]]), _ name: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        var closed = 0
        var compared = 0
        for f in flows.collected {
            let id = f["flow_id"] as? String ?? ""
            let second = { (o: [String: Any]) in (o["start"] as? String)?.prefix(19) }
            guard let r = flows.replayed[id]?.first(where: { second($0) == second(f) }) else { continue }
            compared += 1
            let replayClosed = r["end_reason"] as? String == "closed"
            XCTAssertEqual(
                f["end_reason"] as? String == "closed", replayClosed, "\(name): collect \(f)\nreplay \(r)", file: file,
                line: line)
            if replayClosed { closed += 1 }
        }
        XCTAssertGreaterThan(compared, 30, name, file: file, line: line)
        XCTAssertGreaterThan(closed, 10, "\(name): the demonstration's closed TCP connections", file: file, line: line)
    }

    func testAFlowItsRecordsShowedClosedEndsClosedAsInReplay() throws {
        checkEndReasons(try exportedAndReplayedFlows { try softflowd($0, ["-v", "10", "-A", "milli"]) }, "IPFIX")
        checkEndReasons(try exportedAndReplayedFlows { try softflowd($0, ["-v", "5", "-a"]) }, "NetFlow v5")
        let pmacct = try exportedAndReplayedFlows {
            try pmacctd(
                $0, plugin: "nfprobe",
                [
                    "nfprobe_receiver[p]: 127.0.0.1:PORT", "nfprobe_version[p]: 10",
                    "aggregate[p]: src_host, dst_host, src_port, dst_port, proto, tcpflags, src_mac, dst_mac, vlan",
                ])
        }
        checkEndReasons(pmacct, "pmacct IPFIX")
    }
}
