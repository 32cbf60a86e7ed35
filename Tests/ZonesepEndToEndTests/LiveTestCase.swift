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

    /// Sends `frames` as they are from `host`'s eth0 (its link to the mirrored switch), with python's raw
    /// packet socket: frames no host's stack would send (fragments, forged ICMP errors) reach the sensor.
    func sendRaw(_ frames: [[UInt8]], from host: String, on net: TestNetwork) throws {
        let python = try Tools.require("python3", package: "python3")
        let send = """
            import socket, sys
            s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
            s.bind(("eth0", 0))
            for h in sys.argv[1:]:
                s.send(bytes.fromhex(h))
            """
        let hex = frames.map { $0.map { String(format: "%02x", $0) }.joined() }
        let sent = try net.run(on: host, [python.path, "-c", send] + hex)
        XCTAssertTrue(sent.exitedNormally && sent.status == 0, sent.brief)
    }

    /// Waits (10 s at most) for `count` alerts in `file`, half a second more for the frames after the last
    /// alert's, then stops `watch` with SIGTERM and checks that it exited 0 (its summary written).
    func stop(_ watch: LiveDaemon, after count: Int, alertsIn file: EventFile) {
        let deadline = Date().addingTimeInterval(10)
        while file.alerts().count < count && Date() < deadline { usleep(10_000) }
        usleep(500_000)
        watch.signal(SIGTERM)
        let outcome = watch.waitForExit(timeout: 30)
        XCTAssertTrue(outcome.exitedNormally && outcome.status == 0, outcome.brief)
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
