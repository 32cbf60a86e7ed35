import Foundation
import XCTest
import ZonesepTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Alert delivery end to end with real receivers: rsyslogd (UDP, TCP and a unix socket of its own, parsing
/// RFC 5424 and its structured data) and evidence files read back with tshark and checked with sha256sum,
/// all from a replay of the demonstration captures.
final class DeliveryTests: ScratchDirectoryTestCase {
    var collectors: [Collector] = []

    static let syslogSeverity = [
        "conduit-mac-mismatch": 2, "mynumber-isolation": 2, "sanitisation-bypass": 3, "lgwan-external": 3,
        "security-cloud-bypass": 4, "unzoned-host": 4, "zone-vlan-mismatch": 3,
    ]
    /// `dual-homed-host` is critical or high by the zones it spans: its syslog severity follows the alert's.
    static let severityByName = ["critical": 2, "high": 3, "medium": 4]

    /// The collectors write into the scratch directory: they stop before it is removed.
    override func tearDown() {
        for c in collectors { c.stop() }
        super.tearDown()
    }

    func replay(_ extra: [String]) throws -> ProcessOutcome {
        try Harness.run(
            zonesep,
            ["replay", "--config", root.appendingPathComponent("zones.conf").path, "--output", "json"] + extra
                + [root.appendingPathComponent("captures").path], timeout: 120, in: root)
    }

    func records(_ outcome: ProcessOutcome) -> [[String: Any]] {
        outcome.stdoutLines.compactMap { JSONLines.object($0) }
    }

    func collector(udp: Bool = false, tcp: Bool = false, unix: Bool = false) throws -> Collector {
        let c = try Collector(
            directory: scratch.appendingPathComponent("rsyslog-\(collectors.count)"), udp: udp, tcp: tcp, unix: unix)
        collectors.append(c)
        return c
    }

    /// The identity of an alert as the SIEM sees it: rule, addresses, ports, flow id.
    static func identity(_ fields: [String: Any]) -> String {
        ["rule", "src_ip", "src_port", "dest_ip", "dest_port", "flow_id"].map { k in
            fields[k].flatMap { $0 is NSNull ? nil : "\($0)" } ?? "-"
        }.joined(separator: " ")
    }

    // MARK: - syslog

    func testEveryAlertReachesUDPAndTCPCollectorsAsRFC5424() throws {
        let c = try collector(udp: true, tcp: true)
        try c.start()
        let outcome = try replay([
            "--syslog", "udp://127.0.0.1:\(c.udpPort!)", "--syslog", "tcp://127.0.0.1:\(c.tcpPort!)",
            "--syslog-facility", "local3", "--syslog-app-name", "zonesep-e2e",
        ])
        XCTAssertEqual(outcome.status, 1, outcome.brief)
        let all = records(outcome)
        let alerts = all.filter { $0["event_type"] as? String == "alert" }
        XCTAssertEqual(alerts.count, 27, "22 flows' alerts and 5 host findings")
        XCTAssertEqual(Set(all.compactMap { $0["event_type"] as? String }), ["alert", "summary"])

        for input in ["udp", "tcp"] {
            let received = try c.waitFor(alerts.count, in: input)
            XCTAssertEqual(received.count, alerts.count, "\(input): every alert arrives, once")
            XCTAssertEqual(
                received.map { Self.identity($0.data) }.sorted(), alerts.map { Self.identity($0) }.sorted(), input)
            // TIMESTAMP is the packet time of the flow's first packet, as in the alert record.
            XCTAssertEqual(
                received.map {
                    Self.identity($0.data) + " " + $0.timeReported.replacingOccurrences(of: "+00:00", with: "Z")
                }
                .sorted(),
                alerts.map { Self.identity($0) + " " + ($0["timestamp"] as? String ?? "") }.sorted(), input)
            let byFlow = Dictionary(grouping: alerts) { Self.identity($0) }
            for r in received {
                let context = "\(input): \(r.raw.prefix(200))"
                XCTAssertEqual(r.msgID, "alert", context)
                XCTAssertEqual(r.appName, "zonesep-e2e", context)
                XCTAssertEqual(r.facility, 19, context)
                let rule = r.data["rule"] as? String ?? ""
                XCTAssertEqual(
                    r.severity,
                    rule == "dual-homed-host"
                        ? Self.severityByName[r.data["severity"] as? String ?? ""] : Self.syslogSeverity[rule],
                    context)
                XCTAssertEqual(r.data["sensor"] as? String, "midori-core-span", context)
                guard let alert = byFlow[Self.identity(r.data)]?.first else { continue }
                XCTAssertEqual(r.data["src_zone"] as? String, alert["src_zone"] as? String, context)
                XCTAssertEqual(r.data["severity"] as? String, alert["severity"] as? String, context)
                let message = try XCTUnwrap(alert["message"] as? String)
                XCTAssertTrue(r.raw.hasSuffix("\u{FEFF}" + message), "MSG is the human message: \(context)")
                // A host alert's structured data names the device and every address seen for it, as rsyslog
                // parsed it: "ip zone vlan" entries in the order of the record's `addresses`.
                if let addresses = alert["addresses"] as? [[String: Any]] {
                    XCTAssertEqual(r.data["src_mac"] as? String, alert["src_mac"] as? String, context)
                    let list = addresses.map { a in
                        let vlan = (a["vlan"] as? [Any] ?? []).compactMap { JSONLines.int($0) }
                        return "\(a["ip"] ?? "") \(a["zone"] ?? "")"
                            + (vlan.isEmpty ? "" : " " + vlan.map(String.init).joined(separator: "/"))
                    }
                    XCTAssertEqual(r.data["addresses"] as? String, list.joined(separator: "; "), context)
                }
            }
        }
        let syslog = try XCTUnwrap((all.last?["delivery"] as? [String: Any])?["syslog"] as? [[String: Any]])
        XCTAssertEqual(syslog.count, 2)
        for s in syslog {
            XCTAssertEqual(JSONLines.int(s["sent"]), 27, "\(s)")
            XCTAssertEqual(JSONLines.int(s["dropped"]), 0, "\(s)")
        }
    }

    /// The TCP collector is down while the replay runs: five messages fit the queue (`--syslog-queue 5`) and
    /// the other twenty-two are dropped and counted. The replay then waits for the queue (it says so on
    /// stderr); only then is the collector started, so what was queued and what was dropped do not depend on
    /// timing. The sender reconnects with backoff and the five queued alerts arrive, in order.
    func testQueuedAlertsArriveWhenTheTCPCollectorComesBackAndTheRestAreCounted() throws {
        let c = try collector(tcp: true)
        let run = try Background(
            zonesep,
            [
                "replay", "--config", root.appendingPathComponent("zones.conf").path, "--output", "json",
                "--syslog", "tcp://127.0.0.1:\(c.tcpPort!)", "--syslog-queue", "5", "--syslog-flush-timeout", "60",
                root.appendingPathComponent("captures").path,
            ], in: scratch)
        defer { run.kill() }
        try run.waitForStderr("waiting up to 60.0 s for 5 queued messages", timeout: 60)
        try c.start()
        let outcome = try run.wait(timeout: 60)
        XCTAssertEqual(outcome.status, 1, outcome.brief)
        let all = records(outcome)
        let alerts = all.filter { $0["event_type"] as? String == "alert" }
        XCTAssertEqual(alerts.count, 27)

        let received = try c.waitFor(5, in: "tcp")
        XCTAssertEqual(received.map { Self.identity($0.data) }, alerts.prefix(5).map { Self.identity($0) })
        Thread.sleep(forTimeInterval: 0.5)
        XCTAssertEqual(try c.received("tcp").count, 5, "nothing beyond the queue arrives")

        let s = try XCTUnwrap(((all.last?["delivery"] as? [String: Any])?["syslog"] as? [[String: Any]])?.first)
        XCTAssertEqual(JSONLines.int(s["sent"]), 5, "\(s)")
        XCTAssertEqual(JSONLines.int(s["dropped_queue_full"]), 22, "\(s)")
        XCTAssertEqual(JSONLines.int(s["dropped_undelivered"]), 0, "\(s)")
        XCTAssertEqual(JSONLines.int(s["dropped"]), 22, "\(s)")
        XCTAssertEqual(JSONLines.int(s["reconnects"]), 1, "\(s)")
        XCTAssertTrue(outcome.stderrText.contains("queue full (5 messages)"), outcome.stderrText)
        XCTAssertTrue(outcome.stderrText.contains("22 messages dropped"), outcome.stderrText)
    }

    func testUnixDatagramSocketCollector() throws {
        let c = try collector(unix: true)
        try c.start()
        let outcome = try replay(["--syslog", "unix://\(c.unixSocket!)"])
        XCTAssertEqual(outcome.status, 1, outcome.brief)
        let alerts = records(outcome).filter { $0["event_type"] as? String == "alert" }
        let received = try c.waitFor(alerts.count, in: "unix")
        XCTAssertEqual(received.map { Self.identity($0.data) }.sorted(), alerts.map { Self.identity($0) }.sorted())
        for r in received {
            XCTAssertEqual(r.facility, 16, "local0 by default")
            XCTAssertEqual(r.appName, "zonesep")
        }
    }

    // MARK: - suppression, alerts file

    /// With a window of one hour, the second flow of V16 (same ports 45 s later) and of V19 (300 s later)
    /// fold into the first; each first alert gets an alert_update with the count; the summary still counts
    /// every violating flow. The 5 host findings are raised once each in a replay: none folds.
    func testSuppressionFoldsRepeatsAndTheAlertsFileHasEveryRecord() throws {
        let file = scratch.appendingPathComponent("alerts.jsonl").path
        let outcome = try replay(["--suppress-window", "1h", "--alerts", file, "--alerts-rotate", "size:4K"])
        XCTAssertEqual(outcome.status, 1, outcome.brief)
        let all = records(outcome)
        let alerts = all.filter { $0["event_type"] as? String == "alert" }
        let updates = all.filter { $0["event_type"] as? String == "alert_update" }
        XCTAssertEqual(alerts.count, 25, "20 flows' alerts written and 5 host findings")
        XCTAssertEqual(updates.count, 2)
        for u in updates {
            XCTAssertEqual(JSONLines.int(u["folded"]), 1, "\(u)")
            let first = alerts.first { $0["flow_id"] as? String == u["flow_id"] as? String }
            XCTAssertNotNil(first, "an update names a written alert: \(u)")
            XCTAssertEqual(u["first_seen"] as? String, first?["timestamp"] as? String)
        }
        XCTAssertEqual(Set(updates.compactMap { $0["rule"] as? String }), ["security-cloud-bypass", "unzoned-host"])
        let summary = try XCTUnwrap(all.last?["alerts"] as? [String: Any])
        XCTAssertEqual(JSONLines.int(summary["total"]), 27)
        XCTAssertEqual(JSONLines.int(summary["suppressed"]), 2)
        XCTAssertEqual(JSONLines.int(summary["rate_limited"]), 0)

        // The rotated files and the live one hold every record but the summary, in order, each line whole.
        let names = try FileManager.default.contentsOfDirectory(atPath: scratch.path).filter {
            $0.hasPrefix("alerts.jsonl")
        }
        let rotated = names.filter { $0 != "alerts.jsonl" }.sorted {
            (Int($0.split(separator: ".").last ?? "") ?? 0) < (Int($1.split(separator: ".").last ?? "") ?? 0)
        }
        XCTAssertFalse(rotated.isEmpty, "4K holds fewer than 22 records: the file rotated")
        var lines: [Substring] = []
        for name in rotated + ["alerts.jsonl"] {
            let text = try String(contentsOfFile: scratch.appendingPathComponent(name).path, encoding: .utf8)
            XCTAssertLessThanOrEqual(text.utf8.count, 4096, name)
            lines += text.split(separator: "\n")
        }
        XCTAssertEqual(lines, Array(outcome.stdoutLines.dropLast()))
    }

    // MARK: - evidence

    /// One tshark line: the frame's time (µs), an MD5 of its bytes, and every address and port in it
    /// (an ICMP error lists the quoted packet's too).
    struct Frame: Equatable {
        var micros: Int64
        var md5: String
        var addresses: Set<String>
        var ports: Set<String>
    }

    func frames(_ path: String) throws -> [Frame] {
        let tshark = try Tools.require("tshark", package: "tshark")
        let out = try Tools.run(
            tshark,
            [
                "-r", path, "-n", "-o", "frame.generate_md5_hash:TRUE", "-o", "ip.defragment:FALSE", "-T", "fields",
                "-E", "separator=/t", "-e", "frame.time_epoch", "-e", "frame.md5_hash", "-e", "ip.src", "-e", "ip.dst",
                "-e", "ipv6.src", "-e", "ipv6.dst", "-e", "tcp.srcport", "-e", "tcp.dstport", "-e", "udp.srcport",
                "-e", "udp.dstport",
            ], timeout: 60)
        return out.stdoutText.split(separator: "\n").compactMap { line in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard f.count >= 10, let micros = Self.micros(epoch: f[0]) else { return nil }
            func values(_ r: Range<Int>) -> Set<String> {
                Set(r.flatMap { f[$0].split(separator: ",").map(String.init) })
            }
            return Frame(micros: micros, md5: f[1], addresses: values(2..<6), ports: values(6..<10))
        }
    }

    static func micros(epoch: String) -> Int64? {
        let parts = epoch.split(separator: ".")
        guard let s = Int64(parts[0]) else { return nil }
        let frac = parts.count > 1 ? String((parts[1] + "000000").prefix(6)) : "0"
        return s * 1_000_000 + (Int64(frac) ?? 0)
    }

    /// µs of an RFC 3339 UTC time as zonesep writes it (`2026-06-14T23:41:00.015100Z`).
    static func micros(rfc3339 t: String) -> Int64? {
        let n = t.split(whereSeparator: { "-T:.Z".contains($0) }).compactMap { Int64($0) }
        guard n.count == 7 else { return nil }
        let (y, m, d) = (n[0], n[1], n[2])
        let yy = m <= 2 ? y - 1 : y
        let era = yy / 400
        let yoe = yy - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
        return ((days * 24 + n[3]) * 60 + n[4]) * 60_000_000 + n[5] * 1_000_000 + n[6]
    }

    /// Every alert names an evidence file; each file holds exactly its flow's packets from the original
    /// captures (same times, same bytes, in order, nothing else), as many as the summary counts for the flow
    /// (the cap, 100, is above every demo flow), and its SHA-256 is the one recorded when it closed.
    func testEvidenceHoldsEachFlowsPacketsAndItsHash() throws {
        let dir = scratch.appendingPathComponent("evidence")
        let outcome = try replay(["--evidence", dir.path])
        XCTAssertEqual(outcome.status, 1, outcome.brief)
        let all = records(outcome)
        // Evidence is kept per flow: the 5 host findings' alerts name no file (their proof is `addresses`).
        let hostAlerts = all.filter { $0["event_type"] as? String == "alert" && $0["addresses"] != nil }
        XCTAssertEqual(hostAlerts.count, 5)
        XCTAssertTrue(hostAlerts.allSatisfy { $0["evidence"] == nil }, "\(hostAlerts)")
        let alerts = all.filter { $0["event_type"] as? String == "alert" && $0["addresses"] == nil }
        let evidence = all.filter { $0["event_type"] as? String == "evidence" }
        XCTAssertEqual(alerts.count, 22)
        XCTAssertEqual(evidence.count, 22)
        let violations = try XCTUnwrap(all.last?["violations"] as? [[String: Any]])

        var original: [Frame] = []
        for file in try Harness.captureFiles(in: root.appendingPathComponent("captures")) {
            original += try frames(file.path)
        }
        original.sort { $0.micros < $1.micros }  // stable: files are in time order, frames within them too

        var files: Set<String> = []
        for alert in alerts {
            let context = Self.identity(alert)
            guard let name = alert["evidence"] as? String, let flowID = alert["flow_id"] as? String,
                let start = (alert["timestamp"] as? String).flatMap(Self.micros(rfc3339:))
            else {
                XCTFail("alert without an evidence file: \(context)")
                continue
            }
            XCTAssertFalse(name.contains("/") || name.contains("+") || name.contains("="), name)
            XCTAssertTrue(files.insert(name).inserted, "one file per alert: \(name)")
            let record = evidence.first { $0["file"] as? String == name }
            XCTAssertEqual(record?["flow_id"] as? String, flowID, context)
            let violation = violations.first {
                $0["flow_id"] as? String == flowID && $0["first_seen"] as? String == alert["timestamp"] as? String
            }
            guard let record, let violation,
                let end = (violation["last_seen"] as? String).flatMap(Self.micros(rfc3339:))
            else {
                XCTFail("no evidence record or summary entry for \(context)")
                continue
            }
            let path = dir.appendingPathComponent(name).path
            XCTAssertEqual(record["sha256"] as? String, try Coreutils.sha256sum(path), "sha256 of \(name)")
            // The summary names the same file and hash for the flow (what the run's audit report shows).
            let listed = violation["evidence"] as? [String: Any]
            XCTAssertEqual(listed?["path"] as? String, name, context)
            XCTAssertEqual(listed?["sha256"] as? String, record["sha256"] as? String, context)

            let ips = [alert["src_ip"], alert["dest_ip"]].compactMap { $0 as? String }
            let ports = [alert["src_port"], alert["dest_port"]].compactMap { JSONLines.int($0).map(String.init) }
            let expected = original.filter { f in
                f.micros >= start && f.micros <= end && ips.allSatisfy(f.addresses.contains)
                    && ports.allSatisfy(f.ports.contains)
            }
            let saved = try frames(path)
            XCTAssertEqual(saved, Array(expected.prefix(100)), "the packets of \(context)")
            XCTAssertEqual(saved.count, JSONLines.int(violation["packets"]), "the summary's count for \(context)")
            XCTAssertEqual(JSONLines.int(record["packets"]), saved.count, context)
        }
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: dir.path)), files, "nothing else")

        // The same replay again: the same records (byte for byte) and the same files.
        let again = try replay(["--evidence", dir.path])
        XCTAssertTrue(again.stdout == outcome.stdout, "a second replay gives the same bytes")
    }

    func testBadDeliveryOptionsAreUsageErrors() throws {
        for (args, expect) in [
            (["--syslog", "http://x"], "--syslog http://x"), (["--syslog-facility", "local9"], "--syslog-facility"),
            (["--alerts-rotate", "day"], "--alerts-rotate needs --alerts"),
            (["--alerts", "/x", "--alerts-rotate", "weekly"], "--alerts-rotate"),
            (["--suppress-window", "1y"], "--suppress-window"), (["--evidence-packets", "0"], "--evidence-packets"),
            (["--evidence-max-bytes", "lots"], "--evidence-max-bytes"),
            (["--evidence", "/proc/zonesep-no"], "--evidence /proc/zonesep-no"),
            (["--syslog", "tcp://no-such-host.invalid:514"], "no-such-host.invalid"),
        ] {
            let outcome = try replay(args)
            XCTAssertEqual(outcome.status, 2, "\(args): \(outcome.brief)")
            XCTAssertTrue(outcome.stderrText.contains(expect), "\(args): \(outcome.stderrText)")
            XCTAssertTrue(outcome.stdout.isEmpty, "\(args): nothing starts")
        }
    }
}

/// An rsyslogd of the test's own: UDP and TCP inputs on free loopback ports and a unix socket in its
/// directory, each writing what it receives to a file of its own (`udp.log`, `tcp.log`, `unix.log`) with
/// the fields rsyslog parsed out of the RFC 5424 message and the structured data as JSON (mmpstrucdata).
/// It never touches /dev/log or /var/log.
final class Collector {
    struct Received {
        var severity: Int
        var facility: Int
        var appName: String
        var msgID: String
        var timeReported: String
        /// When rsyslog received it (wall clock).
        var timeGenerated: String
        /// The zonesep@32473 element's parameters, as rsyslog parsed them.
        var data: [String: Any]
        var raw: String
    }

    let directory: URL
    let udpPort: UInt16?
    let tcpPort: UInt16?
    let unixSocket: String?
    private var process: Process?

    init(directory: URL, udp: Bool, tcp: Bool, unix: Bool) throws {
        self.directory = directory
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        udpPort = udp ? try Loopback.freePort(SOCK_DGRAM) : nil
        tcpPort = tcp ? try Loopback.freePort(SOCK_STREAM) : nil
        unixSocket = unix ? directory.appendingPathComponent("log").path : nil
        let d = directory.path
        var conf = """
            global(workDirectory="\(d)")
            module(load="mmpstrucdata")
            template(name="fields" type="string" string="%syslogseverity%\\t%syslogfacility%\\t%app-name%\\t%msgid%\\t%timereported:::date-rfc3339%\\t%timegenerated:::date-rfc3339%\\t%$!%\\t%rawmsg%\\n")

            """
        for input in ["udp", "tcp", "unix"] {
            conf += """
                ruleset(name="\(input)") { action(type="mmpstrucdata") action(type="omfile" file="\(d)/\(input).log" template="fields") }

                """
        }
        if let p = udpPort {
            conf +=
                "module(load=\"imudp\")\ninput(type=\"imudp\" address=\"127.0.0.1\" port=\"\(p)\" ruleset=\"udp\")\n"
        }
        if let p = tcpPort {
            conf +=
                "module(load=\"imtcp\")\ninput(type=\"imtcp\" address=\"127.0.0.1\" port=\"\(p)\" ruleset=\"tcp\")\n"
        }
        if let s = unixSocket {
            conf += """
                module(load="imuxsock" SysSock.Use="off")
                input(type="imuxsock" Socket="\(s)" UseSpecialParser="off" ParseHostname="on" IgnoreTimestamp="off" ruleset="unix")

                """
        }
        try conf.write(to: directory.appendingPathComponent("rsyslog.conf"), atomically: true, encoding: .utf8)
    }

    /// Starts rsyslogd in the foreground and waits until every input listens. `wrap` turns the command into
    /// one that runs it elsewhere (`ip netns exec NS …`, which execs it: the pid stays rsyslogd's).
    func start(wrap: (([String]) -> (URL, [String]))? = nil) throws {
        let rsyslogd = try Tools.require("rsyslogd", package: "rsyslog")
        let command = [
            rsyslogd.path, "-n", "-f", directory.appendingPathComponent("rsyslog.conf").path, "-i",
            directory.appendingPathComponent("rsyslogd.pid").path,
        ]
        let (tool, arguments) = wrap?(command) ?? (rsyslogd, Array(command.dropFirst()))
        let p = Process()
        p.executableURL = tool
        p.arguments = arguments
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        process = p
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            guard p.isRunning else { throw HarnessError("rsyslogd exited at once (status \(p.terminationStatus))") }
            if listening(pid: p.processIdentifier) { return }
            usleep(20_000)
        }
        throw HarnessError("rsyslogd did not open its inputs within 20 s")
    }

    func stop() {
        guard let p = process else { return }
        process = nil
        if p.isRunning {
            p.terminate()
            p.waitUntilExit()
        }
    }

    /// Every input is open, as the collector's own network namespace shows it (/proc/PID/net).
    private func listening(pid: Int32) -> Bool {
        func bound(_ table: String, _ port: UInt16, state: String) -> Bool {
            let text = ProcFile.read("/proc/\(pid)/net/\(table)")
            let local = "0100007F:" + String(format: "%04X", port)
            return text.split(separator: "\n").contains { line in
                let f = line.split(separator: " ")
                return f.count > 3 && f[1] == local && f[3] == state
            }
        }
        if let p = tcpPort, !bound("tcp", p, state: "0A") { return false }
        if let p = udpPort, !bound("udp", p, state: "07") { return false }
        if let s = unixSocket, !FileManager.default.fileExists(atPath: s) { return false }
        return true
    }

    func received(_ input: String) throws -> [Received] {
        let url = directory.appendingPathComponent("\(input).log")
        guard FileManager.default.fileExists(atPath: url.path) else { return [] }
        let text = try String(contentsOf: url, encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            let f = line.split(separator: "\t", maxSplits: 7, omittingEmptySubsequences: false).map(String.init)
            guard f.count == 8, let severity = Int(f[0]), let facility = Int(f[1]),
                let json = try JSONSerialization.jsonObject(with: Data(f[6].utf8)) as? [String: Any]
            else { throw HarnessError("rsyslog wrote a line that is not what the template says: \(line)") }
            let sd = (json["rfc5424-sd"] as? [String: Any])?["zonesep@32473"] as? [String: Any] ?? [:]
            return Received(
                severity: severity, facility: facility, appName: f[2], msgID: f[3], timeReported: f[4],
                timeGenerated: f[5], data: sd, raw: f[7])
        }
    }

    /// Waits (20 s at most) until `count` messages have arrived on `input`, and returns what arrived.
    func waitFor(_ count: Int, in input: String) throws -> [Received] {
        let deadline = Date().addingTimeInterval(20)
        var got = try received(input)
        while got.count < count && Date() < deadline {
            usleep(50_000)
            got = try received(input)
        }
        return got
    }
}

/// A zonesep run in the background, its output in files, so the test can act when stderr says something.
final class Background {
    let process = Process()
    let stdoutURL: URL
    let stderrURL: URL

    init(_ executable: URL, _ arguments: [String], in directory: URL) throws {
        let id = UUID().uuidString
        stdoutURL = directory.appendingPathComponent("stdout-\(id)")
        stderrURL = directory.appendingPathComponent("stderr-\(id)")
        guard FileManager.default.createFile(atPath: stdoutURL.path, contents: nil),
            FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        else { throw HarnessError("cannot create output files in \(directory.path)") }
        process.executableURL = executable
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        try process.run()
    }

    var stderrText: String { (try? String(contentsOf: stderrURL, encoding: .utf8)) ?? "" }

    func waitForStderr(_ text: String, timeout: TimeInterval) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while !stderrText.contains(text) {
            guard Date() < deadline, process.isRunning else {
                throw HarnessError("stderr never said \"\(text)\"; it says: \(stderrText)")
            }
            usleep(20_000)
        }
    }

    func wait(timeout: TimeInterval) throws -> ProcessOutcome {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        let timedOut = process.isRunning
        if timedOut { kill() }
        process.waitUntilExit()
        return ProcessOutcome(
            status: process.terminationStatus, exitedNormally: process.terminationReason == .exit, timedOut: timedOut,
            stdout: try Data(contentsOf: stdoutURL), stderr: try Data(contentsOf: stderrURL))
    }

    func kill() {
        if process.isRunning { Glibc.kill(process.processIdentifier, SIGKILL) }
    }
}
