import Foundation

#if canImport(Glibc)
    import Glibc
#endif

// Shared by the output tests (the TLS syslog sender against rsyslog) and the end-to-end tests (`replay
// --syslog tls://…`): one certificate authority maker and one rsyslogd collector for both.

/// A fresh directory under the temporary directory, for one PKI or one collector.
func tlsScratchDirectory() throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zonesep-tls-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// A CA, and certificates made with certtool: the collector's (localhost and 127.0.0.1), a client's, one
/// signed by a rogue CA, and one signed by the CA for another name.
public struct TLSTestPKI: Sendable {
    public let dir: String
    public var ca: String { dir + "/ca.pem" }
    public var server: String { dir + "/server.pem" }
    public var serverKey: String { dir + "/server.key" }
    public var client: String { dir + "/client.pem" }
    public var clientKey: String { dir + "/client.key" }
    public var rogueServer: String { dir + "/rogue-server.pem" }
    public var rogueServerKey: String { dir + "/rogue-server.key" }
    public var otherName: String { dir + "/other.pem" }
    public var otherNameKey: String { dir + "/other.key" }

    public init() throws {
        dir = try tlsScratchDirectory()
        let certtool = "/usr/bin/certtool"
        guard FileManager.default.isExecutableFile(atPath: certtool) else {
            throw TestSupportFailure("certtool is not installed: apt-get install gnutls-bin (scripts/test does)")
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
                throw TestSupportFailure("certtool \(args.joined(separator: " ")) failed")
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

    /// Removes the certificates and keys.
    public func remove() { try? FileManager.default.removeItem(atPath: dir) }
}

/// An rsyslogd of the test's own with one TLS input (imtcp over the gtls stream driver) on a free
/// loopback port, writing each message's MSG to a file, one a line.
public final class TLSSyslogCollector {
    public let dir: String
    public let port: UInt16
    private var process: Process?

    public init(pki: TLSTestPKI, cert: String, key: String, requireClientCert: Bool) throws {
        dir = try tlsScratchDirectory()
        port = try Loopback.freePort(SOCK_STREAM)
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

    /// Starts rsyslogd and waits (20 s at most) until it listens on `port`.
    public func start() throws {
        let rsyslogd = "/usr/sbin/rsyslogd"
        guard FileManager.default.isExecutableFile(atPath: rsyslogd),
            FileManager.default.fileExists(atPath: "/usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_gtls.so")
                || FileManager.default.fileExists(atPath: "/usr/lib/aarch64-linux-gnu/rsyslog/lmnsd_gtls.so")
        else {
            throw TestSupportFailure(
                "rsyslogd with its gtls driver is not installed: apt-get install rsyslog rsyslog-gnutls")
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
            guard p.isRunning else { throw TestSupportFailure("rsyslogd exited at once") }
            let listening = ProcFile.read("/proc/\(p.processIdentifier)/net/tcp").split(separator: "\n").contains {
                let f = $0.split(separator: " ")
                return f.count > 3 && f[1] == local && f[3] == "0A"
            }
            if listening { return }
            usleep(20_000)
        }
        throw TestSupportFailure("rsyslogd did not listen on \(port) within 20 s")
    }

    /// The messages received so far, one MSG a line.
    public func lines() throws -> [String] {
        guard let text = try? String(contentsOfFile: dir + "/tls.log", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").map(String.init)
    }

    /// Waits (10 s at most) for `count` lines.
    public func waitFor(_ count: Int) throws -> [String] {
        for _ in 0..<500 {
            let l = try lines()
            if l.count >= count { return l }
            usleep(20_000)
        }
        return try lines()
    }

    /// Stops rsyslogd and removes its directory.
    public func stop() {
        if let p = process, p.isRunning {
            p.terminate()
            p.waitUntilExit()
        }
        process = nil
        try? FileManager.default.removeItem(atPath: dir)
    }
}
