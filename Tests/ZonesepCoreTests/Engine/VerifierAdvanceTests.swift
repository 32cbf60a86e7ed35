import XCTest

@testable import ZonesepCore

/// `Verifier.advance`: a `watch` worker with no packets of its own is brought up to the port's packet time
/// between two batches, and its closed connection's end reaches the sink then, as a later packet's sweep
/// would have told it, while its own counts and packet times stay those of its packets.
final class VerifierAdvanceTests: VerifierTestCase {
    func testAQuietVerifierEndsItsClosedConnectionAtThePortsTime() throws {
        let sink = RecordingSink([.flowEnds])
        verifier = Verifier(policy: Self.policy(), flowCapacity: 64, sink: sink)
        let (a, b) = ("10.20.1.1", "10.30.7.8")
        // SYN, SYN-ACK, ACK, FIN-ACK both ways, ACK: closed at 0.5 s.
        feedBatch([
            (0, F.tcpFrame(a, 41001, b, 445, flags: 0x02)), (0.1, F.tcpFrame(b, 445, a, 41001, flags: 0x12)),
            (0.2, F.tcpFrame(a, 41001, b, 445, flags: 0x10)), (0.3, F.tcpFrame(a, 41001, b, 445, flags: 0x11)),
            (0.4, F.tcpFrame(b, 445, a, 41001, flags: 0x11)), (0.5, F.tcpFrame(a, 41001, b, 445, flags: 0x10)),
        ])
        let packets = verifier.counters.packets
        verifier.advance(to: t0 + 10_500_000, budget: 2)
        XCTAssertTrue(sink.seen.isEmpty, "10 s after its close the connection is still there")
        verifier.advance(to: t0 + 10_500_001, budget: 2)
        XCTAssertEqual(sink.seen.map(\.kind), [.flowEnded])
        XCTAssertEqual(sink.seen.first?.reason, .closed)
        XCTAssertEqual(sink.seen.first?.entry.times, [t0, t0 + 500_000], "its own first and last packet times")
        XCTAssertNil(sink.seen.first?.frameTime, "no frame of this verifier's stands for the port's time")
        XCTAssertEqual(verifier.activeFlows, 0)
        XCTAssertEqual(verifier.counters.packets, packets, "no packet counted")
        XCTAssertEqual(verifier.counters.lastPacketMicros, t0 + 500_000, "its last packet is still its own")
        XCTAssertEqual(verifier.flows.clock, t0 + 10_500_001)

        // A late ACK of the connection joins no new flow: it is remembered as closed.
        feedBatch([(10.6, F.tcpFrame(a, 41001, b, 445, flags: 0x10))])
        XCTAssertEqual(verifier.activeFlows, 0)
        XCTAssertEqual(sink.seen.count, 1)
    }
}
