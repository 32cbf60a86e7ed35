import Foundation
import XCTest
import ZonesepTestSupport

@testable import ZonesepOutput

#if canImport(Glibc)
    import Glibc
#endif

/// `tls://` syslog (RFC 5425) against a real rsyslogd with its GnuTLS driver (rsyslog-gnutls), with
/// certificates made by GnuTLS's certtool: a collector whose certificate the CA signed receives every
/// message; one signed by another CA, or named for another host, receives nothing, the failure is
/// reported and the messages stay queued until the end, where they are counted undelivered.
final class SyslogTLSTests: XCTestCase {
    var pki: TLSTestPKI!
    var collectors: [TLSSyslogCollector] = []

    override func setUpWithError() throws {
        pki = try TLSTestPKI()
    }

    override func tearDown() {
        for c in collectors { c.stop() }
        collectors = []
        pki?.remove()
    }

    func collector(cert: String, key: String, requireClientCert: Bool = false) throws -> TLSSyslogCollector {
        let c = try TLSSyslogCollector(pki: pki, cert: cert, key: key, requireClientCert: requireClientCert)
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
