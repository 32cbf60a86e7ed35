import Foundation
import XCTest

/// A test on network namespaces: ScratchDirectoryTestCase's scratch directory, and the network and the daemon
/// it builds, taken down however the test ends: the daemon first, then the network, then the directory it
/// wrote into.
class LiveTestCase: ScratchDirectoryTestCase {
    var network: TestNetwork?
    var daemon: LiveDaemon?

    override func tearDown() {
        daemon?.killIfRunning()
        network?.tearDown()
        network = nil
        super.tearDown()
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
