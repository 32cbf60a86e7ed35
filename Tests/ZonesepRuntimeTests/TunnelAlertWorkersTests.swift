import Foundation
import XCTest
import ZonesepConfig
import ZonesepCore
import ZonesepOutput
import ZonesepTestSupport

@testable import ZonesepRuntime

/// `watch --workers 2` without the capture: each worker's session remembers its own tunnels, so two workers
/// that see flows of one policy-breaking VXLAN tunnel each raise its alert; `--suppress-window` folds the
/// second into the first, and `--evidence` makes no file for either (no flow of the engine is behind it).
final class TunnelAlertWorkersTests: XCTestCase {
    /// 2026-06-01T00:00:00Z.
    static let t0: Int64 = 1_780_272_000_000_000

    /// VXLAN from 10.10.3.3 (mynumber) to 8.8.8.8 on UDP 4789 from `sport`, around a datagram between two
    /// external addresses (allowed: only the tunnel's ends break the policy).
    static func vxlan(sport: UInt16, at seconds: Int64) -> SinkCombinationTests.Frame {
        func udp(_ s: UInt16, _ d: UInt16, _ payload: [UInt8]) -> [UInt8] {
            let n = 8 + payload.count
            return [UInt8(s >> 8), UInt8(s & 0xff), UInt8(d >> 8), UInt8(d & 0xff), UInt8(n >> 8), UInt8(n & 0xff)]
                + [0, 0] + payload
        }
        func ethernet(_ payload: [UInt8]) -> [UInt8] { [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00] + payload }
        let innerUDP = udp(1234, 5678, Array("SECRET".utf8))
        let inner = PcapBytes.ipv4(17, id: 1, [1, 1, 1, 1], [2, 2, 2, 2], payload: innerUDP.count) + innerUDP
        let outerUDP = udp(sport, 4789, [0x08, 0, 0, 0, 0, 0, 1, 0] + ethernet(inner))
        let bytes = ethernet(
            PcapBytes.ipv4(17, id: 2, [10, 10, 3, 3], [8, 8, 8, 8], payload: outerUDP.count) + outerUDP)
        return SinkCombinationTests.Frame(time: t0 + seconds * 1_000_000, bytes: bytes, wireLength: bytes.count)
    }

    func testTwoWorkersAlertsOfOneTunnelFoldAndMakeNoEvidence() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("tunnel-workers-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let conf = """
            [sensor]
            name = "tunnels"

            [zones.my]
            kind = "mynumber"
            networks = ["10.10.0.0/16"]

            """
        let policy = Policy(try XCTUnwrap(ZonesConfigLoader.load(text: conf, fileName: "zones.conf").config))
        var config = DeliveryConfig()
        config.suppressWindowMicros = 60_000_000
        config.evidenceDirectory = dir.appendingPathComponent("evidence").path
        try FileManager.default.createDirectory(
            atPath: config.evidenceDirectory!, withIntermediateDirectories: true)
        let out = dir.appendingPathComponent("stdout.jsonl")
        let fd = open(out.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        defer { close(fd) }
        let pipeline = try DeliveryPipeline(config, stdout: StdoutSink(format: .json, flushEachLine: false, fd: fd))
        let sessions = (0..<2).map {
            Session(policy: policy, maxFlows: 1 << 10, sinks: pipeline.eventSinks(session: $0, live: true))
        }
        sessions[0].process([Self.vxlan(sport: 50000, at: 0)], inBatchesOf: 8, linkType: .ethernet) { _ in }
        sessions[1].process([Self.vxlan(sport: 50001, at: 1)], inBatchesOf: 8, linkType: .ethernet) { _ in }
        sessions[0].process([Self.vxlan(sport: 50000, at: 2)], inBatchesOf: 8, linkType: .ethernet) { _ in }
        // The stats record and the metrics count each worker's, by rule, as the summary does.
        let snapshots = sessions.map { session -> WorkerSnapshot in
            var s = WorkerSnapshot()
            s.tunnelAlertsByRule = session.tunnelAlertsByRule
            return s
        }
        let isolation = Int(RuleID.mynumberIsolation.rawValue)
        XCTAssertEqual(snapshots.map { $0.tunnelAlertsByRule[isolation] }, [1, 1])
        XCTAssertEqual(snapshots.map { $0.tunnelAlertsByRule.reduce(0, +) }, [1, 1])
        let stats = WatchStats(interface: "span0", snapshots: snapshots).json(sensor: "tunnels", wallMicros: 0)
        XCTAssertTrue(stats.contains("\"host_findings\":0,\"tunnel_alerts\":2,"), stats)
        // The stderr line of text output counts them among its alerts, as the summary's total does.
        var line = WatchStats(interface: "span0", snapshots: snapshots)
        XCTAssertTrue(line.text().contains(" alerts 2 (flows 0, hosts 0, tunnels 2) anomalies 0;"), line.text())
        line.totals.alerts = 3
        line.totals.hostFindingsByRule[0] = 1
        XCTAssertTrue(line.text().contains(" alerts 6 (flows 3, hosts 1, tunnels 2) anomalies 0;"), line.text())
        let metrics = PrometheusText.render(
            WatchMetrics.families(
                interface: "span0", sensor: "tunnels", version: "test", workers: snapshots, link: .up,
                reloads: .init(startedWallMicros: 0), sinks: []))
        XCTAssertTrue(
            metrics.contains("zonesep_tunnel_alerts_total{rule=\"mynumber-isolation\",severity=\"critical\"} 2\n"),
            metrics)
        XCTAssertTrue(
            metrics.contains("zonesep_tunnel_alerts_total{rule=\"lgwan-external\",severity=\"high\"} 0\n"), metrics)
        XCTAssertTrue(
            metrics.contains("zonesep_alerts_total{rule=\"mynumber-isolation\",severity=\"critical\"} 0\n"),
            "a tunnel is no violating flow: \(metrics)")
        var summary = try XCTUnwrap(SummaryMerge.merge(sessions.map { $0.finish(files: []) }, files: []))
        pipeline.finish(into: &summary)
        pipeline.close()

        let records = try String(contentsOf: out, encoding: .utf8).split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        XCTAssertEqual(records.map { $0["event_type"] as? String ?? "?" }, ["alert", "alert_update"])
        XCTAssertEqual(records.first?["tunnel_ends"] as? String, "vxlan")
        XCTAssertEqual(records.first?["src_port"] as? Int, 50000, "the first worker's flow")
        XCTAssertNil(records.first?["evidence"], "no evidence field: no file is made for a tunnel")
        XCTAssertEqual(records.last?["folded"] as? Int, 1)
        XCTAssertEqual(records.last?["tunnel_ends"] as? String, "vxlan", "the update says what it folds")
        XCTAssertEqual(records.last?["flow_id"] as? String, records.first?["flow_id"] as? String)
        XCTAssertEqual(summary.tunnelAlerts, 2, "once per worker that saw it")
        XCTAssertEqual(summary.alertsTotal, 2)
        XCTAssertEqual(summary.alertsSuppressed, 1)
        XCTAssertEqual(summary.tunnelsBreakingPolicy.map(\.flows), [2], "one tunnel, merged")
        XCTAssertEqual(summary.delivery?.evidence?.stats.files, 0)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: config.evidenceDirectory!), [])
    }
}
