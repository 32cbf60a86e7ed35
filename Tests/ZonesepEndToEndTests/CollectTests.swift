import Foundation
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// `zonesep collect` fed by real exporters on loopback: softflowd and pmacct's pmacctd (nfprobe for IPFIX,
/// sfprobe for sFlow) read the demonstration captures and export them, and the alerts must be those of
/// `zonesep replay` of the same captures — compared on rule, address pair, protocol and responder port —
/// except where a difference is what the export cannot show, which each test names and checks.
final class CollectTests: XCTestCase {
    /// (rule, initiator, responder, protocol, responder port) of an alert.
    struct Key: Hashable, CustomStringConvertible {
        var rule: String
        var src: String
        var dst: String
        var proto: String
        var port: Int?
        init(_ o: [String: Any]) {
            rule = o["rule"] as? String ?? "?"
            src = o["src_ip"] as? String ?? "?"
            dst = o["dest_ip"] as? String ?? "?"
            proto = o["proto"] as? String ?? "?"
            port = JSONLines.int(o["dest_port"])
        }
        init(_ rule: String, _ src: String, _ dst: String, _ proto: String, _ port: Int?) {
            (self.rule, self.src, self.dst, self.proto, self.port) = (rule, src, dst, proto, port)
        }
        var description: String { "\(rule) \(src) -> \(dst) \(proto)/\(port.map(String.init) ?? "-")" }
    }

    /// V10 of the demonstration: syslog in a QinQ (802.1ad) frame. Neither softflowd nor pmacctd exports
    /// it (tshark finds no record or sample of 10.20.40.5 in what they send), so no collector can judge it.
    static let qinq = Key("sanitisation-bypass", "10.20.40.5", "10.30.1.5", "udp", 514)

    /// Two of the demonstration's host-rule alerts no flow export can show: the device of 10.20.3.50 and
    /// 10.30.3.50 is seen only by its ARP (no record carries ARP), and 10.20.40.21 sends only in the QinQ
    /// frame that no exporter exports.
    static let hostsNotExported: Set<Key> = [
        Key("dual-homed-host", "10.30.3.50", "?", "?", nil), Key("zone-vlan-mismatch", "10.20.40.21", "?", "?", nil),
    ]

    var root: URL!
    var replayAlerts: Set<Key> = []
    /// The replay's host-rule alerts (they name the device's addresses).
    var replayHostAlerts: Set<Key> = []
    /// The replay's flow alerts by `flow_id`: 2 for the two connections of V16 (one port pair, 45 s apart)
    /// and the two DNS queries of V19 (300 s apart), 1 for every other.
    var replayAlertsPerFlow: [String: Int] = [:]

    override func setUpWithError() throws {
        for tool in ["/usr/sbin/softflowd", "/usr/sbin/pmacctd"] {
            try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: tool), "\(tool) is not installed")
        }
        root = try Harness.repositoryRoot()
        let replay = try Harness.run(
            try Harness.zonesep(), ["replay", "--config", "zones.conf", "--output", "json", "captures"], timeout: 120,
            in: root)
        // The flows' alerts, and apart the 5 host-rule alerts, which judge devices by their MAC: only an
        // export that carries MACs can raise them.
        let all = JSONLines.replay(replay).alerts
        let flows = all.filter { $0.object["addresses"] == nil }
        XCTAssertEqual(flows.count, 22, replay.brief)
        replayAlerts = Set(flows.map { Key($0.object) })
        for f in flows { replayAlertsPerFlow[f.object["flow_id"] as? String ?? "", default: 0] += 1 }
        replayHostAlerts = Set(all.filter { $0.object["addresses"] != nil }.map { Key($0.object) })
        XCTAssertEqual(replayHostAlerts.count, 5, replay.brief)
    }

    var captures: [String] { ["captures/span-2330.pcap", "captures/span-0000.pcapng", "captures/span-0015.pcap"] }

    /// Runs `zonesep collect` on a free loopback port, lets `export` send to that port, then stops the
    /// collector with SIGTERM and returns its alerts and summary.
    func collect(_ export: (UInt16) throws -> Void) throws -> (alerts: [[String: Any]], summary: [String: Any]) {
        try collect(config: "zones.conf") { port, _ in try export(port) }
    }

    /// As `collect(_:)`, with another zones.conf, and the collector's process id for signals.
    func collect(config: String, _ export: (UInt16, pid_t) throws -> Void) throws -> (
        alerts: [[String: Any]], summary: [String: Any]
    ) {
        let r = try collect(config: config, extra: []) { try export($0.port, $0.pid) }
        return (r.alerts, r.summary)
    }

    /// A collector while it runs: its port, its process, what it has written so far.
    struct Running {
        var port: UInt16
        var pid: pid_t
        var stdoutURL: URL
        var stderrURL: URL
        var stderr: String { String(decoding: (try? Data(contentsOf: stderrURL)) ?? Data(), as: UTF8.self) }
        var records: [[String: Any]] {
            String(decoding: (try? Data(contentsOf: stdoutURL)) ?? Data(), as: UTF8.self).split(separator: "\n")
                .compactMap(JSONLines.object)
        }
    }

    /// What a collector wrote: its alerts, its summary, and every record in order.
    struct Collected {
        var alerts: [[String: Any]]
        var summary: [String: Any]
        var records: [[String: Any]]
        var stderr: String
        var port: UInt16
        /// Standard output as written: the JSON Lines a `zonesep report` would be given.
        var stdout = Data()
    }

    /// Runs `zonesep collect` with `extra` options, lets `export` send to it, stops it with SIGTERM. With
    /// `output` "text", stdout is not JSON Lines: read it from `stdout`.
    func collect(
        config: String = "zones.conf", output: String = "json", extra: [String], _ export: (Running) throws -> Void
    ) throws -> Collected {
        let port = UInt16(20_000 + Int(getpid() % 10_000) + Int.random(in: 0..<10_000))
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("zonesep-collect-\(UUID())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outURL = scratch.appendingPathComponent("stdout")
        let errURL = scratch.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let p = Process()
        p.executableURL = try Harness.zonesep()
        p.arguments =
            [
                "collect", "--config", config, "--listen", "udp://127.0.0.1:\(port)", "--output", output,
                "--suppress-window", "0",
            ] + extra
        p.currentDirectoryURL = root
        p.standardOutput = try FileHandle(forWritingTo: outURL)
        p.standardError = try FileHandle(forWritingTo: errURL)
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let running = Running(port: port, pid: p.processIdentifier, stdoutURL: outURL, stderrURL: errURL)
        // Listening once it says so.
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, p.isRunning, !running.stderr.contains("collecting") { usleep(50_000) }
        XCTAssertTrue(p.isRunning, running.stderr)
        try export(running)
        usleep(1_000_000)
        kill(p.processIdentifier, SIGTERM)
        let stopped = Date().addingTimeInterval(30)
        while p.isRunning && Date() < stopped { usleep(50_000) }
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        let stdout = try Data(contentsOf: outURL)
        if output != "json" {
            return Collected(alerts: [], summary: [:], records: [], stderr: running.stderr, port: port, stdout: stdout)
        }
        let lines = String(decoding: stdout, as: UTF8.self).split(separator: "\n")
        let objects = lines.compactMap(JSONLines.object)
        XCTAssertEqual(objects.count, lines.count, "every stdout line is a JSON object")
        let summary = objects.last { $0["event_type"] as? String == "summary" } ?? [:]
        XCTAssertEqual(objects.last?["event_type"] as? String, "summary")
        return Collected(
            alerts: objects.filter { $0["event_type"] as? String == "alert" }, summary: summary, records: objects,
            stderr: running.stderr, port: port, stdout: stdout)
    }

    func run(_ executable: String, _ arguments: [String]) throws {
        let outcome = try Harness.run(URL(fileURLWithPath: executable), arguments, timeout: 60, in: root)
        XCTAssertFalse(outcome.timedOut, "\(executable) \(arguments)")
    }

    func softflowd(_ port: UInt16, _ options: [String]) throws {
        let pid = FileManager.default.temporaryDirectory.appendingPathComponent("softflowd-\(UUID()).pid").path
        for c in captures {
            try run(
                "/usr/sbin/softflowd", ["-r", c, "-n", "127.0.0.1:\(port)", "-6", "-c", "none", "-p", pid] + options)
        }
    }

    func pmacctd(_ port: UInt16, plugin: String, _ lines: [String]) throws {
        let conf = FileManager.default.temporaryDirectory.appendingPathComponent("pmacctd-\(UUID()).conf")
        defer { try? FileManager.default.removeItem(at: conf) }
        for c in captures {
            let text =
                (["daemonize: false", "pcap_savefile: \(root.appendingPathComponent(c).path)", "plugins: \(plugin)[p]"]
                + lines.map { $0.replacingOccurrences(of: "PORT", with: "\(port)") }).joined(separator: "\n") + "\n"
            try text.write(to: conf, atomically: true, encoding: .utf8)
            try run("/usr/sbin/pmacctd", ["-f", conf.path])
        }
    }

    func check(
        _ alerts: [[String: Any]], input: String, missing: Set<Key>, extra: Set<Key> = [], macs: Bool,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        let hosts = alerts.filter { $0["addresses"] != nil }
        let alerts = alerts.filter { $0["addresses"] == nil }
        let got = Set(alerts.map(Key.init))
        XCTAssertEqual(
            replayAlerts.subtracting(got), missing, "alerts of the replay that collect did not raise", file: file,
            line: line)
        XCTAssertEqual(got.subtracting(replayAlerts), extra, "alerts the replay did not raise", file: file, line: line)
        for a in alerts {
            XCTAssertEqual(a["input"] as? String, input, file: file, line: line)
            XCTAssertEqual(a["exporter"] as? String, "127.0.0.1", file: file, line: line)
            XCTAssertEqual(a["mac_check"] == nil, macs, "\(a)", file: file, line: line)
        }
        // One alert per flow: a flow exported in several records, or in both directions' records, alerts once;
        // a port pair the replay alerts twice (two connections) at most twice.
        let perFlow = Dictionary(grouping: alerts, by: { ($0["flow_id"] as? String) ?? "" }).mapValues(\.count)
        XCTAssertEqual(
            perFlow.filter { $0.value > (replayAlertsPerFlow[$0.key] ?? 1) }, [:], "a flow alerted twice", file: file,
            line: line)
        // The host rules: with MACs in the records, every host alert of the replay that the export can show
        // (none without MACs), each once, from the exporter that sent the record completing it.
        let gotHosts = hosts.map(Key.init)
        XCTAssertEqual(Set(gotHosts).count, gotHosts.count, "a host finding raised twice", file: file, line: line)
        XCTAssertEqual(
            Set(gotHosts), macs ? replayHostAlerts.subtracting(Self.hostsNotExported) : [], "host alerts", file: file,
            line: line)
        for h in hosts {
            XCTAssertEqual(h["input"] as? String, input, file: file, line: line)
            XCTAssertEqual(h["exporter"] as? String, "127.0.0.1", file: file, line: line)
        }
    }

    /// The summary's host findings: as many as the alerts, by rule in `alerts` as replay counts them.
    func checkHostSummary(_ summary: [String: Any], file: StaticString = #filePath, line: UInt = #line) {
        let findings = summary["host_findings"] as? [[String: Any]] ?? []
        XCTAssertEqual(findings.count, 3, "\(summary)", file: file, line: line)
        XCTAssertTrue(
            findings.contains { $0["rule"] as? String == "dual-homed-host" && $0["src_ip"] as? String == "10.30.3.33" },
            "\(findings)", file: file, line: line)
        let byRule = (summary["alerts"] as? [String: Any])?["by_rule"] as? [String: Any]
        XCTAssertEqual(JSONLines.int(byRule?["dual-homed-host"]), 2, file: file, line: line)
        XCTAssertEqual(JSONLines.int(byRule?["zone-vlan-mismatch"]), 1, file: file, line: line)
        XCTAssertGreaterThan(
            JSONLines.int((summary["host_table"] as? [String: Any])?["records_with_mac"]) ?? 0, 50, file: file,
            line: line)
    }

    /// softflowd exports no MAC addresses: the conduit used from a replaced machine (V1) cannot be told from
    /// the registered one, and every alert says its MACs could not be checked.
    static let v1 = Key("conduit-mac-mismatch", "10.10.1.5", "172.20.9.9", "tcp", 443)

    func testSoftflowdIPFIX() throws {
        let run = try collect(extra: []) { try softflowd($0.port, ["-v", "10", "-A", "milli"]) }
        let (alerts, summary) = (run.alerts, run.summary)
        check(alerts, input: "ipfix", missing: [Self.v1, Self.qinq], macs: false)
        let exporters = summary["exporters"] as? [[String: Any]]
        XCTAssertEqual(exporters?.count, 1)
        XCTAssertGreaterThan(JSONLines.int(exporters?.first?["records"]) ?? 0, 50)
        XCTAssertEqual(JSONLines.int(exporters?.first?["flows"]), JSONLines.int(summary["flows"]))
        XCTAssertEqual((exporters?.first?["decode_failures"] as? [String: Any])?.count, 0)
        // Its ICMP templates (addresses, protocol and ICMP type, no ports) are no aggregation by addresses:
        // before, each of the three runs warned of templates 1025 and 2049 (REVIEW-140 F5).
        XCTAssertFalse(run.stderr.contains("no port fields"), run.stderr)
    }

    /// softflowd's `-a` (adjust time when reading a pcap) stamps uptimes from the packets' times, which
    /// makes its NetFlow v9, and its IPFIX without `-A`, of an old capture usable (flow-exports.md, Times):
    /// the alerts of its IPFIX with `-A milli`, where without `-a` every record is refused.
    func testSoftflowdNetFlowV9AndIPFIXWithAdjustedTimes() throws {
        for (input, version) in [("netflow-v9", "9"), ("ipfix", "10")] {
            let run = try collect(extra: []) { try softflowd($0.port, ["-v", version, "-a"]) }
            check(run.alerts, input: input, missing: [Self.v1, Self.qinq], macs: false)
            let e = try exporter(run.summary)
            XCTAssertEqual((e["decode_failures"] as? [String: Any])?.count, 0, input)
        }
    }

    /// NetFlow v5 carries no IPv6 (flow-exports.md, What is read): softflowd's v5 export (with `-a`) has
    /// the alerts of its v9, less every IPv6 one (V7, ICMPv6 Mynumber to LGWAN; V14, IPv6 LGWAN to an
    /// external address), and nothing in the summary says they are missing.
    func testSoftflowdNetFlowV5CarriesNoIPv6() throws {
        let run = try collect(extra: []) { try softflowd($0.port, ["-v", "5", "-a"]) }
        let ipv6 = replayAlerts.filter { $0.src.contains(":") }
        XCTAssertEqual(ipv6.count, 2, "\(ipv6)")
        check(run.alerts, input: "netflow-v5", missing: ipv6.union([Self.v1, Self.qinq]), macs: false)
        let e = try exporter(run.summary)
        XCTAssertEqual((e["decode_failures"] as? [String: Any])?.count, 0)
    }

    /// softflowd's NetFlow v9 of a capture older than the run (`-r`, no absolute times in v9): its uptimes
    /// come from the wall clock, so every record lies weeks after its own export and is refused. The run
    /// judges nothing, and says so at its end on stderr rather than leave "0 violating" standing alone.
    func testSoftflowdNetFlowV9OfAnOldCaptureIsRefusedAndSaid() throws {
        let run = try collect(extra: []) { try softflowd($0.port, ["-v", "9"]) }
        XCTAssertEqual(run.alerts.count, 0)
        let e = try XCTUnwrap((run.summary["exporters"] as? [[String: Any]])?.first)
        XCTAssertEqual(JSONLines.int(e["records"]), 0)
        let failures = try XCTUnwrap(e["decode_failures"] as? [String: Any])
        let refused = try XCTUnwrap(JSONLines.int(failures["timestamp-out-of-range"]), "\(failures)")
        XCTAssertGreaterThan(refused, 50)
        XCTAssertTrue(
            run.stderr.contains(
                "warning: exporter 127.0.0.1: \(refused) records refused (timestamp-out-of-range): a time after the "
                    + "record's own export, or outside the years 0000-9999; they were not judged"),
            run.stderr)
    }

    /// pmacct with MACs and VLANs in its IPFIX template: replay's alerts, the host rules' among them (F8 of
    /// the review: `dual-homed-host` of 02:00:0a:14:03:21 in span-2330, which collect never raised).
    func testPmacctIPFIXWithMACs() throws {
        let (alerts, summary) = try collect {
            try pmacctd(
                $0, plugin: "nfprobe",
                [
                    "nfprobe_receiver[p]: 127.0.0.1:PORT", "nfprobe_version[p]: 10",
                    "aggregate[p]: src_host, dst_host, src_port, dst_port, proto, tcpflags, src_mac, dst_mac, vlan",
                ])
        }
        check(alerts, input: "ipfix", missing: [Self.qinq], macs: true)
        checkHostSummary(summary)
        let dual = alerts.first {
            $0["rule"] as? String == "dual-homed-host" && $0["src_ip"] as? String == "10.30.3.33"
        }
        XCTAssertEqual(dual?["src_mac"] as? String, "02:00:0a:14:03:21", "\(alerts)")
        XCTAssertEqual(dual?["timestamp"] as? String, "2026-06-14T23:52:10.000000Z")
        let v1 = alerts.first { $0["rule"] as? String == "conduit-mac-mismatch" }
        XCTAssertEqual(v1?["src_mac"] as? String, "02:00:5e:10:99:05")
    }

    func testPmacctNetFlowV9() throws {
        let (alerts, summary) = try collect {
            try pmacctd(
                $0, plugin: "nfprobe",
                [
                    "nfprobe_receiver[p]: 127.0.0.1:PORT", "nfprobe_version[p]: 9",
                    "aggregate[p]: src_host, dst_host, src_port, dst_port, proto, tcpflags, src_mac, dst_mac, vlan",
                ])
        }
        check(alerts, input: "netflow-v9", missing: [Self.qinq], macs: true)
        checkHostSummary(summary)
    }

    /// pmacct aggregating by addresses alone: its templates have no port field, so no record is a fragment
    /// (they were all counted as `fragments`, and not judged). Each exporter template is named in a warning;
    /// a record is judged where no port or direction could change its verdict, and every such alert is one
    /// the replay raises for the same pair of addresses; the others are counted as `no_ports`.
    func testPmacctAggregatedByAddressesOnly() throws {
        let c = try collect(extra: []) {
            try pmacctd(
                $0.port, plugin: "nfprobe",
                [
                    "nfprobe_receiver[p]: 127.0.0.1:PORT", "nfprobe_version[p]: 10",
                    "aggregate[p]: src_host, dst_host, proto",
                ])
        }
        let skipped = try XCTUnwrap(c.summary["records_not_judged"] as? [String: Any])
        XCTAssertEqual(JSONLines.int(skipped["fragments"]), 0, "\(skipped)")
        XCTAssertGreaterThan(JSONLines.int(skipped["no_ports"]) ?? 0, 0, "\(skipped)")
        let exporter = (c.summary["exporters"] as? [[String: Any]])?.first
        XCTAssertGreaterThan(
            JSONLines.int(exporter?["records_without_ports"]) ?? 0, 50, "\(String(describing: exporter))")
        XCTAssertTrue(
            c.stderr.contains("warning: exporter 127.0.0.1 (ipfix, domain 0) template ")
                && c.stderr.contains("no port fields"), c.stderr)
        // The review's case: a Mynumber PC to the Internet, a pair no declaration allows on any port.
        XCTAssertTrue(
            c.alerts.contains {
                $0["rule"] as? String == "mynumber-isolation" && $0["src_ip"] as? String == "10.10.2.21"
                    && $0["dest_ip"] as? String == "203.0.113.10"
            }, "\(c.alerts)")
        let replayPairs = Set(replayAlerts.map { "\($0.rule) \([$0.src, $0.dst].sorted())" })
        for a in c.alerts.map(Key.init) {
            XCTAssertTrue(
                replayPairs.contains("\(a.rule) \([a.src, a.dst].sorted())"), "not raised by the replay: \(a)")
        }
        XCTAssertGreaterThanOrEqual(c.alerts.count, 6)
    }

    /// SIGHUP reloads zones.conf between two exports: alerts after it carry the new sensor name.
    func testReloadOnSIGHUP() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zonesep-reload-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let conf = dir.appendingPathComponent("zones.conf")
        let original = try String(contentsOf: root.appendingPathComponent("zones.conf"), encoding: .utf8)
        try original.write(to: conf, atomically: true, encoding: .utf8)
        let (alerts, _) = try collect(config: conf.path) { port, collector in
            try run(
                "/usr/sbin/softflowd",
                [
                    "-r", captures[0], "-n", "127.0.0.1:\(port)", "-v", "10", "-A", "milli", "-c", "none", "-p",
                    dir.appendingPathComponent("pid").path,
                ])
            usleep(500_000)
            try original.replacingOccurrences(of: "name = \"midori-core-span\"", with: "name = \"reloaded\"")
                .write(to: conf, atomically: true, encoding: .utf8)
            kill(collector, SIGHUP)
            usleep(1_000_000)
            try run(
                "/usr/sbin/softflowd",
                [
                    "-r", captures[2], "-n", "127.0.0.1:\(port)", "-v", "10", "-A", "milli", "-c", "none", "-p",
                    dir.appendingPathComponent("pid").path,
                ])
        }
        let sensors = alerts.map { $0["sensor"] as? String ?? "?" }
        XCTAssertEqual(sensors.first, "midori-core-span")
        XCTAssertEqual(sensors.last, "reloaded")
        XCTAssertEqual(Set(sensors), ["midori-core-span", "reloaded"])
    }

    func testPmacctSFlow() throws {
        let (alerts, summary) = try collect {
            try pmacctd(
                $0, plugin: "sfprobe",
                ["sfprobe_receiver[p]: 127.0.0.1:PORT", "sfprobe_agentip[p]: 127.0.0.1", "sampling_rate[p]: 1"])
        }
        // sFlow has no time of its own: a sample is judged when it arrives, today, when the maintenance
        // vendor's exception (A11, expired 2026-06-15) no longer allows its ssh.
        let a11 = Key("security-cloud-bypass", "10.30.9.10", "192.0.2.200", "tcp", 22)
        check(alerts, input: "sflow", missing: [Self.qinq], extra: [a11], macs: true)
        checkHostSummary(summary)
        // Each sample is a record of one packet: V16's second connection on the port pair begins with a
        // SYN after the first closed (FIN both ways), and is a flow and an alert of its own, as in the
        // replay (the samples arrive milliseconds apart, so V19's two DNS queries stay one flow).
        let v16 = alerts.filter { $0["src_ip"] as? String == "10.30.8.15" && JSONLines.int($0["src_port"]) == 50080 }
        XCTAssertEqual(v16.count, 2, "\(v16)")
        // The ICMP port unreachables of V2 travel with the flow they quote in a capture; as samples they are
        // counted, not judged.
        XCTAssertEqual(JSONLines.int((summary["records_not_judged"] as? [String: Any])?["icmp_errors"]), 2)
    }
}

/// The collector's systemd unit (scripts/zonesep-collect.service): systemd-analyze verifies it and rates its
/// exposure; it holds no capability; and it runs under a real systemd.
final class CollectServiceUnitTests: XCTestCase {
    /// The unit run by systemd itself, booted in a namespace (scripts/check-service --collect), with no
    /// capability at all: its sandbox and seccomp filter (set to kill on a forbidden call) still let the
    /// collector receive softflowd's IPFIX export of the demonstration captures, alert into its alerts file,
    /// serve metrics, send syslog, reload, refuse a broken zones.conf's reload, reopen its alerts file when
    /// logrotate renames it (scripts/zonesep.logrotate as installed) and stop with its summary.
    func testUnitRunsTheCollectorUnderSystemd() throws {
        let root = try Harness.repositoryRoot()
        let outcome = try Harness.run(
            root.appendingPathComponent("scripts/check-service"), ["--collect", try Harness.zonesep().path],
            timeout: 120)
        if outcome.exitedNormally && outcome.status == 77 {
            throw XCTSkip(outcome.stderrText.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        XCTAssertTrue(outcome.exitedNormally && outcome.status == 0, outcome.stdoutText + outcome.stderrText)
        for check in [
            "ok: holds no capability at all", "ok: under a seccomp filter",
            "ok: judged softflowd's export and alerted into /var/log/zonesep-collect/alerts.jsonl",
            "ok: systemctl reload fails on a broken zones.conf and sends no SIGHUP",
            "ok: logrotate's SIGHUP reopens /var/log/zonesep-collect/alerts.jsonl with zones.conf broken",
            "ok: the summary, with the exporter's counts, is written at stop", "check-service: every check passed",
        ] {
            XCTAssertTrue(outcome.stdoutText.contains(check), "\(check): \(outcome.stdoutText)")
        }
    }

    func testUnitVerifiesAndIsLockedDown() throws {
        guard let analyze = Tools.find("systemd-analyze") else {
            throw XCTSkip("systemd-analyze is not installed (apt-get install systemd; scripts/test installs it)")
        }
        let root = try Harness.repositoryRoot()
        let text = try String(
            contentsOf: root.appendingPathComponent("scripts/zonesep-collect.service"), encoding: .utf8)
        XCTAssertTrue(text.contains("/usr/local/bin/zonesep collect"))
        XCTAssertTrue(text.contains("\nCapabilityBoundingSet=\n"), "no capability")
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("zonesep-collect-unit-\(UUID())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let unit = scratch.appendingPathComponent("zonesep-collect.service")
        try text.replacingOccurrences(of: "/usr/local/bin/zonesep", with: try Harness.zonesep().path)
            .write(to: unit, atomically: true, encoding: .utf8)
        let verify = try Harness.run(analyze, ["verify", unit.path], timeout: 60)
        XCTAssertTrue(verify.exitedNormally && verify.status == 0, verify.brief)
        XCTAssertEqual(
            (verify.stderrText + verify.stdoutText).split(separator: "\n").filter { $0.contains("zonesep-collect") },
            [], "systemd-analyze verify reports nothing about the unit")
        let security = try Harness.run(analyze, ["security", "--offline=true", "--no-pager", unit.path], timeout: 60)
        guard let line = security.stdoutLines.first(where: { $0.contains("Overall exposure level") }),
            let number = line.split(separator: ":").last?.split(separator: " ").first, let exposure = Double(number)
        else {
            if security.stderrText.contains("unrecognized option") { throw XCTSkip("systemd-analyze has no --offline") }
            return XCTFail("no exposure level: \(security.brief)")
        }
        XCTAssertLessThanOrEqual(exposure, 1.5, security.stdoutText)
    }
}
