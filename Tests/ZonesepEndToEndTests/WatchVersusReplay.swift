import Foundation
import XCTest
import ZonesepTestSupport

/// Frames that no host's stack would send, replayed from a capture file and sent raw to `zonesep watch
/// --workers 3` on the three-zone network: the worker tests' common half, so each writes only its frames
/// and what it expects of the replay.
extension LiveTestCase {
    /// The zones of `TestNetwork.threeZones`, each with an IPv6 network too (`fd00:NN::/48`).
    static let threeZonesConfig =
        ZonesText.sensor("worker-test") + ZonesText.zone("mynumber", "10.10.0.0/16", "fd00:10::/48")
        + ZonesText.zone("lgwan", "10.20.0.0/16", "fd00:20::/48")
        + ZonesText.zone("internet", "10.30.0.0/16", "fd00:30::/48") + "\n"

    /// An alert as "rule proto src:port -> dest:port" (-1 for no port), to compare watch's with the replay's.
    static func key(_ a: [String: Any]) -> String {
        "\(a["rule"] as? String ?? "?") \(a["proto"] as? String ?? "?") \(a["src_ip"] as? String ?? "?"):"
            + "\(JSONLines.int(a["src_port"]) ?? -1) -> \(a["dest_ip"] as? String ?? "?"):"
            + "\(JSONLines.int(a["dest_port"]) ?? -1)"
    }

    /// What must be the same in watch's summary and the replay's: totals, coverage, anomalies, the matrix.
    static func totals(_ s: [String: Any]?) -> [String] {
        var out: [String] = []
        for k in ["packets", "bytes", "ip_packets", "flows"] { out.append("\(k) \(JSONLines.int(s?[k]) ?? -1)") }
        let coverage = s?["coverage"] as? [String: Any] ?? [:]
        for k in ["frames", "judged", "not_verified"] {
            out.append("coverage.\(k) \(JSONLines.int(coverage[k]) ?? -1)")
        }
        out.append("not_verified_by_reason \(coverage["not_verified_by_reason"] as? [String: Any] ?? [:])")
        let anomalies = (s?["anomalies"] as? [String: Any] ?? [:]).mapValues { JSONLines.int($0) ?? -1 }
        out.append("anomalies \(anomalies.sorted { $0.key < $1.key })")
        let matrix = s?["matrix"] as? [String: Any] ?? [:]
        for table in ["packets", "flows"] {
            let cells = (matrix[table] as? [[String: Any]] ?? []).map { c in
                c.keys.sorted().map { "\($0)=\(c[$0].map { "\($0)" } ?? "")" }.joined(separator: ",")
            }
            out += cells.sorted().map { "matrix.\(table) \($0)" }
        }
        return out
    }

    /// Builds the three-zone network (taken down in tearDown) and writes `threeZonesConfig` into the scratch
    /// directory; skips the test where raw frames cannot be sent (no python3) or the network cannot be built.
    func threeZonesWithConfig() throws -> (TestNetwork, config: URL) {
        _ = try Tools.require("python3", package: "python3")
        let net = try TestNetwork.threeZones()
        network = net
        let configURL = scratch.appendingPathComponent("zones.conf")
        try Self.threeZonesConfig.write(to: configURL, atomically: true, encoding: .utf8)
        return (net, configURL)
    }

    /// Writes `frames` as the classic pcap `name` in the scratch directory, a millisecond apart, and replays
    /// it with JSON output and `extra` arguments.
    func replay(_ frames: [[UInt8]], savedAs name: String, config: URL, _ extra: [String] = []) throws
        -> ProcessOutcome
    {
        var pcap = PcapBytes()
        for (i, f) in frames.enumerated() { pcap.append(f, micros: 1_781_480_460_000_000 + Int64(i) * 1000) }
        let pcapURL = scratch.appendingPathComponent(name)
        try pcap.data.write(to: pcapURL)
        return try Harness.run(
            zonesep, ["replay", "--config", config.path, "--output", "json"] + extra + [pcapURL.path], timeout: 60)
    }

    /// Runs `zonesep watch --workers 3` (with `extra` arguments) on the sensor's port, calls `beforeSending`
    /// with it once it watches (a reload, say), sends `frames` raw from the mynumber host, stops it once it
    /// has written the replay's alerts, and checks that its alerts and summary totals are the replay's and
    /// that every frame went to one worker. Returns watch's alerts and its packets by worker.
    func watchMatchesReplay(
        _ frames: [[UInt8]], on net: TestNetwork, config: URL, _ extra: [String] = [],
        replayAlerts expected: [[String: Any]], replaySummary: [String: Any]?,
        beforeSending: (LiveDaemon) throws -> Void = { _ in }, file: StaticString = #filePath, line: UInt = #line
    ) throws -> (alerts: [[String: Any]], workers: [Int]?) {
        let alertsURL = scratch.appendingPathComponent("alerts.jsonl")
        let (tool, args) = net.inNamespace(
            net.sensorNamespace,
            [
                zonesep.path, "watch", "--interface", net.sensorInterface, "--config", config.path,
                "--alerts", alertsURL.path, "--suppress-window", "0", "--output", "json", "--workers", "3",
                "--stats-interval", "0",
            ] + extra + [
                // Only the frames sent here, not the hosts' own IPv6 chatter (router solicitations, MLD).
                "--bpf", "ether host 02:00:00:00:77:30",
            ])
        let watch = try LiveDaemon(tool, args, scratch: scratch)
        daemon = watch
        try watch.waitForStderr("watching ")
        try beforeSending(watch)
        try sendRaw(frames, from: "mynumber", on: net)
        let events = EventFile(url: alertsURL)
        stop(watch, after: expected.count, alertsIn: events)

        let live = events.alerts()
        let summary = events.records().last
        XCTAssertEqual(summary?["event_type"] as? String, "summary", file: file, line: line)
        XCTAssertEqual(
            live.map(Self.key).sorted(), expected.map(Self.key).sorted(), "watch --workers 3 = replay", file: file,
            line: line)
        XCTAssertEqual(
            Self.totals(summary), Self.totals(replaySummary), "packets, coverage, anomalies and matrix", file: file,
            line: line)
        let workers = (events.records().last { $0["event_type"] as? String == "stats" }?["worker_packets"] as? [Any])?
            .compactMap(JSONLines.int)
        XCTAssertEqual(
            workers?.reduce(0, +), frames.count, "every frame, each taken by one worker: \(workers ?? [])", file: file,
            line: line)
        return (live, workers)
    }
}
