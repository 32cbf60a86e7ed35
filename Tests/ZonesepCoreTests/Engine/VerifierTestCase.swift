import XCTest

@testable import ZonesepCore

/// A fresh verifier for each test on one policy, fed frames at times given in seconds after `t0`, so the
/// engine tests that drive it need not write the policy and the feeding again.
class VerifierTestCase: XCTestCase {
    typealias F = EngineFrames
    static func p(_ s: String...) -> [IPPrefix] { s.compactMap { IPPrefix($0) } }

    let t0: Int64 = 1_795_219_200_000_000
    var verifier: Verifier!

    /// Three zones (mynumber 10.10/16; lgwan 10.20/16 and fd00:20::/48; internet 10.30/16 and fd00:30::/48),
    /// the security cloud's gateway 203.0.113.10, and a conduit from 10.10.1.5 (MAC 02:00:00:00:01:05) to
    /// 10.20.9.9 on TCP 443.
    static func policy() -> Policy {
        Policy(
            PolicyConfig(
                sensor: "test",
                zones: [
                    Zone(id: "mynumber", kind: .mynumber, networks: p("10.10.0.0/16")),
                    Zone(id: "lgwan", kind: .lgwan, networks: p("10.20.0.0/16", "fd00:20::/48")),
                    Zone(id: "internet", kind: .internet, networks: p("10.30.0.0/16", "fd00:30::/48")),
                ],
                gateways: [Gateway(name: "cloud", addresses: p("203.0.113.10"))],
                conduits: [
                    Conduit(
                        name: "c", from: p("10.10.1.5"), fromMAC: MACAddress("02:00:00:00:01:05"),
                        to: p("10.20.9.9"), ports: [.tcp(443...443)])
                ]))
    }

    override func setUp() {
        super.setUp()
        verifier = Verifier(policy: Self.policy(), flowCapacity: 64)
    }

    /// One frame through `process(timestamp:)`, the general way.
    @discardableResult
    func feed(_ frame: [UInt8], at seconds: Double) -> Alert? {
        frame.withUnsafeBytes {
            verifier.process(
                timestamp: t0 + Int64(seconds * 1_000_000), bytes: $0, wireLength: frame.count, linkType: .ethernet)
        }
    }

    /// `frames` through one `process(batch:)` call (the new-flow lane and the fast lane of known flows);
    /// returns the alerts raised.
    @discardableResult
    func feedBatch(_ frames: [(seconds: Double, frame: [UInt8])]) -> [Alert] {
        verifier.processBatch(frames.map { (time: t0 + Int64($0.seconds * 1_000_000), bytes: $0.frame) })
    }
}
