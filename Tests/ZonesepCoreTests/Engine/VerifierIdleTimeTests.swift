import XCTest

@testable import ZonesepCore

/// `EventInterests.packetTime`: a sink that asks for it is handed an empty batch, for its frames' time,
/// after batches that left no event, once a second of packet time at most (`watch` closes suppression
/// windows by it while only allowed traffic passes). A sink that does not ask hears only of events.
final class VerifierIdleTimeTests: VerifierTestCase {
    /// Each call: the events it held and the time of its batch's last frame (µs after `t0`).
    final class Calls: EventSink {
        let interests: EventInterests
        private(set) var seen: [(events: Int, last: Int64)] = []
        let t0: Int64

        init(_ interests: EventInterests, t0: Int64) {
            self.interests = interests
            self.t0 = t0
        }

        func consume(_ batch: EventBatch) {
            seen.append((batch.events.count, (batch.frames.last?.timestamp ?? 0) - t0))
        }
    }

    /// A violating SYN (mynumber → internet) at 0, then allowed LGWAN DNS queries, one a batch.
    func run(_ interests: EventInterests) -> [String] {
        let sink = Calls(interests, t0: t0)
        verifier = Verifier(policy: Self.policy(), flowCapacity: 64, sink: sink)
        feedBatch([(0, F.tcpFrame("10.10.1.21", 50001, "10.30.1.21", 443, flags: 0x02))])
        for (i, s) in [0.3, 0.9, 1.0, 1.5, 2.2, 2.4].enumerated() {
            feedBatch([(s, F.udpFrame("10.20.1.5", UInt16(5000 + i), "10.20.1.53", 53))])
        }
        return sink.seen.map { "\($0.events) @\($0.last)" }
    }

    func testAnEmptyBatchTellsPacketTimeOnceASecondAtMost() {
        XCTAssertEqual(run([.violationStarts, .packetTime]), ["1 @0", "0 @1000000", "0 @2200000"])
    }

    func testASinkThatDoesNotAskHearsOnlyOfEvents() {
        XCTAssertEqual(run([.violationStarts]), ["1 @0"])
    }
}
