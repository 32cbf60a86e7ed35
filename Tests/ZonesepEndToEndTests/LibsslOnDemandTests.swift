import Foundation
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// libssl is loaded only for `tls://` syslog (CLibSSL), not at every start: a sensor whose libssl is missing
/// still replays, and one asked for `tls://` without it stops at the start, naming the library. The library
/// is hidden as a missing package would leave it: /dev/null bound over it in a mount namespace of the
/// test's own.
final class LibsslOnDemandTests: XCTestCase {
    func testWithoutLibsslAReplayRunsAndTLSIsRefusedByName() throws {
        guard geteuid() == 0 else { throw XCTSkip("a mount namespace needs root; CI runs as root") }
        let unshare = try Tools.require("unshare", package: "util-linux")
        let candidates = ["/lib/x86_64-linux-gnu/libssl.so.3", "/usr/lib/x86_64-linux-gnu/libssl.so.3"]
        guard let libssl = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            throw XCTSkip("libssl.so.3 is not where Debian installs it")
        }
        let root = try Harness.repositoryRoot()
        let zonesep = try Harness.zonesep().path
        let tls = "replay --config zones.conf --syslog tls://127.0.0.1:6514 --syslog-ca zones.conf captures"

        func withoutLibssl(_ arguments: String) throws -> ProcessOutcome {
            try Harness.run(
                unshare, ["-m", "sh", "-c", "mount --bind /dev/null \(libssl) && exec \(zonesep) \(arguments)"],
                timeout: 120, in: root)
        }
        let replay = try withoutLibssl("replay --config zones.conf --output json captures")
        XCTAssertEqual(replay.status, 1, replay.brief)  // the demonstration captures hold violations
        XCTAssertTrue(String(decoding: replay.stdout, as: UTF8.self).contains("\"event_type\":\"summary\""))

        let refused = try withoutLibssl(tls)
        let message = String(decoding: refused.stderr, as: UTF8.self)
        XCTAssertEqual(refused.status, 2, refused.brief)
        XCTAssertTrue(message.contains("cannot load libssl for tls://"), message)
        XCTAssertTrue(message.contains("libssl.so.3"), message)
        XCTAssertTrue(refused.stdout.isEmpty, "no packet is read: \(refused.brief)")

        // With libssl in place the same run gets past loading it and stops at the CA file, which is no PEM.
        let control = try Harness.run(
            URL(fileURLWithPath: zonesep), tls.split(separator: " ").map(String.init), timeout: 120, in: root)
        let controlMessage = String(decoding: control.stderr, as: UTF8.self)
        XCTAssertEqual(control.status, 2, control.brief)
        XCTAssertFalse(controlMessage.contains("cannot load libssl"), controlMessage)
    }

    /// A libssl.so.3 that lacks one of the functions zonesep calls (another build, a shim, a stripped copy)
    /// is refused at the start, naming the function: answered with "nothing done", a missing
    /// SSL_CTX_set_verify would have turned the collector's certificate check off without a word. The
    /// stand-in defines every other function zonesep calls, as stubs that must never run.
    func testALibsslLackingAFunctionIsRefusedByName() throws {
        let cc = try Tools.require("cc", package: "gcc")
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
            "zonesep-libssl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let present = [
            "TLS_client_method", "SSL_CTX_new", "SSL_CTX_ctrl", "SSL_CTX_load_verify_locations",
            "SSL_CTX_use_certificate_chain_file", "SSL_CTX_use_PrivateKey_file", "SSL_CTX_check_private_key",
            "SSL_CTX_free", "SSL_new", "SSL_set_fd", "SSL_get0_param", "SSL_set1_host", "SSL_ctrl", "SSL_free",
            "SSL_connect", "SSL_write", "SSL_read", "SSL_get_error", "SSL_get_wbio", "SSL_shutdown",
            "SSL_get_verify_result",
        ]
        let source = scratch.appendingPathComponent("stand-in.c")
        try Data(present.map { "void \($0)(void) { __builtin_trap(); }\n" }.joined().utf8).write(to: source)
        let built = try Harness.run(
            cc, ["-shared", "-fPIC", "-o", scratch.appendingPathComponent("libssl.so.3").path, source.path],
            timeout: 120)
        XCTAssertEqual(built.status, 0, built.brief)

        let root = try Harness.repositoryRoot()
        let zonesep = try Harness.zonesep().path
        let arguments = "replay --config zones.conf --syslog tls://127.0.0.1:6514 --syslog-ca zones.conf captures"
        let refused = try Harness.run(
            URL(fileURLWithPath: "/usr/bin/env"),
            ["LD_LIBRARY_PATH=\(scratch.path)", zonesep] + arguments.split(separator: " ").map(String.init),
            timeout: 120, in: root)
        let message = String(decoding: refused.stderr, as: UTF8.self)
        XCTAssertEqual(refused.status, 2, refused.brief)
        XCTAssertTrue(message.contains("cannot load libssl for tls://"), message)
        XCTAssertTrue(message.contains("libssl.so.3 has no SSL_CTX_set_verify"), message)
        XCTAssertTrue(refused.stdout.isEmpty, "no packet is read: \(refused.brief)")
    }
}
