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
}
