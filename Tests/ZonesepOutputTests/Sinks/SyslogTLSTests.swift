import Foundation
import XCTest

@testable import ZonesepOutput

#if canImport(Glibc)
    import Glibc
#endif

/// `tls://` syslog (RFC 5425) against a real rsyslogd with its GnuTLS driver (rsyslog-gnutls), with
/// certificates made by GnuTLS's certtool: a collector whose certificate the CA signed receives every
/// message; one signed by another CA, or named for another host, receives nothing, the failure is
/// reported and the messages stay queued until the end, where they are counted undelivered.
final class SyslogTLSTests: XCTestCase {
    var pki: TestPKI!
    var collectors: [TLSCollector] = []

    override func setUpWithError() throws {
        pki = try TestPKI()
    }

    override func tearDown() {
        for c in collectors { c.stop() }
        collectors = []
        if let pki { try? FileManager.default.removeItem(atPath: pki.dir) }
    }

    func collector(cert: String, key: String, requireClientCert: Bool = false) throws -> TLSCollector {
        let c = try TLSCollector(pki: pki, cert: cert, key: key, requireClientCert: requireClientCert)
        collectors.append(c)
        try c.start()
        return c
    }

    func message(_ i: Int) -> [UInt8] { Array("<134>1 2026-11-20T00:00:00.000000Z h zonesep 1 alert - tls \(i)".utf8) }

    final class Events: @unchecked Sendable {
        private let lock = NSLock()
        private var list: [String] = []
        func add(_ s: String) { lock.withLock { list.append(s) } }
        var all: [String] { lock.withLock { list } }
    }

    func testATrustedCollectorReceivesEveryMessageByNameAndByAddress() throws {
        let c = try collector(cert: pki.server, key: pki.serverKey)
        for host in ["localhost", "127.0.0.1"] {
            let sender = try SyslogSender(
                destination: .tls(host: host, port: c.port), capacity: 100, tls: SyslogTLSFiles(caFile: pki.ca))
            for i in 0..<20 { sender.send(message(i)) }
            let stats = sender.finish(timeout: 10)
            XCTAssertEqual(stats.sent, 20, host)
            XCTAssertEqual(stats.dropped, 0, host)
        }
        let lines = try c.waitFor(40)
        XCTAssertEqual(lines, (0..<20).map { "tls \($0)" } + (0..<20).map { "tls \($0)" })
    }

    func testAClientCertificateIsPresentedWhenTheCollectorAsksForOne() throws {
        let c = try collector(cert: pki.server, key: pki.serverKey, requireClientCert: true)
        let sender = try SyslogSender(
            destination: .tls(host: "localhost", port: c.port), capacity: 10,
            tls: SyslogTLSFiles(caFile: pki.ca, certFile: pki.client, keyFile: pki.clientKey))
        for i in 0..<3 { sender.send(message(i)) }
        XCTAssertEqual(sender.finish(timeout: 10).sent, 3)
        XCTAssertEqual(try c.waitFor(3), ["tls 0", "tls 1", "tls 2"])
    }

    /// The spoofed collector: a certificate the CA did not sign, then one signed but for another name.
    func testACollectorTheCADoesNotVouchForReceivesNothing() throws {
        for (cert, key, expect) in [
            (pki.rogueServer, pki.rogueServerKey, "certificate not trusted"),
            (pki.otherName, pki.otherNameKey, "mismatch"),
        ] {
            let c = try collector(cert: cert, key: key)
            let events = Events()
            let sender = try SyslogSender(
                destination: .tls(host: "localhost", port: c.port), capacity: 10,
                backoff: .init(initial: 0.05, maximum: 0.2), tls: SyslogTLSFiles(caFile: pki.ca),
                onEvent: { events.add($0) })
            for i in 0..<5 { sender.send(message(i)) }
            let deadline = Date().addingTimeInterval(10)
            while events.all.isEmpty && Date() < deadline { usleep(20_000) }
            XCTAssertEqual(events.all.count, 1, "reported once: \(events.all)")
            XCTAssertTrue(events.all.first?.contains(expect) ?? false, "\(events.all)")
            usleep(300_000)  // several retries
            XCTAssertEqual(sender.queued, 5, "the queue is kept")
            XCTAssertEqual(events.all.count, 1, "retries are not reported again: \(events.all)")
            let stats = sender.finish(timeout: 0.3)
            XCTAssertEqual(stats.sent, 0)
            XCTAssertEqual(stats.droppedUndelivered, 5)
            XCTAssertEqual(stats.unacknowledged, 0, "nothing was written")
            usleep(200_000)
            XCTAssertEqual(try c.lines(), [], "the collector received nothing")
        }
    }

    func testFilesThatCannotBeUsedAreRefusedAtTheStart() throws {
        let cases: [(SyslogTLSFiles, String)] = [
            (SyslogTLSFiles(caFile: pki.dir + "/missing.pem"), "--syslog-ca"),
            (SyslogTLSFiles(caFile: pki.ca, certFile: pki.client, keyFile: pki.serverKey), "mismatch"),
            (SyslogTLSFiles(caFile: pki.ca, certFile: pki.dir + "/none.pem", keyFile: pki.clientKey), "--syslog-cert"),
        ]
        for (files, expect) in cases {
            XCTAssertThrowsError(
                try SyslogSender(destination: .tls(host: "localhost", port: 6514), capacity: 1, tls: files)
            ) { XCTAssertTrue("\($0)".contains(expect), "\($0)") }
        }
        XCTAssertThrowsError(try SyslogSender(destination: .tls(host: "localhost", port: 6514), capacity: 1)) {
            XCTAssertTrue("\($0)".contains("--syslog-ca"), "\($0)")
        }
    }

    func testTLSURLs() {
        XCTAssertEqual(
            try SyslogDestination.parse("tls://siem.example:6515").get(), .tls(host: "siem.example", port: 6515))
        XCTAssertEqual(try SyslogDestination.parse("tls://siem.example").get(), .tls(host: "siem.example", port: 6514))
        XCTAssertEqual(try SyslogDestination.parse("tls://[::1]").get().description, "tls://[::1]:6514")
    }
}

/// A CA, and certificates made with certtool: the collector's (localhost and 127.0.0.1), a client's, one
/// signed by a rogue CA, and one signed by the CA for another name.
struct TestPKI {
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
        dir = try Sockets.temporaryDirectory()
        let certtool = "/usr/bin/certtool"
        guard FileManager.default.isExecutableFile(atPath: certtool) else {
            throw Sockets.Failure(
                description: "certtool is not installed: apt-get install gnutls-bin (scripts/test does)")
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
                throw Sockets.Failure(description: "certtool \(args.joined(separator: " ")) failed")
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
final class TLSCollector {
    let dir: String
    let port: UInt16
    private var process: Process?

    init(pki: TestPKI, cert: String, key: String, requireClientCert: Bool) throws {
        dir = try Sockets.temporaryDirectory()
        let (probe, free) = try Sockets.bind(type: SOCK_STREAM)
        close(probe)
        port = free
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
            throw Sockets.Failure(
                description: "rsyslogd with its gtls driver is not installed: apt-get install rsyslog rsyslog-gnutls")
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
            guard p.isRunning else { throw Sockets.Failure(description: "rsyslogd exited at once") }
            let listening = ProcFile.read("/proc/\(p.processIdentifier)/net/tcp").split(separator: "\n").contains {
                let f = $0.split(separator: " ")
                return f.count > 3 && f[1] == local && f[3] == "0A"
            }
            if listening { return }
            usleep(20_000)
        }
        throw Sockets.Failure(description: "rsyslogd did not listen on \(port) within 20 s")
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
