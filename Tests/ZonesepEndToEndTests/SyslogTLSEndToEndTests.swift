import Foundation
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// `replay --syslog tls://…` to a real rsyslogd with its GnuTLS driver: the collector the CA vouches for
/// receives every alert, parsed as RFC 5424; a collector whose certificate another CA signed receives
/// nothing, stderr says why, the replay's verdicts and exit status are unchanged, and every message is
/// counted undelivered.
final class SyslogTLSEndToEndTests: XCTestCase {
    var root: URL!
    var zonesep: URL!
    var pki: TLSTestPKI!
    var collectors: [TLSSyslogCollector] = []

    override func setUpWithError() throws {
        root = try Harness.repositoryRoot()
        zonesep = try Harness.zonesep()
        pki = try TLSTestPKI()
    }

    override func tearDown() {
        for c in collectors { c.stop() }
        if let pki { try? FileManager.default.removeItem(atPath: pki.dir) }
    }

    func replay(_ extra: [String]) throws -> ProcessOutcome {
        try Harness.run(
            zonesep,
            ["replay", "--config", root.appendingPathComponent("zones.conf").path, "--output", "json"] + extra
                + [root.appendingPathComponent("captures").path], timeout: 120, in: root)
    }

    func collector(cert: String, key: String, requireClientCert: Bool = false) throws -> TLSSyslogCollector {
        let c = try TLSSyslogCollector(pki: pki, cert: cert, key: key, requireClientCert: requireClientCert)
        collectors.append(c)
        try c.start()
        return c
    }

    func testEveryAlertReachesTheTrustedCollectorOverTLS() throws {
        let c = try collector(cert: pki.server, key: pki.serverKey, requireClientCert: true)
        let outcome = try replay([
            "--syslog", "tls://localhost:\(c.port)", "--syslog-ca", pki.ca, "--syslog-cert", pki.client,
            "--syslog-key", pki.clientKey,
        ])
        XCTAssertEqual(outcome.status, 1, outcome.brief)
        let all = outcome.stdoutLines.compactMap { JSONLines.object($0) }
        let messages = all.filter { $0["event_type"] as? String == "alert" }.compactMap { $0["message"] as? String }
        XCTAssertEqual(messages.count, 27, "22 flows' alerts and 5 host findings")
        let received = try c.waitFor(27)
        // MSG as rsyslog parsed it (it takes the byte order mark off): the alerts' human messages, in order.
        XCTAssertEqual(received.map { $0.hasPrefix("\u{FEFF}") ? String($0.dropFirst()) : $0 }, messages)
        let s = try XCTUnwrap(((all.last?["delivery"] as? [String: Any])?["syslog"] as? [[String: Any]])?.first)
        XCTAssertEqual(s["destination"] as? String, "tls://localhost:\(c.port)")
        XCTAssertEqual(JSONLines.int(s["sent"]), 27, "\(s)")
        XCTAssertEqual(JSONLines.int(s["dropped"]), 0, "\(s)")
    }

    func testASpoofedCollectorGetsNothingAndTheReplayIsUnchanged() throws {
        let c = try collector(cert: pki.rogueServer, key: pki.rogueServerKey)
        let outcome = try replay([
            "--syslog", "tls://localhost:\(c.port)", "--syslog-ca", pki.ca, "--syslog-flush-timeout", "1",
        ])
        XCTAssertEqual(outcome.status, 1, outcome.brief)
        let all = outcome.stdoutLines.compactMap { JSONLines.object($0) }
        XCTAssertEqual(all.filter { $0["event_type"] as? String == "alert" }.count, 27)
        XCTAssertTrue(outcome.stderrText.contains("certificate not trusted"), outcome.stderrText)
        XCTAssertEqual(
            outcome.stderrText.components(separatedBy: "certificate not trusted").count - 1, 1,
            "said once: \(outcome.stderrText)")
        let s = try XCTUnwrap(((all.last?["delivery"] as? [String: Any])?["syslog"] as? [[String: Any]])?.first)
        XCTAssertEqual(JSONLines.int(s["sent"]), 0, "\(s)")
        XCTAssertEqual(JSONLines.int(s["dropped_undelivered"]), 27, "kept queued, then counted: \(s)")
        XCTAssertEqual(JSONLines.int(s["dropped_queue_full"]), 0, "\(s)")
        XCTAssertEqual(try c.lines(), [])
    }

    func testTLSOptionsAreChecked() throws {
        for (args, expect) in [
            (["--syslog", "tls://localhost:6514"], "--syslog-ca"),
            (["--syslog", "tcp://localhost:514", "--syslog-ca", pki.ca], "tls://"),
            (["--syslog", "tls://localhost:6514", "--syslog-ca", pki.ca, "--syslog-cert", pki.client], "together"),
            (["--syslog", "tls://localhost:6514", "--syslog-ca", pki.dir + "/none.pem"], "none.pem"),
            (
                [
                    "--syslog", "tls://localhost:6514", "--syslog-ca", pki.ca, "--syslog-cert", pki.client,
                    "--syslog-key",
                    pki.serverKey,
                ], "--syslog-key"
            ),
        ] {
            let outcome = try replay(args)
            XCTAssertEqual(outcome.status, 2, "\(args): \(outcome.brief)")
            XCTAssertTrue(outcome.stderrText.contains(expect), "\(args): \(outcome.stderrText)")
            XCTAssertTrue(outcome.stdout.isEmpty, "\(args): nothing starts")
        }
    }
}

/// A CA, and certificates made with certtool: the collector's (localhost and 127.0.0.1), a client's, one
/// signed by a rogue CA, and one signed by the CA for another name.
struct TLSTestPKI {
    let dir: String
    var ca: String { dir + "/ca.pem" }
    var server: String { dir + "/server.pem" }
    var serverKey: String { dir + "/server.key" }
    var client: String { dir + "/client.pem" }
    var clientKey: String { dir + "/client.key" }
    var rogueServer: String { dir + "/rogue-server.pem" }
    var rogueServerKey: String { dir + "/rogue-server.key" }
    var otherName: String { dir + "/other.pem" }
    var otherNameKey: String { dir + "/other.key" }

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("zonesep-tls-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let certtool = "/usr/bin/certtool"
        guard FileManager.default.isExecutableFile(atPath: certtool) else {
            throw HarnessError("certtool is not installed: apt-get install gnutls-bin (scripts/test does)")
        }
        func run(_ args: [String]) throws {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: certtool)
            p.arguments = args
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            p.waitUntilExit()
            guard p.terminationStatus == 0 else {
                throw HarnessError("certtool \(args.joined(separator: " ")) failed")
            }
        }
        func key(_ name: String) throws {
            try run(["--generate-privkey", "--key-type=ecdsa", "--outfile", "\(dir)/\(name).key"])
        }
        func template(_ name: String, _ lines: [String]) throws {
            try (lines + ["expiration_days = 3"]).joined(separator: "\n")
                .write(toFile: "\(dir)/\(name).tmpl", atomically: true, encoding: .utf8)
        }
        for name in ["ca", "rogue-ca"] {
            try key(name)
            try template(name, ["cn = \"zonesep test \(name)\"", "ca", "cert_signing_key"])
            try run([
                "--generate-self-signed", "--load-privkey", "\(dir)/\(name).key", "--template", "\(dir)/\(name).tmpl",
                "--outfile", "\(dir)/\(name).pem",
            ])
        }
        let leaves: [(String, String, [String])] = [
            (
                "server", "ca",
                ["cn = \"localhost\"", "dns_name = \"localhost\"", "ip_address = \"127.0.0.1\"", "tls_www_server"]
            ),
            ("client", "ca", ["cn = \"zonesep-sensor\"", "tls_www_client"]),
            (
                "rogue-server", "rogue-ca",
                ["cn = \"localhost\"", "dns_name = \"localhost\"", "ip_address = \"127.0.0.1\"", "tls_www_server"]
            ),
            ("other", "ca", ["cn = \"siem.other.example\"", "dns_name = \"siem.other.example\"", "tls_www_server"]),
        ]
        for (name, issuer, lines) in leaves {
            try key(name)
            try template(name, lines + ["signing_key", "encryption_key"])
            try run([
                "--generate-certificate", "--load-privkey", "\(dir)/\(name).key", "--load-ca-certificate",
                "\(dir)/\(issuer).pem", "--load-ca-privkey", "\(dir)/\(issuer).key", "--template",
                "\(dir)/\(name).tmpl",
                "--outfile", "\(dir)/\(name).pem",
            ])
        }
    }
}

/// An rsyslogd of the test's own with one TLS input (imtcp over the gtls stream driver) on a free
/// loopback port, writing each message's MSG to a file, one a line.
final class TLSSyslogCollector {
    let dir: String
    let port: UInt16
    private var process: Process?

    init(pki: TLSTestPKI, cert: String, key: String, requireClientCert: Bool) throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("zonesep-tls-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        port = try Collector.freePort(SOCK_STREAM)
        let conf = """
            global(workDirectory="\(dir)" DefaultNetstreamDriver="gtls" DefaultNetstreamDriverCAFile="\(pki.ca)"
                   DefaultNetstreamDriverCertFile="\(cert)" DefaultNetstreamDriverKeyFile="\(key)")
            template(name="msg" type="string" string="%msg%\\n")
            ruleset(name="tls") { action(type="omfile" file="\(dir)/tls.log" template="msg") }
            module(load="imtcp" StreamDriver.Name="gtls" StreamDriver.Mode="1" StreamDriver.AuthMode="\(requireClientCert ? "x509/certvalid" : "anon")")
            input(type="imtcp" address="127.0.0.1" port="\(port)" ruleset="tls")

            """
        try conf.write(toFile: dir + "/rsyslog.conf", atomically: true, encoding: .utf8)
    }

    func start() throws {
        let rsyslogd = "/usr/sbin/rsyslogd"
        guard FileManager.default.isExecutableFile(atPath: rsyslogd),
            FileManager.default.fileExists(atPath: "/usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_gtls.so")
                || FileManager.default.fileExists(atPath: "/usr/lib/aarch64-linux-gnu/rsyslog/lmnsd_gtls.so")
        else {
            throw HarnessError("rsyslogd with its gtls driver is not installed: apt-get install rsyslog rsyslog-gnutls")
        }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: rsyslogd)
        p.arguments = ["-n", "-f", dir + "/rsyslog.conf", "-i", dir + "/rsyslogd.pid"]
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        process = p
        let local = "0100007F:" + String(format: "%04X", port)
        for _ in 0..<1000 {
            guard p.isRunning else { throw HarnessError("rsyslogd exited at once") }
            let listening = ProcFile.read("/proc/\(p.processIdentifier)/net/tcp").split(separator: "\n").contains {
                let f = $0.split(separator: " ")
                return f.count > 3 && f[1] == local && f[3] == "0A"
            }
            if listening { return }
            usleep(20_000)
        }
        throw HarnessError("rsyslogd did not listen on \(port) within 20 s")
    }

    func lines() throws -> [String] {
        guard let text = try? String(contentsOfFile: dir + "/tls.log", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").map(String.init)
    }

    /// Waits (10 s at most) for `count` lines.
    func waitFor(_ count: Int) throws -> [String] {
        for _ in 0..<500 {
            let l = try lines()
            if l.count >= count { return l }
            usleep(20_000)
        }
        return try lines()
    }

    func stop() {
        if let p = process, p.isRunning {
            p.terminate()
            p.waitUntilExit()
        }
        process = nil
        try? FileManager.default.removeItem(atPath: dir)
    }
}
