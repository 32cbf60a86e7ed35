import XCTest

@testable import ZonesepCore

/// A closed connection's straggler joins no flow and no rule judges it: coverage counts it as not verified
/// (`after-close`), not as judged (REVIEW-73 finding 4), whichever way the frame went through the engine
/// (decoded in full, or the batch's new-flow lane for a common frame).
final class VerifierAfterCloseCoverageTests: VerifierTestCase {
    /// A connection opened and closed by FIN from both sides, then (past its 10 s in the table) a late
    /// ACK at 20 s and a late RST at 21 s.
    static func frames() -> [(seconds: Double, frame: [UInt8])] {
        [
            (0, F.tcpFrame("10.20.3.4", 51512, "10.30.7.8", 445, flags: 0x02)),
            (0.1, F.tcpFrame("10.30.7.8", 445, "10.20.3.4", 51512, flags: 0x12)),
            (1, F.tcpFrame("10.20.3.4", 51512, "10.30.7.8", 445, flags: 0x11)),
            (1.1, F.tcpFrame("10.30.7.8", 445, "10.20.3.4", 51512, flags: 0x11)),
            (1.2, F.tcpFrame("10.20.3.4", 51512, "10.30.7.8", 445, flags: 0x10)),
            (15, F.udpFrame("10.20.3.9", 40000, "10.20.5.5", 53)),  // sweeps the closed flow out
            (20, F.tcpFrame("10.30.7.8", 445, "10.20.3.4", 51512, flags: 0x10)),
            (21, F.tcpFrame("10.20.3.4", 51512, "10.30.7.8", 445, flags: 0x04)),
        ]
    }

    func check(_ v: Verifier, _ way: String) {
        let c = v.counters
        XCTAssertEqual(c.packets, 8, way)
        XCTAssertEqual(c.packetsAfterClose, 2, way)
        XCTAssertEqual(c.flows, 2, way)
        XCTAssertEqual(c.alerts, 1, way)
        XCTAssertEqual(c.notVerifiedByReason[Int(NotVerifiedReason.afterClose.rawValue)], 2, way)
        XCTAssertEqual(c.framesNotVerified, 2, way)
        XCTAssertEqual(c.framesJudged, 6, "only what joined or started a flow: \(way)")
        XCTAssertEqual(c.verifiedShare, 0.75, way)
        XCTAssertEqual(c.topNotVerified(4).map { "\($0.0): \($0.1)" }, ["packet of a TCP connection already closed: 2"])
        // Still in the matrix, as every IP packet is.
        XCTAssertEqual(v.matrix.packets.reduce(0, +), 8, way)
    }

    func testStragglersAreNotVerifiedOneFrameAtATime() {
        for (seconds, frame) in Self.frames() { feed(frame, at: seconds) }
        check(verifier, "one at a time")
    }

    func testStragglersAreNotVerifiedInABatch() {
        feedBatch(Self.frames())
        check(verifier, "in a batch")
    }
}
