import Foundation
import XCTest

/// What a live test builds and must take down however it ends: its scratch directory, its network and its
/// daemon. One class so that the tests on network namespaces set up and clean up the same way.
final class LiveTestState {
    let scratch: URL
    var network: TestNetwork?
    var daemon: LiveDaemon?

    /// Makes an empty scratch directory named `zonesep-<name>-<uuid>` under the temporary directory.
    init(_ name: String) throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("zonesep-\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
    }

    /// Kills the daemon if a failed test left it running, then removes the network and the scratch directory.
    func tearDown() {
        daemon?.killIfRunning()
        network?.tearDown()
        try? FileManager.default.removeItem(at: scratch)
    }
}

extension TestNetwork {
    /// One host in each zone of `WatchTests.zonesV1` (mynumber 10.10.0.2, lgwan 10.20.0.2, internet 10.30.0.2),
    /// with the tools the tests send through (nc, ping); skips the test where this machine cannot build it.
    static func threeZones() throws -> TestNetwork {
        if let reason = TestNetwork.skipReason() { throw XCTSkip("live capture tests skipped: \(reason)") }
        _ = try Tools.require("nc", package: "netcat-openbsd")
        _ = try Tools.require("ping", package: "iputils-ping")
        return try TestNetwork(hosts: [
            (name: "mynumber", address: "10.10.0.2"), (name: "lgwan", address: "10.20.0.2"),
            (name: "internet", address: "10.30.0.2"),
        ])
    }
}
