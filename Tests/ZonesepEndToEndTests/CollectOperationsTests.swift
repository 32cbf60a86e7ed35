import Foundation
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// `zonesep collect` as a service is watched: periodic stats records and Prometheus metrics with each
/// exporter's counts, flow records from exported flows, and syslog messages naming the export — with
/// softflowd exporting the demonstration captures, a real rsyslogd receiving, promtool checking the scrape.
extension CollectTests {
    /// The metric samples of a scrape, by name and labels as written (`name{a="b"}`).
    static func samples(_ text: String) -> [String: Double] {
        var out: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let v = Double(line[line.index(after: space)...]) else {
                continue
            }
            out[String(line[..<space])] = v
        }
        return out
    }

    /// The alerts file of a running collector holds the alerts of the datagrams read so far: they are
    /// written at the end of each poll's datagrams (as syslog's messages leave), not held until it stops.
    func testTheAlertsFileHasEachPollsAlertsWhileTheCollectorRuns() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zonesep-collect-alerts-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let alertsFile = dir.appendingPathComponent("alerts.jsonl")
        var inTheFile: [[String: Any]] = []
        var onStdout = 0
        let run = try collect(extra: ["--alerts", alertsFile.path]) { c in
            try softflowd(c.port, ["-v", "10", "-A", "milli"])
            // Standard output, written line by line, has every alert once its count stops growing.
            var last = -1
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline {
                usleep(500_000)
                let n = c.records.filter { $0["event_type"] as? String == "alert" }.count
                if n > 0 && n == last { break }
                last = n
            }
            onStdout = last
            // Read while the collector still runs (no stats record is due: the interval is a minute).
            inTheFile = String(decoding: (try? Data(contentsOf: alertsFile)) ?? Data(), as: UTF8.self)
                .split(separator: "\n").compactMap(JSONLines.object)
                .filter { $0["event_type"] as? String == "alert" }
        }
        XCTAssertGreaterThan(onStdout, 0)
        XCTAssertEqual(inTheFile.count, onStdout, "the file had every alert stdout had before the collector stopped")
        XCTAssertEqual(Set(inTheFile.map { Key($0) }), Set(run.alerts.map { Key($0) }))
    }

    func testStatsAndMetricsCountEachExporterAndAgreeWithTheSummary() throws {
        let curl = try XCTUnwrap(Tools.find("curl"), "curl is not installed")
        var scrape = ""
        let run = try collect(extra: ["--stats-interval", "1", "--metrics", "127.0.0.1:0"]) { c in
            try softflowd(c.port, ["-v", "10", "-A", "milli"])
            // Everything is in once two stats records a second apart count the same records.
            var last = -1
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline {
                usleep(1_100_000)
                let n = c.records.last { $0["event_type"] as? String == "stats" }.flatMap {
                    JSONLines.int($0["records"])
                }
                if let n, n > 0, n == last { break }
                last = n ?? -1
            }
            usleep(1_100_000)  // the metrics are refreshed once a second
            let line = c.stderr.split(separator: "\n").first { $0.contains("metrics at http://127.0.0.1:") } ?? ""
            let url = String(line[(line.range(of: "http://")?.lowerBound ?? line.endIndex)...])
            let outcome = try Harness.run(curl, ["-sS", "--max-time", "5", url], timeout: 20)
            XCTAssertEqual(outcome.status, 0, outcome.brief)
            scrape = outcome.stdoutText
        }
        let summaryExporters = try XCTUnwrap(run.summary["exporters"] as? [[String: Any]])
        XCTAssertEqual(summaryExporters.count, 1)
        let e = summaryExporters[0]
        XCTAssertGreaterThan(JSONLines.int(e["records"]) ?? 0, 50)

        // Stats: periodic ones while it ran, and a last one at the stop with the summary's counts.
        let stats = run.records.filter { $0["event_type"] as? String == "stats" }
        XCTAssertGreaterThanOrEqual(stats.count, 3, "periodic stats records, then the closing one")
        let last = try XCTUnwrap(stats.last)
        XCTAssertEqual(last["input"] as? String, "flow-export")
        XCTAssertEqual(run.summary["zonesep_version"] as? String, try version(), "the build that judged")
        XCTAssertEqual(last["listen"] as? [String], ["udp://127.0.0.1:\(run.port)"])
        XCTAssertEqual(last["exporters"] as? NSArray, run.summary["exporters"] as? NSArray)
        XCTAssertEqual(JSONLines.int(last["flows"]), JSONLines.int(run.summary["flows"]))
        XCTAssertEqual(JSONLines.int(last["alerts"]), run.alerts.count)
        // softflowd sends no MACs: the conduit's three flows of the demonstration (its two own, and V1's from
        // another MAC, which replay flags) were allowed with their MAC not verified.
        XCTAssertEqual(JSONLines.int(run.summary["conduit_mac_not_verified"]), 3)
        XCTAssertEqual(JSONLines.int(last["conduit_mac_not_verified"]), 3)
        XCTAssertEqual(last["timestamp"] as? String, "2026-06-15T00:29:00.000000Z", "the latest record time")
        XCTAssertTrue(JSONLines.isNull(stats.first?["timestamp"]) || stats.first?["timestamp"] is String)
        XCTAssertNotNil(last["wall_time"] as? String)
        // Counts only grow from one stats record to the next.
        let records = stats.compactMap { JSONLines.int($0["records"]) }
        XCTAssertEqual(records, records.sorted())

        // Metrics: promtool accepts the scrape; every per-exporter series says what the summary says.
        if let promtool = Tools.find("promtool") {
            let body = FileManager.default.temporaryDirectory.appendingPathComponent("collect-metrics-\(UUID())")
            try scrape.write(to: body, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(at: body) }
            let check = try Harness.run(
                URL(fileURLWithPath: "/bin/sh"), ["-c", "\(promtool.path) check metrics < \(body.path)"], timeout: 20)
            XCTAssertEqual(check.status, 0, "promtool: \(check.stdoutText)\(check.stderrText)")
        }
        let m = Self.samples(scrape)
        let label = "{exporter=\"127.0.0.1\"}"
        // Every count of the summary's exporter has its series, named after it (flow-exports.md: "--metrics
        // serves the same counts").
        let names = [
            "sets_pending": "zonesep_export_sets_pending", "sampling_rate": "zonesep_export_sampling_rate",
            "clock_offset_seconds": "zonesep_export_clock_offset_seconds",
            "datagrams_rejected": "zonesep_export_session_rejected_datagrams_total",
            // promtool refuses a counter whose name says "counter".
            "counter_samples": "zonesep_export_sflow_stats_samples_total",
        ]
        XCTAssertGreaterThanOrEqual(e.count, 20)
        for (field, value) in e where field != "exporter" && field != "decode_failures" {
            let metric = names[field] ?? "zonesep_export_\(field)_total"
            XCTAssertEqual(m[metric + label].map { Int($0) }, JSONLines.int(value), "\(field): \(metric)")
        }
        let failures = m.filter { $0.key.hasPrefix("zonesep_export_decode_failures_total{exporter=\"127.0.0.1\"") }
        XCTAssertEqual(failures.count, 14, "one series per reason")
        XCTAssertEqual(failures.values.reduce(0, +), 0)
        for (reason, count) in e["decode_failures"] as? [String: Any] ?? [:] {
            let series = "zonesep_export_decode_failures_total{exporter=\"127.0.0.1\",reason=\"\(reason)\"}"
            XCTAssertEqual(m[series].map { Int($0) }, JSONLines.int(count), series)
        }
        XCTAssertNotNil(m["zonesep_export_decode_failures_total{exporter=\"127.0.0.1\",reason=\"no-template\"}"])
        XCTAssertEqual(m["zonesep_flows_total"].map { Int($0) }, JSONLines.int(run.summary["flows"]))
        XCTAssertEqual(
            m.filter { $0.key.hasPrefix("zonesep_alerts_total{") }.values.reduce(0, +), Double(run.alerts.count))
        XCTAssertEqual(m["zonesep_records_not_judged_total{reason=\"icmp-error\"}"], 1)
        // Counted as flows end: the scrape comes while they are still open.
        XCTAssertNotNil(m["zonesep_conduit_mac_not_verified_total"])
        XCTAssertEqual(m["zonesep_last_record_timestamp_seconds"], 1_781_483_340)
        XCTAssertEqual(
            m["zonesep_info{sensor=\"midori-core-span\",input=\"flow-export\",version=\"\(try version())\"}"], 1)
    }

    func version() throws -> String {
        let outcome = try Harness.run(try Harness.zonesep(), ["--version"], timeout: 20)
        return outcome.stdoutText.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// `--flows FILE` under collect: one record per flow of the summary, each naming its export; the
    /// violating ones carry the alerts' rules; and against the packet-derived records of `replay --flows`
    /// on the same captures, what differs is what the export cannot show: softflowd counts IP bytes (the
    /// capture counts frames: 14 bytes of Ethernet header and 4 a VLAN tag more) and sends no VLANs.
    func testFlowRecordsOfExportedFlows() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zonesep-collect-flows-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let flowsFile = dir.appendingPathComponent("flows.jsonl")
        let run = try collect(extra: ["--flows", flowsFile.path]) { c in
            try softflowd(c.port, ["-v", "10", "-A", "milli"])
        }
        let flows = try String(contentsOf: flowsFile, encoding: .utf8).split(separator: "\n").map {
            try XCTUnwrap(JSONLines.object($0), String($0))
        }
        XCTAssertEqual(flows.count, JSONLines.int(run.summary["flows"]))
        XCTAssertGreaterThan(flows.count, 40)
        for f in flows {
            // A flow the conduit 'intermediate-server' allowed never had its MAC checked: softflowd sends none.
            let conduit = (f["allowed_by"] as? [String: Any])?["name"] as? String == "intermediate-server"
            XCTAssertEqual(
                Set(f.keys), Set(FlowRecordsTests.flowKeys + ["input", "exporter"] + (conduit ? ["mac_check"] : [])),
                "\(f)")
            if conduit { XCTAssertEqual(f["mac_check"] as? String, "not-in-record", "\(f)") }
            XCTAssertEqual(f["event_type"] as? String, "flow")
            XCTAssertEqual(f["input"] as? String, "ipfix")
            XCTAssertEqual(f["exporter"] as? String, "127.0.0.1")
            XCTAssertEqual(f["vlan"] as? [Int], [], "softflowd's IPFIX carries no VLAN")
        }
        // Every alert's flow has its record, with the alert's rule; the others have no verdict.
        XCTAssertEqual(flows.filter { !JSONLines.isNull($0["verdict"]) }.count, run.alerts.count)
        let byID = Dictionary(grouping: flows) { $0["flow_id"] as? String ?? "" }
        for a in run.alerts {
            let matches = byID[a["flow_id"] as? String ?? ""] ?? []
            XCTAssertEqual(matches.count, 1, "\(a)")
            XCTAssertEqual(matches.first?["verdict"] as? String, a["rule"] as? String)
        }

        // The same captures replayed: the packet-derived record of each flow.
        let replayFlows = dir.appendingPathComponent("replay-flows.jsonl")
        _ = try Harness.run(
            try Harness.zonesep(),
            ["replay", "--config", "zones.conf", "--output", "json", "--flows", replayFlows.path, "captures"],
            timeout: 120, in: root)
        let replayed = Dictionary(
            grouping: try String(contentsOf: replayFlows, encoding: .utf8).split(separator: "\n").compactMap(
                JSONLines.object)
        ) { $0["flow_id"] as? String ?? "" }
        var samePackets = 0
        for f in flows {
            let id = f["flow_id"] as? String ?? ""
            let r = try XCTUnwrap(replayed[id]?.first { $0["start"] as? String == f["start"] as? String }, "\(f)")
            let swapped = r["src_ip"] as? String != f["src_ip"] as? String
            let (toServer, toClient) = swapped ? ("toclient", "toserver") : ("toserver", "toclient")
            let packets = [JSONLines.int(f["packets_toserver"]) ?? 0, JSONLines.int(f["packets_toclient"]) ?? 0]
            let replayPackets = [
                JSONLines.int(r["packets_" + toServer]) ?? 0, JSONLines.int(r["packets_" + toClient]) ?? 0,
            ]
            // Flows the export splits or joins differently (fragments, a port pair reused) aside.
            guard packets == replayPackets else { continue }
            samePackets += 1
            let header = 14 + 4 * ((r["vlan"] as? [Int])?.count ?? 0)
            XCTAssertEqual(
                (JSONLines.int(r["bytes_" + toServer]) ?? 0) - (JSONLines.int(f["bytes_toserver"]) ?? 0),
                packets[0] * header, "IP bytes, not frame bytes: \(f)")
            XCTAssertEqual(
                (JSONLines.int(r["bytes_" + toClient]) ?? 0) - (JSONLines.int(f["bytes_toclient"]) ?? 0),
                packets[1] * header, "IP bytes, not frame bytes: \(f)")
            if r["verdict"] as? String == "conduit-mac-mismatch" {
                // V1's MACs are not in softflowd's records: the conduit's addresses and port allow it, and
                // the record says its MAC was not verified (REVIEW-72 F12).
                XCTAssertTrue(JSONLines.isNull(f["verdict"]), "\(f)")
                XCTAssertEqual((f["allowed_by"] as? [String: Any])?["type"] as? String, "conduit", "\(f)")
                XCTAssertEqual(f["mac_check"] as? String, "not-in-record", "\(f)")
            } else {
                XCTAssertEqual(f["verdict"] as? String, r["verdict"] as? String, "\(f)")
            }
            XCTAssertEqual(f["src_zone"] as? String, r[swapped ? "dest_zone" : "src_zone"] as? String)
        }
        XCTAssertGreaterThanOrEqual(samePackets, flows.count - 8, "most flows have the capture's packet counts")
    }

    /// Syslog messages of collect's alerts carry the input and the exporter (and that MACs were not in the
    /// record) in their structured data, as rsyslog parses it. They arrive while collect runs (it sends what
    /// each wake-up raised), not only at the stop, whose last drain would deliver them too.
    func testSyslogMessagesNameTheInputAndTheExporter() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("zonesep-collect-syslog-\(UUID())")
        defer { try? FileManager.default.removeItem(at: scratch) }
        let c = try Collector(directory: scratch, udp: true, tcp: true, unix: false)
        try c.start()
        defer { c.stop() }
        var beforeTheStop: [String: Int] = [:]
        let run = try collect(extra: [
            "--syslog", "udp://127.0.0.1:\(c.udpPort!)", "--syslog", "tcp://127.0.0.1:\(c.tcpPort!)",
        ]) { running in
            try softflowd(running.port, ["-v", "10", "-A", "milli"])
            // Every alert written, then received by rsyslog, before SIGTERM (each wait bounded).
            let deadline = Date().addingTimeInterval(20)
            while Date() < deadline, running.records.filter({ $0["event_type"] as? String == "alert" }).count < 18 {
                usleep(50_000)
            }
            for input in ["udp", "tcp"] { beforeTheStop[input] = try c.waitFor(18, in: input).count }
        }
        // Fewer than the replay's 22: softflowd cannot show V1's MACs, sends nothing of the QinQ frame, and
        // joins two connections on one port pair, and two DNS queries 300 s apart, into one record each.
        XCTAssertEqual(run.alerts.count, 18)
        XCTAssertEqual(beforeTheStop, ["udp": 18, "tcp": 18], "syslog messages received while collect ran")
        for input in ["udp", "tcp"] {
            let received = try c.waitFor(run.alerts.count, in: input)
            XCTAssertEqual(received.count, run.alerts.count, input)
            XCTAssertEqual(
                received.map { DeliveryTests.identity($0.data) }.sorted(),
                run.alerts.map { DeliveryTests.identity($0) }.sorted(), input)
            for r in received {
                XCTAssertEqual(r.msgID, "alert")
                XCTAssertEqual(r.data["input"] as? String, "ipfix", r.raw)
                XCTAssertEqual(r.data["exporter"] as? String, "127.0.0.1", r.raw)
                XCTAssertEqual(r.data["mac_check"] as? String, "not-in-record", r.raw)
                XCTAssertEqual(r.data["sensor"] as? String, "midori-core-span", r.raw)
            }
        }
    }
}
