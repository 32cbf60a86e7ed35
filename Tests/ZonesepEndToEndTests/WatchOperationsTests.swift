import Foundation
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// `watch` as an operator leaves it running: the mirror port vanishing and coming back (a switch reset, a
/// re-plugged vNIC), the kernel dropping packets, and a monitoring system scraping `/metrics` meanwhile.
/// On network namespaces (TestNetwork); needs root, as the other live tests.
final class WatchOperationsTests: LiveTestCase {
    private func makeNetwork() throws -> TestNetwork {
        let net = try TestNetwork.threeZones()
        network = net
        return net
    }

    /// `zonesep watch` on the sensor's port, IPv4 only (so no background IPv6 or ARP traffic moves a count
    /// between two looks), every record in the alerts file.
    private func start(_ net: TestNetwork, _ extra: [String]) throws -> (LiveDaemon, EventFile) {
        let config = scratch.appendingPathComponent("zones.conf")
        try WatchTests.zonesV1.write(to: config, atomically: true, encoding: .utf8)
        let alerts = scratch.appendingPathComponent("alerts.jsonl")
        let (tool, args) = net.inNamespace(
            net.sensorNamespace,
            [
                zonesep.path, "watch", "--interface", net.sensorInterface, "--config", config.path,
                "--output", "json", "--alerts", alerts.path, "--suppress-window", "0", "--bpf", "ip",
            ] + extra)
        let d = try LiveDaemon(tool, args, scratch: scratch)
        daemon = d
        return (d, EventFile(url: alerts))
    }

    /// The port the daemon says its metrics are on.
    private func metricsPort(_ d: LiveDaemon) throws -> Int {
        try d.waitForStderr("metrics at http://127.0.0.1:")
        let line = d.stderrText.split(separator: "\n").first { $0.contains("metrics at http://127.0.0.1:") } ?? ""
        let port = line.split(separator: ":").last?.split(separator: "/").first.flatMap { Int($0) }
        return try XCTUnwrap(port, "no port in \(line)")
    }

    /// One scrape from inside the sensor's namespace, checked by promtool; the samples by name and labels.
    private func scrape(_ net: TestNetwork, port: Int) throws -> [String: Double] {
        let curl = try Tools.require("curl", package: "curl")
        let (tool, args) = net.inNamespace(
            net.sensorNamespace, [curl.path, "-sS", "--max-time", "5", "http://127.0.0.1:\(port)/metrics"])
        let answer = try Harness.run(tool, args, timeout: 10)
        XCTAssertEqual(answer.status, 0, answer.brief)
        if let promtool = Tools.find("promtool") {
            let body = scratch.appendingPathComponent("scrape.txt")
            try answer.stdout.write(to: body)
            let check = try Harness.run(
                URL(fileURLWithPath: "/bin/sh"), ["-c", "\(promtool.path) check metrics < \(body.path)"], timeout: 20)
            XCTAssertEqual(check.status, 0, "promtool: \(check.stdoutText)\(check.stderrText)")
        }
        var samples: [String: Double] = [:]
        for line in answer.stdoutLines where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                continue
            }
            samples[String(line[..<space])] = value
        }
        return samples
    }

    private func sum(_ samples: [String: Double], _ name: String) -> Double {
        samples.filter { $0.key == name || $0.key.hasPrefix(name + "{") }.values.reduce(0, +)
    }

    private func waitFor(timeout: TimeInterval = 10, _ what: String, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return }
            usleep(100_000)
        }
        XCTFail("timed out waiting for \(what); stderr:\n\(daemon?.stderrText ?? "")")
        throw HarnessError("timed out waiting for \(what)")
    }

    /// One UDP datagram from a fixed source port, so the same flow can be continued later.
    private func udp(_ net: TestNetwork, from host: String, to address: String, sourcePort: Int) throws {
        let o = try net.run(
            on: host, ["bash", "-c", "echo zonesep-test | nc -u -w 1 -p \(sourcePort) \(address) 5353"])
        XCTAssertTrue(o.exitedNormally, o.brief)
    }

    // MARK: -

    /// The bridge is deleted under a running sensor with two workers, then built again: the sensor says so,
    /// shows it in stats and metrics, keeps its flows, and carries on when the interface is back.
    func testTheBridgeDeletedAndRecreatedUnderWatch() throws {
        let net = try makeNetwork()
        let (m, l, i) = (net.host("mynumber").address, net.host("lgwan").address, net.host("internet").address)
        let flows = scratch.appendingPathComponent("flows.jsonl")
        let (d, file) = try start(
            net, ["--workers", "2", "--stats-interval", "1", "--metrics", "127.0.0.1:0", "--flows", flows.path])
        try d.waitForStderr("watching ")
        let port = try metricsPort(d)

        // Before: a mynumber host pings LGWAN, and an LGWAN host sends UDP to the Internet zone, where it is
        // received (a port-unreachable error would go to the other worker: flows' ICMP errors are not this
        // test's subject). The listener only receives (-d: it never reads its stdin, so it answers nothing
        // whatever that holds).
        try net.spawn(on: "internet", ["nc", "-d", "-u", "-l", i, "5353"])
        try waitFor("a UDP listener") {
            !(try net.run(on: "internet", ["ss", "-lunH", "sport = :5353"]).stdoutText.isEmpty)
        }
        try net.ping(from: "mynumber", to: l)
        try udp(net, from: "lgwan", to: i, sourcePort: 40001)
        try waitFor("two alerts") { file.alerts().count == 2 }
        let before = try scrape(net, port: port)
        XCTAssertEqual(sum(before, "zonesep_capture_up"), 2)

        try net.deleteBridge()
        try d.waitForStderr("the interface is gone")
        try d.waitForStderr("flows and state are kept, retrying until the interface is back")
        try waitFor("a stats record with the capture down") {
            file.records().contains { $0["event_type"] as? String == "stats" && $0["capture"] as? String == "down" }
        }
        let down = file.records().last { $0["event_type"] as? String == "stats" && $0["capture"] as? String == "down" }
        XCTAssertEqual(down?["link"] as? String, "missing")
        XCTAssertEqual(down?["worker_capture"] as? [String], ["down", "down"])
        XCTAssertEqual(JSONLines.int(down?["flows_active"]), JSONLines.int(down?["flows"]), "no flow was dropped")
        let sinks = down?["sinks"] as? [[String: Any]] ?? []
        let alertsFile = sinks.first { $0["sink"] as? String == "alerts-file" }
        XCTAssertGreaterThan(
            JSONLines.int(alertsFile?["written"]) ?? 0, 2, "the stats record counts each output: \(sinks)")
        XCTAssertEqual(JSONLines.int(alertsFile?["failed"]), 0)
        let whileDown = try scrape(net, port: port)
        XCTAssertEqual(sum(whileDown, "zonesep_capture_up"), 0)
        XCTAssertEqual(whileDown["zonesep_link_state{state=\"missing\"}"], 1)

        try net.recreateBridge()
        try d.waitForStderr("capturing again")
        try waitFor("both workers capturing in the metrics") {
            let s = try scrape(net, port: port)
            return sum(s, "zonesep_capture_up") == 2 && sum(s, "zonesep_capture_restarts_total") == 2
        }

        // After: the same UDP flow goes on (no new alert: the flow was kept), and a new flow alerts.
        try udp(net, from: "lgwan", to: i, sourcePort: 40001)
        try net.ping(from: "mynumber", to: i)
        try waitFor("the alert after the interface came back") { file.alerts().count == 3 }
        XCTAssertTrue(
            file.alerts().last.map {
                WatchTests.alert($0, rule: "mynumber-isolation", proto: "icmp", src: m, dest: i, port: nil)
            } ?? false, "\(file.alerts())")

        // Quiet now: the metrics settle, and the summary at the stop says the same.
        var settled: [String: Double] = [:]
        try waitFor("the metrics to settle") {
            let a = try scrape(net, port: port)
            usleep(1_200_000)
            let b = try scrape(net, port: port)
            settled = b
            return sum(a, "zonesep_packets_total") == sum(b, "zonesep_packets_total")
        }
        d.signal(SIGTERM)
        let outcome = d.waitForExit(timeout: 30)
        XCTAssertTrue(outcome.exitedNormally && outcome.status == 0, outcome.brief)
        let summary = try XCTUnwrap(file.records().last(where: { $0["event_type"] as? String == "summary" }))
        XCTAssertEqual(sum(settled, "zonesep_packets_total"), Double(JSONLines.int(summary["packets"]) ?? -1))
        XCTAssertEqual(sum(settled, "zonesep_bytes_total"), Double(JSONLines.int(summary["bytes"]) ?? -1))
        XCTAssertEqual(sum(settled, "zonesep_flows_total"), Double(JSONLines.int(summary["flows"]) ?? -1))
        let alerts = summary["alerts"] as? [String: Any]
        XCTAssertEqual(sum(settled, "zonesep_alerts_total"), 3)
        XCTAssertEqual(JSONLines.int(alerts?["total"]), 3)
        XCTAssertEqual(
            settled["zonesep_alerts_total{rule=\"mynumber-isolation\",severity=\"critical\"}"],
            Double(JSONLines.int((alerts?["by_rule"] as? [String: Any])?["mynumber-isolation"]) ?? -1))
        let fileSink = "sink=\"alerts-file\",destination=\"\(file.url.path)\""
        XCTAssertGreaterThan(settled["zonesep_sink_records_written_total{\(fileSink)}"] ?? 0, 3, "\(settled.keys)")
        XCTAssertEqual(settled["zonesep_sink_records_failed_total{\(fileSink)}"], 0)
        // The UDP flow is one flow of two packets, from before the gap and after it.
        let violations = summary["violations"] as? [[String: Any]] ?? []
        let udpFlow =
            violations.first { ($0["alert"] as? [String: Any])?["proto"] as? String == "udp" }
            ?? violations.first {
                $0["proto"] as? String == "udp"
            }
        XCTAssertEqual(JSONLines.int(udpFlow?["packets"]), 2, "the UDP flow went on across the gap: \(violations)")
        // Both datagrams went one way and were counted once each: no copy from a second worker, no reply.
        let udpRecords = EventFile(url: flows).records().filter { $0["proto"] as? String == "udp" }
        XCTAssertEqual(udpRecords.count, 1, "\(udpRecords)")
        XCTAssertEqual(JSONLines.int(udpRecords.first?["packets_toserver"]), 2, "\(udpRecords)")
        XCTAssertEqual(JSONLines.int(udpRecords.first?["packets_toclient"]), 0, "\(udpRecords)")
        // The summary says the sensor was blind meanwhile: the interface gone, each worker's capture reopened.
        let entry = (summary["files"] as? [[String: Any]])?.first
        let outages = entry?["outages"] as? [[String: Any]] ?? []
        XCTAssertEqual(outages.first?["kind"] as? String, "interface-gone", "\(entry ?? [:])")
        XCTAssertTrue(outages.dropFirst().allSatisfy { $0["kind"] as? String == "capture-down" }, "\(outages)")
        XCTAssertEqual(JSONLines.int(entry?["capture_restarts"]), 1, "each of the two workers reopened once")
        XCTAssertGreaterThanOrEqual(JSONLines.int(entry?["blind_seconds"]) ?? 0, 1)
    }

    /// An interface missing at start is an error (status 2), unless `--wait-for-interface` asks to wait.
    func testAMissingInterfaceIsWaitedForOnlyWhenAsked() throws {
        let net = try makeNetwork()
        try net.deleteBridge()
        let (refused, _) = try start(net, [])
        let outcome = refused.waitForExit(timeout: 20)
        XCTAssertEqual(outcome.status, 2, outcome.brief)
        XCTAssertTrue(outcome.stderrText.contains("no such interface \"eth0\""), outcome.stderrText)

        let (d, file) = try start(net, ["--wait-for-interface", "--stats-interval", "1"])
        try d.waitForStderr("eth0 is not there; waiting for it (--wait-for-interface)")
        try d.waitForStderr("watching eth0, not there yet,")
        try net.recreateBridge()
        try d.waitForStderr("capturing again")
        try net.ping(from: "mynumber", to: net.host("lgwan").address)
        try waitFor("the alert once the interface is there") { file.alerts().count == 1 }
        d.signal(SIGTERM)
        XCTAssertEqual(d.waitForExit(timeout: 30).status, 0)
        // The summary names the link type the interface had once it came (it was empty: taken at the start).
        let summary = try XCTUnwrap(file.records().last(where: { $0["event_type"] as? String == "summary" }))
        let files = try XCTUnwrap(summary["files"] as? [[String: Any]])
        XCTAssertEqual(files.first?["link_type"] as? String, "EN10MB", "\(files)")
        XCTAssertTrue(files.first?["note"] is NSNull || files.first?["note"] == nil, "\(files)")
    }

    /// A ring too small for a burst, while the sensor is held still: the kernel drops, and the sensor says so
    /// on stderr, in its stats and in its metrics.
    func testKernelDropsAreWarnedAbout() throws {
        let net = try makeNetwork()
        let (d, file) = try start(
            net, ["--buffer-size", "65536", "--stats-interval", "1", "--metrics", "127.0.0.1:0"])
        try d.waitForStderr("watching ")
        let port = try metricsPort(d)
        try net.ping(from: "mynumber", to: net.host("lgwan").address)
        try waitFor("the first alert") { file.alerts().count == 1 }

        kill(d.process.processIdentifier, SIGSTOP)
        let flood = try net.run(
            on: "mynumber", ["ping", "-n", "-q", "-f", "-c", "3000", "-s", "1200", net.host("lgwan").address],
            timeout: 30)
        kill(d.process.processIdentifier, SIGCONT)
        XCTAssertTrue(flood.exitedNormally, flood.brief)
        try d.waitForStderr("the kernel dropped ")
        XCTAssertTrue(d.stderrText.contains("give it a bigger --buffer-size or more --workers"), d.stderrText)
        try waitFor("a stats record counting the drops") {
            file.records().contains {
                $0["event_type"] as? String == "stats"
                    && (JSONLines.int(($0["kernel"] as? [String: Any])?["dropped"]) ?? 0) > 0
            }
        }
        XCTAssertGreaterThan(sum(try scrape(net, port: port), "zonesep_kernel_dropped_packets_total"), 0)
        d.signal(SIGTERM)
        XCTAssertEqual(d.waitForExit(timeout: 30).status, 0)
    }

    /// A flow table too small for the traffic: the sensor says it has started evicting, and counts it.
    func testEvictionsAreWarnedAboutAndCounted() throws {
        let net = try makeNetwork()
        let (d, file) = try start(net, ["--max-flows", "2", "--stats-interval", "1", "--metrics", "127.0.0.1:0"])
        try d.waitForStderr("watching ")
        let port = try metricsPort(d)
        try net.ping(from: "mynumber", to: net.host("lgwan").address)
        try net.ping(from: "mynumber", to: net.host("internet").address)
        try net.ping(from: "lgwan", to: net.host("internet").address)
        try d.waitForStderr("the flow table is full (2 flows)")
        try waitFor("a stats record with evictions") {
            file.records().contains {
                $0["event_type"] as? String == "stats" && (JSONLines.int($0["flows_evicted"]) ?? 0) > 0
            }
        }
        try waitFor("evictions in the metrics") { sum(try scrape(net, port: port), "zonesep_flows_evicted_total") > 0 }
        d.signal(SIGTERM)
        XCTAssertEqual(d.waitForExit(timeout: 30).status, 0)
    }

    /// The link going down and up (the sensor's own interface taken down; then its cable, the far end, pulled):
    /// said on stderr, shown in stats and metrics, and the capture goes on afterwards.
    func testLinkDownAndUpAreSaid() throws {
        let net = try makeNetwork()
        let (d, file) = try start(net, ["--stats-interval", "1", "--metrics", "127.0.0.1:0"])
        try d.waitForStderr("watching ")
        let port = try metricsPort(d)
        let ip = try Tools.require("ip", package: "iproute2")

        try Tools.run(ip, ["-n", net.sensorNamespace, "link", "set", net.sensorInterface, "down"])
        try d.waitForStderr("eth0: interface is administratively down")
        try waitFor("the link down in the metrics") {
            try scrape(net, port: port)["zonesep_link_state{state=\"down\"}"] == 1
        }
        // The capture stays open under a down link: capture_up and `capture` say the handle, the link says
        // that nothing comes (docs/metrics.md's ZonesepLinkDown watches zonesep_link_up).
        let down = try scrape(net, port: port)
        XCTAssertEqual(down["zonesep_capture_up{worker=\"0\"}"], 1, "the capture is open")
        XCTAssertEqual(down["zonesep_link_up"], 0)
        try waitFor("a stats record with the link down") {
            file.records().contains { $0["event_type"] as? String == "stats" && $0["link"] as? String == "down" }
        }
        let stats = file.records().last { $0["event_type"] as? String == "stats" && $0["link"] as? String == "down" }
        XCTAssertEqual(stats?["capture"] as? String, "up", "\(stats ?? [:])")
        try Tools.run(ip, ["-n", net.sensorNamespace, "link", "set", net.sensorInterface, "up"])
        try d.waitForStderr("eth0: link up after")

        try Tools.run(ip, ["-n", net.bridgeNamespace, "link", "set", "psensor", "down"])
        try d.waitForStderr("eth0: link down (no carrier)")
        try waitFor("no carrier in the metrics") {
            let s = try scrape(net, port: port)
            return s["zonesep_link_state{state=\"no-carrier\"}"] == 1 && s["zonesep_link_up"] == 0
                && s["zonesep_capture_up{worker=\"0\"}"] == 1
        }
        try Tools.run(ip, ["-n", net.bridgeNamespace, "link", "set", "psensor", "up"])
        try d.waitForStderr("eth0: link up after", count: 2)
        try waitFor("the link up in the metrics") { try scrape(net, port: port)["zonesep_link_up"] == 1 }

        try net.ping(from: "mynumber", to: net.host("lgwan").address)
        try waitFor("an alert after the link came back") { file.alerts().count == 1 }
        d.signal(SIGTERM)
        XCTAssertEqual(d.waitForExit(timeout: 30).status, 0)
    }

    /// The closing stats record comes after the flows still open at SIGTERM are ended, so its count for
    /// the flows file is what the file holds (it said 0 when taken before them), and it holds none of those
    /// flows as active, as the summary does not (it said 1, the flow just ended).
    func testTheClosingStatsCountTheFlowRecordsWrittenAtTheEnd() throws {
        let net = try makeNetwork()
        let flows = scratch.appendingPathComponent("flows.jsonl")
        let (d, file) = try start(net, ["--stats-interval", "0", "--flows", flows.path])
        try d.waitForStderr("watching ")
        try udp(net, from: "mynumber", to: net.host("lgwan").address, sourcePort: 40002)
        stop(d, after: 1, alertsIn: file)

        let lines = try String(contentsOf: flows, encoding: .utf8).split(separator: "\n")
        XCTAssertGreaterThan(lines.count, 0, "the open flow's record is written at the end")
        let closing = file.records().last { $0["event_type"] as? String == "stats" }
        let sinks = closing?["sinks"] as? [[String: Any]] ?? []
        let flowsFile = sinks.first { $0["sink"] as? String == "flows-file" }
        XCTAssertEqual(JSONLines.int(flowsFile?["written"]), lines.count, "the closing stats: \(sinks)")
        XCTAssertEqual(flowsFile?["destination"] as? String, flows.path)
        let summary = file.records().last { $0["event_type"] as? String == "summary" }
        let table = summary?["flow_table"] as? [String: Any]
        XCTAssertEqual(JSONLines.int(table?["active_at_end"]), 0, "\(table ?? [:])")
        XCTAssertEqual(
            JSONLines.int(closing?["flows_active"]), JSONLines.int(table?["active_at_end"]),
            "the closing stats hold no flow the end of the run ended")
    }

    /// Reloads of zones.conf, good and refused, as a monitoring system sees them.
    func testReloadsShowInTheMetrics() throws {
        let net = try makeNetwork()
        let (d, _) = try start(net, ["--metrics", "127.0.0.1:0"])
        try d.waitForStderr("watching ")
        let port = try metricsPort(d)
        let first = try scrape(net, port: port)
        XCTAssertEqual(first["zonesep_config_reloads_total"], 0)
        XCTAssertEqual(first["zonesep_config_last_reload_successful"], 1, "no reload asked for yet")
        XCTAssertNil(first["zonesep_config_last_reload_timestamp_seconds"])

        d.signal(SIGHUP)
        try d.waitForStderr("reloaded (3 zones); flows already judged keep their verdict, new flows are judged by it")
        try waitFor("one good reload") {
            let s = try scrape(net, port: port)
            return s["zonesep_config_reloads_total"] == 1 && s["zonesep_config_last_reload_successful"] == 1
        }
        let config = scratch.appendingPathComponent("zones.conf")
        try WatchTests.zonesBroken.write(to: config, atomically: true, encoding: .utf8)
        d.signal(SIGHUP)
        try d.waitForStderr("reload refused")
        try waitFor("a refused reload") {
            let s = try scrape(net, port: port)
            return s["zonesep_config_reloads_total"] == 2 && s["zonesep_config_reload_failures_total"] == 1
                && s["zonesep_config_last_reload_successful"] == 0
                && (s["zonesep_config_last_reload_timestamp_seconds"] ?? 0) > 1_700_000_000
        }
        d.signal(SIGTERM)
        XCTAssertEqual(d.waitForExit(timeout: 30).status, 0)
    }
}
