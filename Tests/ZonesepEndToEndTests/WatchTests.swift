import Foundation
import XCTest
import ZonesepTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// `zonesep watch` on real traffic: a bridge between network namespaces (TestNetwork), hosts in three zones
/// sending real TCP, UDP and ICMP, and the daemon capturing on a bridge port with libpcap. Needs root (CI runs
/// as root); elsewhere the tests that need namespaces say so and skip.
final class WatchTests: ScratchDirectoryTestCase {
    var network: TestNetwork?
    var daemons: [LiveDaemon] = []

    /// Three zones, one host each, and one declared path: mail text from the Internet zone's relay to LGWAN's.
    static let zonesV1 = zones(
        internet: "internet",
        path: (name: "mail-text-relay", method: "mail-text", from: "10.30.0.2", to: "10.20.0.2", port: "tcp/25"))

    /// The reloaded map: the Internet zone renamed `inet` (so alerts show which map judged them), the mail
    /// path gone, and a file-sanitiser path from LGWAN to the Internet zone on tcp/445 instead.
    static let zonesV2 = zones(
        internet: "inet",
        path: (name: "file-sanitiser", method: "file-sanitiser", from: "10.20.0.2", to: "10.30.0.2", port: "tcp/445"))

    /// The three hosts' zones (the Internet zone under the id `internet`) and one sanitisation path.
    static func zones(
        internet: String, path: (name: String, method: String, from: String, to: String, port: String)
    ) -> String {
        ZonesText.sensor("watch-test") + ZonesText.threeZones(internet: internet) + """

            [[sanitisation]]
            name = "\(path.name)"
            method = "\(path.method)"
            from = ["\(path.from)"]
            to = ["\(path.to)"]
            ports = ["\(path.port)"]

            """
    }

    /// V2 with a network that is not one.
    static let zonesBroken =
        zonesV2 + """
            [zones.branch]
            kind = "lgwan"
            networks = ["10.40.0.0/33"]

            """
    static var brokenLine: Int {
        (zonesBroken.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains("/33") } ?? -1)
            + 1
    }

    override func setUpWithError() throws {
        try super.setUpWithError()
        // The unprivileged run writes its alerts file here.
        chmod(scratch.path, 0o777)
    }

    /// The daemons write into the scratch directory: they end before it is removed.
    override func tearDown() {
        for d in daemons { d.killIfRunning() }
        daemons.removeAll()
        network?.tearDown()
        network = nil
        super.tearDown()
    }

    func makeNetwork() throws -> TestNetwork {
        let net = try TestNetwork.threeZones()
        network = net
        return net
    }

    func writeConfig(_ text: String) throws -> URL {
        let url = scratch.appendingPathComponent("zones.conf")
        try text.write(to: url, atomically: true, encoding: .utf8)
        chmod(url.path, 0o644)
        return url
    }

    /// Starts `zonesep watch` on the sensor's bridge port (prefixed by `runAs`, e.g. setpriv) and waits until
    /// its capture is open.
    func startWatch(
        _ net: TestNetwork, config: URL, alerts: URL, _ extra: [String] = [], runAs: [String] = [],
        suppressWindow: String = "0"
    ) throws -> LiveDaemon {
        let (tool, args) = net.inNamespace(
            net.sensorNamespace,
            runAs + [
                zonesep.path, "watch", "--interface", net.sensorInterface, "--config", config.path,
                "--alerts", alerts.path,
                // Most of these tests count one alert per flow: repeats of a flow's key must not fold (watch's
                // default window is an hour; DeliveryTests cover suppression).
                "--suppress-window", suppressWindow,
            ] + extra)
        let daemon = try LiveDaemon(tool, args, scratch: scratch)
        daemons.append(daemon)
        try daemon.waitForStderr("watching ")
        return daemon
    }

    static func alert(
        _ a: [String: Any], rule: String, proto: String, src: String, dest: String, port: Int?,
        srcZone: String? = nil, destZone: String? = nil
    ) -> Bool {
        guard a["rule"] as? String == rule, a["proto"] as? String == proto, a["src_ip"] as? String == src,
            a["dest_ip"] as? String == dest
        else { return false }
        if let port {
            guard JSONLines.int(a["dest_port"]) == port else { return false }
        } else {
            guard JSONLines.isNull(a["dest_port"]) else { return false }
        }
        if let srcZone, a["src_zone"] as? String != srcZone { return false }
        if let destZone, a["dest_zone"] as? String != destZone { return false }
        return true
    }

    /// Seconds from the flow's first packet (the alert's packet-time timestamp) to the alert being in the file.
    func latency(_ alert: [String: Any], seenAt: Date) -> Double? {
        guard let ts = alert["timestamp"] as? String, let t = EventFile.seconds(ts) else { return nil }
        return seenAt.timeIntervalSince1970 - t
    }

    // MARK: - The daemon's whole life on a bridge

    func testAlertsReloadAndStopOnABridge() throws {
        let net = try makeNetwork()
        let (m, l, i) = (net.host("mynumber").address, net.host("lgwan").address, net.host("internet").address)
        let config = try writeConfig(Self.zonesV1)
        let alertsURL = scratch.appendingPathComponent("alerts.jsonl")
        let file = EventFile(url: alertsURL)
        try net.listenTCP(on: "lgwan", port: 25)
        try net.listenTCP(on: "internet", port: 445)
        let daemon = try startWatch(
            net, config: config, alerts: alertsURL, ["--output", "json", "--stats-interval", "1"])

        // Notes when each line appears in the file, while the traffic is still running.
        let tail = FileTail(file.url)
        defer { tail.stop() }
        var latencies: [Double] = []
        func expectAlert(
            _ what: String, file: StaticString = #filePath, line: UInt = #line, _ match: ([String: Any]) -> Bool
        ) {
            guard
                let (a, seen) = tail.waitForRecord(timeout: 5, { $0["event_type"] as? String == "alert" && match($0) })
            else {
                XCTFail(
                    "no alert for \(what) in the alerts file; stderr:\n\(daemon.stderrText)", file: file, line: line)
                return
            }
            if let d = latency(a, seenAt: seen) {
                latencies.append(d)
                XCTAssertLessThan(
                    d, 1.0, "\(what): alert in the file \(d) s after the flow's first packet", file: file, line: line)
            }
        }

        // Allowed: the declared mail-text path, Internet zone → LGWAN, a full TCP connection.
        try net.connectTCP(from: "internet", to: l, port: 25)
        // Forbidden: TCP, UDP and ICMP.
        try net.connectTCP(from: "lgwan", to: i, port: 445)
        expectAlert("lgwan → internet tcp/445") {
            Self.alert(
                $0, rule: "sanitisation-bypass", proto: "tcp", src: l, dest: i, port: 445,
                srcZone: "lgwan", destZone: "internet") && $0["initiator"] as? String == "syn"
        }
        try net.sendUDP(from: "mynumber", to: l, port: 514)
        expectAlert("mynumber → lgwan udp/514") {
            Self.alert(
                $0, rule: "mynumber-isolation", proto: "udp", src: m, dest: l, port: 514,
                srcZone: "mynumber", destZone: "lgwan")
        }
        try net.ping(from: "mynumber", to: i)
        expectAlert("mynumber → internet ping") {
            Self.alert(
                $0, rule: "mynumber-isolation", proto: "icmp", src: m, dest: i, port: nil,
                srcZone: "mynumber", destZone: "internet")
        }
        // One worker judges in order: the allowed connection came first, and raised nothing.
        XCTAssertEqual(file.alerts().count, 3, "only the three forbidden flows alert: \(file.alerts())")
        XCTAssertFalse(file.alerts().contains { JSONLines.int($0["dest_port"]) == 25 }, "the mail-text path is allowed")

        // Reload a good map: the next flows are judged by it.
        _ = try writeConfig(Self.zonesV2)
        daemon.signal(SIGHUP)
        try daemon.waitForStderr("reloaded")
        try net.connectTCP(from: "lgwan", to: i, port: 445)  // allowed now (file-sanitiser path)
        try net.connectTCP(from: "internet", to: l, port: 25)  // forbidden now
        expectAlert("internet → lgwan tcp/25 under the reloaded map") {
            Self.alert(
                $0, rule: "sanitisation-bypass", proto: "tcp", src: i, dest: l, port: 25,
                srcZone: "inet", destZone: "lgwan")
        }
        XCTAssertEqual(
            file.alerts().filter { JSONLines.int($0["dest_port"]) == 445 }.count, 1,
            "the second tcp/445 connection follows the new file-sanitiser path")

        // Reload a broken map: refused, with the file and line on stderr, and the running map kept.
        _ = try writeConfig(Self.zonesBroken)
        daemon.signal(SIGHUP)
        try daemon.waitForStderr("reload refused")
        XCTAssertTrue(
            daemon.stderrText.contains("zones.conf:\(Self.brokenLine): zones.branch.networks[0]"),
            "the error names file, line and key; stderr:\n\(daemon.stderrText)")
        try net.connectTCP(from: "lgwan", to: i, port: 445)
        try net.connectTCP(from: "internet", to: l, port: 25)
        guard
            waitForAlerts(
                file: alertsURL, count: 2,
                {
                    Self.alert(
                        $0, rule: "sanitisation-bypass", proto: "tcp", src: i, dest: l, port: 25, srcZone: "inet")
                })
        else { return XCTFail("the map of the last good reload no longer judges; stderr:\n\(daemon.stderrText)") }
        XCTAssertEqual(file.alerts().filter { JSONLines.int($0["dest_port"]) == 445 }.count, 1)

        // Stop: exit 0, every alert in the file and on stdout, the summary last.
        daemon.signal(SIGTERM)
        let outcome = daemon.waitForExit(timeout: 30)
        XCTAssertFalse(outcome.timedOut, outcome.brief)
        XCTAssertTrue(outcome.exitedNormally && outcome.status == 0, outcome.brief)
        let stdoutRecords = outcome.stdoutLines.map { JSONLines.object($0) }
        XCTAssertFalse(stdoutRecords.contains { $0 == nil }, "stdout is JSON Lines")
        let stdoutAlerts = outcome.stdoutLines.filter { JSONLines.object($0)?["event_type"] as? String == "alert" }
        let fileLines = try String(contentsOf: alertsURL, encoding: .utf8).split(separator: "\n")
        let fileAlerts = fileLines.filter { JSONLines.object($0)?["event_type"] as? String == "alert" }
        XCTAssertEqual(fileAlerts.count, 5)
        XCTAssertEqual(stdoutAlerts, fileAlerts, "stdout and the alerts file carry the same alert lines")
        let summary = fileLines.last.flatMap(JSONLines.object)
        XCTAssertEqual(summary?["event_type"] as? String, "summary", "the summary is the file's last record")
        XCTAssertEqual(outcome.stdoutLines.last.flatMap(JSONLines.object)?["event_type"] as? String, "summary")
        let alertTotals = summary?["alerts"] as? [String: Any]
        XCTAssertEqual(JSONLines.int(alertTotals?["total"]), 5)
        XCTAssertEqual((summary?["violations"] as? [Any])?.count, 5)
        XCTAssertGreaterThanOrEqual(JSONLines.int(summary?["flows"]) ?? 0, 8, "3 + 1 allowed, 2 + 2 after reloads")
        let files = summary?["files"] as? [[String: Any]]
        XCTAssertEqual(files?.first?["path"] as? String, net.sensorInterface)
        XCTAssertEqual(files?.first?["link_type"] as? String, "EN10MB")
        let stats = fileLines.compactMap(JSONLines.object).filter { $0["event_type"] as? String == "stats" }
        XCTAssertFalse(stats.isEmpty, "stats records every --stats-interval and at the end")
        let lastStats = stats.last
        XCTAssertEqual(JSONLines.int(lastStats?["packets"]), JSONLines.int(summary?["packets"]))
        XCTAssertEqual(JSONLines.int(lastStats?["alerts"]), 5)
        let kernel = lastStats?["kernel"] as? [String: Any]
        XCTAssertGreaterThanOrEqual(JSONLines.int(kernel?["received"]) ?? 0, JSONLines.int(summary?["packets"]) ?? 1)
        XCTAssertNotNil(JSONLines.int(kernel?["dropped"]))
        XCTAssertTrue(daemon.stderrText.contains("SIGTERM: stopping"), daemon.stderrText)

        // The summary lists both reloads, so that an alert judged under the first map is not read against
        // the last one: the applied one from the first map's digest to the last's, the refused one keeping it.
        let reloads = try XCTUnwrap(summary?["reloads"] as? [[String: Any]], "the summary lists the reloads")
        XCTAssertEqual(reloads.map { $0["applied"] as? Bool }, [true, false])
        let finalDigest = try XCTUnwrap(summary?["config_sha256"] as? String)
        XCTAssertEqual(reloads[0]["config_sha256"] as? String, finalDigest)
        XCTAssertNotEqual(reloads[0]["previous_sha256"] as? String, finalDigest)
        XCTAssertEqual((reloads[0]["previous_sha256"] as? String)?.count, 64)
        XCTAssertEqual(reloads[1]["previous_sha256"] as? String, finalDigest)
        XCTAssertTrue(reloads[1]["config_sha256"] is NSNull, "a refused reload put no map in force")
        XCTAssertTrue(reloads.allSatisfy { ($0["timestamp"] as? String)?.hasSuffix("Z") ?? false }, "\(reloads)")
        // The applied reload's time parts the alerts of the two maps: the first map's up to it (zone
        // `internet`), the second's after it (zone `inet`).
        let switched = try XCTUnwrap(reloads[0]["timestamp"] as? String)
        for a in fileAlerts.compactMap(JSONLines.object) {
            let stamp = try XCTUnwrap(a["timestamp"] as? String)
            let newMap = a["src_zone"] as? String == "inet" || a["dest_zone"] as? String == "inet"
            XCTAssertEqual(stamp > switched, newMap, "\(a) against the reload at \(switched)")
        }
        // The second map renamed the Internet zone: a report made with it cannot name what the first judged,
        // and says that a reload is why (ReportReloadTests checks the report of a run whose reloads kept
        // their zones).
        _ = try writeConfig(Self.zonesV2)
        let report = try Harness.run(
            zonesep, ["report", "--config", config.path, alertsURL.path, "--report-format", "md"], timeout: 60)
        XCTAssertEqual(report.status, 2, report.brief)
        XCTAssertTrue(
            report.stderrText.contains("zone 'internet' is not declared in this zones.conf; the run reloaded its "),
            report.brief)

        print(
            "watch: first packet → alert in the file: "
                + latencies.map { String(format: "%.1f ms", $0 * 1000) }.joined(separator: ", "))
    }

    /// A suppression window opened before a reload and closed after it: the reload reorders the zones (the
    /// same zone index then means another zone) and renames the Internet zone, and the `alert_update` still
    /// names lgwan and internet, as the alert it counts did. The flows after the reload fold into it.
    func testAnAlertUpdateAcrossAReloadNamesTheZonesOfItsAlert() throws {
        let net = try makeNetwork()
        let (m, l, i) = (net.host("mynumber").address, net.host("lgwan").address, net.host("internet").address)
        let config = try writeConfig(ZonesText.sensor("watch-test") + ZonesText.threeZones())
        let alertsURL = scratch.appendingPathComponent("alerts.jsonl")
        let file = EventFile(url: alertsURL)
        try net.listenTCP(on: "internet", port: 445)
        let daemon = try startWatch(
            net, config: config, alerts: alertsURL, ["--output", "json", "--stats-interval", "0"], suppressWindow: "1h")

        try net.connectTCP(from: "lgwan", to: i, port: 445)
        guard
            let (first, _) = file.waitForAlert({
                Self.alert($0, rule: "sanitisation-bypass", proto: "tcp", src: l, dest: i, port: 445)
            })
        else { return XCTFail("no alert for lgwan → internet tcp/445; stderr:\n\(daemon.stderrText)") }
        try net.connectTCP(from: "lgwan", to: i, port: 445)

        // The same three zones listed the other way round, the Internet zone now `inet`.
        _ = try writeConfig(
            ZonesText.sensor("watch-test") + ZonesText.zone("inet", kind: "internet", "10.30.0.0/16")
                + ZonesText.zone("lgwan", "10.20.0.0/16") + ZonesText.zone("mynumber", "10.10.0.0/16"))
        daemon.signal(SIGHUP)
        try daemon.waitForStderr("reloaded")
        try net.connectTCP(from: "lgwan", to: i, port: 445)
        // An alert written under the new map, before the window closes.
        try net.ping(from: "mynumber", to: i)
        guard
            waitForAlert(
                file: alertsURL,
                {
                    Self.alert(
                        $0, rule: "mynumber-isolation", proto: "icmp", src: m, dest: i, port: nil, destZone: "inet")
                }) != nil
        else { return XCTFail("the reloaded map judges no ping; stderr:\n\(daemon.stderrText)") }

        // Stop: the window closes at the end of the run, with the two flows folded into it.
        daemon.signal(SIGTERM)
        let outcome = daemon.waitForExit(timeout: 30)
        XCTAssertTrue(outcome.exitedNormally && outcome.status == 0, outcome.brief)
        let updates = file.records().filter { $0["event_type"] as? String == "alert_update" }
        XCTAssertEqual(updates.count, 1, "\(updates)")
        let update = try XCTUnwrap(updates.first)
        XCTAssertEqual(update["rule"] as? String, "sanitisation-bypass")
        XCTAssertEqual(update["first_seen"] as? String, first["timestamp"] as? String)
        XCTAssertEqual(JSONLines.int(update["folded"]), 2)
        let message = try XCTUnwrap(first["message"] as? String)
        XCTAssertEqual(message, "lgwan \(l) → internet \(i) tcp/445 matches no sanitisation path")
        XCTAssertTrue((update["message"] as? String ?? "").contains("(\(message))"), "\(update)")
    }

    func waitForAlert(file: URL, _ match: ([String: Any]) -> Bool) -> ([String: Any], Date)? {
        EventFile(url: file).waitForAlert(timeout: 5, match)
    }

    func waitForAlerts(file: URL, count: Int, _ match: ([String: Any]) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(5)
        repeat {
            if EventFile(url: file).alerts().filter(match).count >= count { return true }
            usleep(5_000)
        } while Date() < deadline
        return false
    }

    // MARK: - Several workers through PACKET_FANOUT

    /// Flows from two zones' hosts to a third's: each flow's packets, both ways, reach one worker (one alert
    /// a flow), and the two host pairs (the unit of the fanout) go to different workers.
    func testWorkersShareTheMirrorPortThroughFanout() throws {
        let net = try makeNetwork()
        let (m, l, i) = (net.host("mynumber").address, net.host("lgwan").address, net.host("internet").address)
        let config = try writeConfig(Self.zonesV1)
        let alertsURL = scratch.appendingPathComponent("alerts.jsonl")
        try net.listenTCP(on: "internet", port: 445)
        let daemon = try startWatch(
            net, config: config, alerts: alertsURL, ["--output", "json", "--workers", "2", "--stats-interval", "0"])
        let flows = 12
        for k in 0..<flows {
            let from = k % 2 == 0 ? "lgwan" : "mynumber"
            try net.ping(from: from, to: i, count: 1)
            try net.connectTCP(from: from, to: i, port: 445)
        }
        XCTAssertTrue(
            waitForAlerts(file: alertsURL, count: 2 * flows) { _ in true },
            "\(2 * flows) alerts; stderr:\n\(daemon.stderrText)")
        daemon.signal(SIGTERM)
        let outcome = daemon.waitForExit(timeout: 30)
        XCTAssertTrue(outcome.exitedNormally && outcome.status == 0, outcome.brief)

        let alerts = EventFile(url: alertsURL).alerts()
        XCTAssertEqual(alerts.count, 2 * flows, "one alert per flow: no flow was judged by two workers")
        // Community ID hashes ICMP by type and code, so the pings share one flow_id; TCP flows differ by port.
        let tcp = alerts.filter { $0["proto"] as? String == "tcp" }
        XCTAssertEqual(Set(tcp.compactMap { $0["flow_id"] as? String }).count, flows)
        XCTAssertEqual(Set(tcp.map { "\($0["src_ip"] ?? "") \(JSONLines.int($0["src_port"]) ?? -1)" }).count, flows)
        XCTAssertEqual(alerts.filter { $0["proto"] as? String == "icmp" }.count, flows)
        for a in alerts {
            // Both directions of each flow reached one worker: its initiator is the host that began it.
            let rule = a["src_ip"] as? String == m ? "mynumber-isolation" : "sanitisation-bypass"
            XCTAssertTrue([m, l].contains(a["src_ip"] as? String ?? ""), "\(a)")
            XCTAssertEqual(a["rule"] as? String, rule, "\(a)")
        }
        XCTAssertEqual(alerts.filter { $0["src_ip"] as? String == m }.count, flows)
        let records = EventFile(url: alertsURL).records()
        let stats = records.last { $0["event_type"] as? String == "stats" }
        let summary = records.last
        XCTAssertEqual(summary?["event_type"] as? String, "summary")
        XCTAssertEqual(JSONLines.int(stats?["workers"]), 2)
        let perWorker = (stats?["worker_packets"] as? [Any])?.compactMap(JSONLines.int) ?? []
        XCTAssertEqual(perWorker.count, 2)
        XCTAssertEqual(perWorker.reduce(0, +), JSONLines.int(summary?["packets"]), "the summary adds up the workers")
        // The fanout is by host pair, a fixed function of the addresses: these two pairs go to different
        // workers (FanoutProgramTests.testSharedByHostPair checks the same pairs).
        XCTAssertTrue(perWorker.allSatisfy { $0 > 0 }, "both workers got packets: \(perWorker)")
        XCTAssertEqual(JSONLines.int((summary?["alerts"] as? [String: Any])?["total"]), 2 * flows)
    }

    /// UDP datagrams to a closed port draw real ICMP port-unreachable errors (internet → lgwan) whose own
    /// header hashes nothing like the datagram's: with two workers every error must still reach the worker
    /// that holds its flow, so the alerts are exactly those of a replay of the same packets (captured beside
    /// watch by tcpdump): one a flow, and each flow's ICMP error counted in it.
    func testICMPErrorsReachTheWorkerOfTheirFlow() throws {
        let net = try makeNetwork()
        let tcpdump = try Tools.require("tcpdump", package: "tcpdump")
        let (l, i) = (net.host("lgwan").address, net.host("internet").address)
        // Every datagram gets its error: no rate limit on them in the internet host's namespace.
        let (ip, unlimited) = net.inNamespace(
            net.host("internet").namespace, ["sh", "-c", "echo 0 > /proc/sys/net/ipv4/icmp_ratelimit"])
        try Tools.run(ip, unlimited)
        let config = try writeConfig(Self.zonesV1)
        let alertsURL = scratch.appendingPathComponent("alerts.jsonl")
        let flowsURL = scratch.appendingPathComponent("flows.jsonl")
        let pcap = scratch.appendingPathComponent("mirror.pcap")
        let flows = 24
        let (tool, args) = net.inNamespace(
            net.sensorNamespace,
            [
                tcpdump.path, "-i", net.sensorInterface, "-n", "--immediate-mode", "-U", "-c", "\(2 * flows)", "-w",
                pcap.path, "(udp or icmp) and host \(l) and host \(i)",
            ])
        // Each datagram and its error: tcpdump stops by itself after them.
        let capture = try LiveDaemon(tool, args, scratch: scratch, name: "tcpdump")
        defer { capture.killIfRunning() }
        try capture.waitForStderr("listening on")
        let daemon = try startWatch(
            net, config: config, alerts: alertsURL,
            ["--output", "json", "--workers", "2", "--stats-interval", "0", "--flows", flowsURL.path])
        // From a source port of its own each: ports the kernel picked could repeat (some 1 % of runs with 24
        // datagrams), and two datagrams then made one flow of two packets. Paced as one process a datagram
        // was: a burst outran tcpdump's capture beside watch.
        let python = try Tools.require("python3", package: "python3")
        let send = try net.run(
            on: "lgwan",
            [
                python.path, "-c",
                "import socket, time\nfor p in range(40100, 40100 + \(flows)):\n"
                    + "    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n    s.bind(('', p))\n"
                    + "    s.sendto(b'zonesep-test\\n', ('\(i)', 9))\n    s.close()\n    time.sleep(0.02)\n",
            ])
        XCTAssertTrue(send.exitedNormally && send.status == 0, send.brief)
        XCTAssertTrue(waitForAlerts(file: alertsURL, count: flows) { _ in true }, daemon.stderrText)
        usleep(300_000)  // the last errors reach both captures
        daemon.signal(SIGTERM)
        let outcome = daemon.waitForExit(timeout: 30)
        XCTAssertTrue(outcome.exitedNormally && outcome.status == 0, outcome.brief)
        let captured = capture.waitForExit(timeout: 10)
        XCTAssertTrue(
            capture.stderrText.contains("\(2 * flows) packets captured"),
            "tcpdump: \(captured.brief) \(capture.stderrText)")

        func key(_ a: [String: Any]) -> String {
            "\(a["rule"] as? String ?? "?") \(a["proto"] as? String ?? "?") \(a["src_ip"] as? String ?? "?"):"
                + "\(JSONLines.int(a["src_port"]) ?? -1) -> \(a["dest_ip"] as? String ?? "?"):"
                + "\(JSONLines.int(a["dest_port"]) ?? -1) \(a["flow_id"] as? String ?? "?")"
        }
        let live = EventFile(url: alertsURL).alerts()
        XCTAssertEqual(live.count, flows, "one alert a flow, none from an ICMP error judged apart from its flow")
        XCTAssertEqual(Set(live.map(key)).count, flows)
        for a in live {
            XCTAssertTrue(Self.alert(a, rule: "sanitisation-bypass", proto: "udp", src: l, dest: i, port: 9), "\(a)")
        }
        // The replay of what tcpdump saw: the same alerts, and every error there was counted in its flow.
        let replay = try Harness.run(
            zonesep, ["replay", "--config", config.path, "--output", "json", pcap.path], timeout: 60)
        let (replayed, summary, problems) = JSONLines.replay(replay)
        XCTAssertEqual(problems, [])
        XCTAssertEqual(live.map(key).sorted(), replayed.map { key($0.object) }.sorted(), "watch --workers 2 = replay")
        XCTAssertEqual(JSONLines.int(summary?["flows"]), flows, "the errors started no flow of their own")
        let errors = try Harness.run(tcpdump, ["-n", "-r", pcap.path, "icmp[0] == 3"], timeout: 20).stdoutLines.count
        XCTAssertEqual(errors, flows, "real ICMP port-unreachable errors, one a datagram")
        // Live, each flow's record holds its datagram and its error: the error reached the flow's worker.
        let records = try String(contentsOf: flowsURL, encoding: .utf8).split(separator: "\n").compactMap(
            JSONLines.object
        ).filter { $0["proto"] as? String == "udp" }
        XCTAssertEqual(records.count, flows)
        for r in records {
            XCTAssertEqual(JSONLines.int(r["packets_toserver"]), 1, "\(r)")
            XCTAssertEqual(JSONLines.int(r["packets_toclient"]), 1, "the ICMP error joined the flow: \(r)")
        }
    }

    // MARK: - Unprivileged, as the systemd unit runs it

    func testAnUnprivilegedUserWithOnlyCapNetRawCanWatch() throws {
        let net = try makeNetwork()
        guard let setpriv = Tools.find("setpriv") else { throw XCTSkip("setpriv (util-linux) is not installed") }
        let user = ["--reuid=nobody", "--regid=nogroup", "--clear-groups"]
        let probe = try Harness.run(setpriv, user + [zonesep.path, "--version"], timeout: 20)
        guard probe.exitedNormally && probe.status == 0 else {
            throw XCTSkip(
                "user nobody cannot run \(zonesep.path) (its directory or the Swift runtime is private): \(probe.brief)"
            )
        }
        let config = try writeConfig(Self.zonesV1)
        let alertsURL = scratch.appendingPathComponent("alerts.jsonl")

        // No capability: a clear refusal naming the one that is needed.
        let (ip, denied) = net.inNamespace(
            net.sensorNamespace,
            [setpriv.path] + user + [
                "--inh-caps=-all", zonesep.path, "watch", "--interface", net.sensorInterface, "--config", config.path,
            ])
        let refused = try Harness.run(ip, denied, timeout: 20)
        XCTAssertTrue(refused.exitedNormally && refused.status == 2, refused.brief)
        XCTAssertTrue(refused.stderrText.contains("permission denied"), refused.stderrText)
        XCTAssertTrue(refused.stderrText.contains("CAP_NET_RAW"), refused.stderrText)

        // CAP_NET_RAW alone, as scripts/zonesep.service grants it, and no way to gain more: promiscuous mode and
        // two fanout workers included.
        let runAs =
            [setpriv.path] + user + [
                "--inh-caps=-all,+net_raw", "--ambient-caps=-all,+net_raw", "--bounding-set=-all,+net_raw",
                "--no-new-privs",
            ]
        let daemon = try startWatch(
            net, config: config, alerts: alertsURL, ["--workers", "2", "--stats-interval", "0"], runAs: runAs)
        let status = try String(contentsOfFile: "/proc/\(daemon.process.processIdentifier)/status", encoding: .utf8)
        let field = { (name: String) in
            status.split(separator: "\n").first { $0.hasPrefix(name + ":") }.map {
                $0.dropFirst(name.count + 1).trimmingCharacters(in: .whitespaces)
            }
        }
        XCTAssertEqual(field("Uid")?.split(separator: "\t").first.map(String.init), "65534", "runs as nobody")
        XCTAssertEqual(field("CapEff"), "0000000000002000", "only CAP_NET_RAW is effective")
        XCTAssertEqual(field("CapBnd"), "0000000000002000")
        try net.ping(from: "mynumber", to: net.host("internet").address)
        XCTAssertNotNil(
            waitForAlert(file: alertsURL) { $0["rule"] as? String == "mynumber-isolation" },
            "stderr:\n\(daemon.stderrText)")
        daemon.signal(SIGTERM)
        let outcome = daemon.waitForExit(timeout: 30)
        XCTAssertTrue(outcome.exitedNormally && outcome.status == 0, outcome.brief)
        XCTAssertTrue(outcome.stdoutText.contains("Summary (sensor watch-test)"), outcome.stdoutText)
    }

    // MARK: - Kernel drops

    func testKernelDropsAreReported() throws {
        let net = try makeNetwork()
        let config = try writeConfig(Self.zonesV1)
        let alertsURL = scratch.appendingPathComponent("alerts.jsonl")
        // A ring of 64 KiB holds a few hundred short frames: a paused sensor must lose some of 3000 pings.
        let daemon = try startWatch(
            net, config: config, alerts: alertsURL,
            ["--snaplen", "128", "--buffer-size", "65536", "--stats-interval", "0"])
        daemon.signal(SIGSTOP)
        let flood = try net.run(
            on: "lgwan", ["ping", "-n", "-q", "-f", "-c", "3000", "-w", "10", net.host("internet").address], timeout: 20
        )
        daemon.signal(SIGCONT)
        XCTAssertTrue(flood.exitedNormally, flood.brief)
        daemon.signal(SIGTERM)
        let outcome = daemon.waitForExit(timeout: 30)
        XCTAssertTrue(outcome.exitedNormally && outcome.status == 0, outcome.brief)
        let stats = EventFile(url: alertsURL).records().last { $0["event_type"] as? String == "stats" }
        let kernel = stats?["kernel"] as? [String: Any]
        let dropped = JSONLines.int(kernel?["dropped"]) ?? 0
        let received = JSONLines.int(kernel?["received"]) ?? 0
        XCTAssertGreaterThan(dropped, 0, "kernel drops reported: \(String(describing: stats))")
        XCTAssertLessThanOrEqual(dropped, received, "received counts what passed the filter, dropped included")
        XCTAssertLessThan(JSONLines.int(stats?["packets"]) ?? .max, 6000, "what was dropped was not judged")
        let line = outcome.stderrText.split(separator: "\n").last { $0.contains("stats eth0:") }
        XCTAssertTrue(line?.contains("dropped \(dropped)") ?? false, "the stderr stats line: \(outcome.stderrText)")
        print("watch: paused sensor, 64 KiB ring, 3000 pings: kernel received \(received), dropped \(dropped)")
    }

    // MARK: - Clear errors

    func testMissingInterfaceBadFilterAndBadUsageAreClearErrors() throws {
        let config = try writeConfig(Self.zonesV1)
        let missing = try Harness.run(
            zonesep, ["watch", "--interface", "zsw-nosuch0", "--config", config.path], timeout: 30)
        XCTAssertTrue(missing.exitedNormally && missing.status == 2, missing.brief)
        if geteuid() == 0 {
            XCTAssertTrue(missing.stderrText.contains("no such interface \"zsw-nosuch0\""), missing.stderrText)
            // The loopback interface exists everywhere; the filter fails before anything is captured.
            let bad = try Harness.run(
                zonesep, ["watch", "--interface", "lo", "--config", config.path, "--bpf", "tcp port nosuchservice"],
                timeout: 30)
            XCTAssertTrue(bad.exitedNormally && bad.status == 2, bad.brief)
            XCTAssertTrue(
                bad.stderrText.contains("BPF expression \"tcp port nosuchservice\" does not compile"), bad.stderrText)
            XCTAssertTrue(bad.stderrText.contains("nosuchservice"), "libpcap's own message: \(bad.stderrText)")
        } else {
            XCTAssertTrue(missing.stderrText.contains("CAP_NET_RAW"), missing.stderrText)
        }
        for (args, expected) in [
            (["--workers", "0"], "--workers"), (["--buffer-size", "100"], "--buffer-size"),
            (["--snaplen", "10"], "--snaplen"), (["--stats-interval", "-1"], "--stats-interval"),
        ] {
            let o = try Harness.run(
                zonesep, ["watch", "--interface", "lo", "--config", config.path] + args, timeout: 30)
            XCTAssertTrue(o.exitedNormally && o.status == 2, "\(args): \(o.brief)")
            XCTAssertTrue(o.stderrText.contains(expected), "\(args): \(o.stderrText)")
        }
        let noConfig = try Harness.run(
            zonesep, ["watch", "--interface", "lo", "--config", scratch.appendingPathComponent("none.conf").path],
            timeout: 30)
        XCTAssertTrue(noConfig.exitedNormally && noConfig.status == 2, noConfig.brief)
        XCTAssertTrue(noConfig.stderrText.contains("none.conf"), noConfig.stderrText)
        let badAlerts = try Harness.run(
            zonesep, ["watch", "--interface", "lo", "--config", config.path, "--alerts", "/nonexistent-dir/a.jsonl"],
            timeout: 30)
        XCTAssertTrue(badAlerts.exitedNormally && badAlerts.status == 2, badAlerts.brief)
        XCTAssertTrue(badAlerts.stderrText.contains("/nonexistent-dir/a.jsonl: cannot open"), badAlerts.stderrText)
    }

    // MARK: - The systemd unit

    func testSystemdUnitRunsWatchUnprivileged() throws {
        let unitURL = root.appendingPathComponent("scripts/zonesep.service")
        let text = try String(contentsOf: unitURL, encoding: .utf8)
        var sections: [String: [String: [String]]] = [:]
        var section = ""
        for raw in text.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                section = String(line.dropFirst().dropLast())
                continue
            }
            guard let eq = line.firstIndex(of: "=") else { return XCTFail("not key=value in [\(section)]: \(line)") }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces)
            sections[section, default: [:]][key, default: []].append(String(line[line.index(after: eq)...]))
        }
        let service = sections["Service"] ?? [:]
        XCTAssertEqual(Set(sections.keys), ["Unit", "Service", "Install"])
        XCTAssertEqual(service["DynamicUser"], ["yes"])
        XCTAssertEqual(service["AmbientCapabilities"], ["CAP_NET_RAW"])
        XCTAssertEqual(service["CapabilityBoundingSet"], ["CAP_NET_RAW"])
        XCTAssertEqual(service["NoNewPrivileges"], ["yes"])
        XCTAssertEqual(service["Restart"], ["on-failure"])
        // zones.conf is checked before the signal: a broken file fails `systemctl reload` instead of a reload
        // that systemctl calls a success while the daemon refuses the map.
        XCTAssertEqual(
            service["ExecReload"],
            ["/usr/local/bin/zonesep check --config /etc/zonesep/zones.conf", "/bin/kill -HUP $MAINPID"])
        let exec = service["ExecStart"]?.first?.split(separator: " ").map(String.init) ?? []
        XCTAssertEqual(Array(exec.prefix(2)), ["/usr/local/bin/zonesep", "watch"])
        XCTAssertTrue(exec.joined(separator: " ").contains("--config /etc/zonesep/zones.conf"))
        // Every option the unit passes is one `zonesep watch` takes.
        let help = try Harness.run(zonesep, ["watch", "--help"], timeout: 30).stdoutText
        for option in exec where option.hasPrefix("--") {
            XCTAssertTrue(help.contains(option + " "), "zonesep watch has no option \(option)")
        }

        guard let analyze = Tools.find("systemd-analyze") else {
            print("watch: systemd-analyze is not installed; the unit was checked by parsing only")
            return
        }
        // systemd-analyze verify wants the ExecStart binary to exist: point it at the one just built.
        let copy = scratch.appendingPathComponent("zonesep.service")
        try text.replacingOccurrences(of: "/usr/local/bin/zonesep", with: zonesep.path)
            .write(to: copy, atomically: true, encoding: .utf8)
        let verify = try Harness.run(analyze, ["verify", copy.path], timeout: 60)
        XCTAssertTrue(verify.exitedNormally && verify.status == 0, verify.brief)
        XCTAssertFalse(verify.stderrText.contains("Unknown"), verify.stderrText)
        XCTAssertFalse(verify.stderrText.contains(copy.lastPathComponent + ":"), "no warning: \(verify.stderrText)")
    }
}
