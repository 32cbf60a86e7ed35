import XCTest

@testable import ZonesepCore

/// `FlowTable.advance`: a `watch` worker whose host pairs fell quiet is brought up to the port's packet
/// time, seen by another worker, and ends the flows idle at it as packets at that time would have; it never
/// moves the clock back, and a jump the table holds is settled as before.
final class FlowTableAdvanceTests: XCTestCase {
    let second: Int64 = 1_000_000

    func key(_ n: UInt32, proto: UInt8) -> FlowKey {
        FlowKey.canonical(
            src: IPAddress(v4: 0x0A14_0000 | n), srcPort: 40000, dst: IPAddress(v4: 0x0A1E_0708), dstPort: 445,
            proto: proto, vlans: 0
        ).key
    }

    /// A verifier's table (it holds jumps) with a TCP connection closed at 1 s (FIN both ways) and a UDP
    /// flow, both first seen at 0; each sweep and advance checks up to `budget` entries.
    func table() -> (FlowTable, closed: FlowKey, udp: FlowKey) {
        let t = FlowTable(capacity: 64, timeouts: FlowTimeouts(), holdsTimeJumps: true)
        let closed = key(1, proto: IPProtocolNumber.tcp)
        let udp = key(2, proto: IPProtocolNumber.udp)
        for k in [closed, udp] {
            t.sweep(now: 0, budget: 8) { _, _ in XCTFail("nothing idle at 0") }
            t[t.insert(k, hash: k.hashValue64, now: 0) { _, _ in XCTFail("no eviction") }].lastSeen = 0
        }
        t.sweep(now: second, budget: 8) { _, _ in XCTFail("nothing idle at 1 s") }
        let i = t.find(closed, hash: closed.hashValue64)!
        t[i].lastSeen = second
        t[i].tcpState |= FlowEntry.finA | FlowEntry.finB
        t.timeoutShortened(t.entries + i)
        return (t, closed, udp)
    }

    /// The closed connection ends 10 s after its close by the advance alone, with the end a packet at that
    /// time gives it (`closed`); the UDP flow stays. Exactly the flows a packet's sweep ends, at the time.
    func testAnAdvanceEndsWhatAPacketAtThatTimeWould() {
        let (t, closed, _) = table()
        var ended: [(FlowKey, FlowEndReason)] = []
        t.advance(to: 11 * second, budget: 8) { e, r in ended.append((e.key, r)) }
        XCTAssertTrue(ended.isEmpty, "at exactly its timeout after the close it is still there")
        XCTAssertEqual(t.clock, 11 * second)
        t.advance(to: 11 * second + 1, budget: 8) { e, r in ended.append((e.key, r)) }
        XCTAssertEqual(ended.map(\.0), [closed])
        XCTAssertEqual(ended.map(\.1), [.closed])
        XCTAssertEqual(t.count, 1)
        XCTAssertEqual(t.expirations, 1)

        // (With a packet between: one 10 s after the clock would be held as a jump.)
        let (twin, _, _) = table()
        var swept: [FlowKey] = []
        twin.sweep(now: 6 * second, budget: 8) { e, _ in swept.append(e.key) }
        twin.sweep(now: 11 * second + 1, budget: 8) { e, _ in swept.append(e.key) }
        XCTAssertEqual(swept, ended.map(\.0), "a packet at that time ends the same flow")
    }

    /// The port's time may be far ahead of a quiet table's clock (a minute of quiet on its host pairs): it is
    /// another worker's clock, not a lone packet's, so the advance is not held as a jump would be, and the
    /// next packet, near it, is no jump either.
    func testAnAdvanceFarAheadIsNotHeldAsAJump() {
        let (t, closed, udp) = table()
        var ended: [FlowKey] = []
        t.advance(to: 300 * second, budget: 8) { e, _ in ended.append(e.key) }
        XCTAssertEqual(ended, [closed, udp], "both idle at 300 s, in entry order")
        t.sweep(now: 301 * second, budget: 8) { _, _ in XCTFail("nothing left") }
        XCTAssertEqual(t.timeJumpsIgnored, 0)
        XCTAssertEqual(t.clock, 301 * second)
    }

    /// A time behind the clock (this table's own packets passed it) changes nothing: the clock stays, no
    /// flow ends.
    func testAnAdvanceNeverMovesTheClockBack() {
        let (t, _, _) = table()
        for s in [6, 12, 20] as [Int64] {
            t.sweep(now: s * second, budget: 0) { _, _ in XCTFail("no checks with no budget") }
        }
        t.advance(to: 15 * second, budget: 8) { _, _ in XCTFail("15 s is behind the clock") }
        XCTAssertEqual(t.clock, 20 * second)
        XCTAssertEqual(t.count, 2)
    }

    /// The budget bounds the entries checked, as the packets it stands for would have: one entry, then the
    /// next at the following advance.
    func testTheBudgetBoundsTheChecks() {
        let (t, closed, udp) = table()
        var ended: [FlowKey] = []
        t.advance(to: 200 * second, budget: 1) { e, _ in ended.append(e.key) }
        XCTAssertEqual(ended, [closed])
        t.advance(to: 200 * second, budget: 0) { e, _ in ended.append(e.key) }
        XCTAssertEqual(ended, [closed], "no budget, no check")
        t.advance(to: 201 * second, budget: 1) { e, _ in ended.append(e.key) }
        XCTAssertEqual(ended, [closed, udp])
    }

    /// A lone packet stamped an hour ahead is held; an advance short of it keeps it held, and the next
    /// packet, near the advanced clock, settles it as a lone packet's (counted) as before. An advance that
    /// reaches it says the port's clock is there: no lone packet, nothing counted.
    func testAHeldJumpIsSettledByTheNextPacketUnlessThePortReachedIt() {
        let (t, _, _) = table()
        t.sweep(now: 3_600 * second, budget: 8) { _, _ in XCTFail("a lone time an hour ahead is held") }
        t.advance(to: 5 * second, budget: 8) { _, _ in XCTFail("nothing idle at 5 s") }
        t.sweep(now: 6 * second, budget: 8) { _, _ in XCTFail("nothing idle at 6 s") }
        XCTAssertEqual(t.timeJumpsIgnored, 1)
        XCTAssertEqual(t.firstTimeJumpIgnored, 3_600 * second)

        let (u, closed, udp) = table()
        u.sweep(now: 3_600 * second, budget: 8) { _, _ in XCTFail("a lone time an hour ahead is held") }
        var ended: [FlowKey] = []
        u.advance(to: 3_600 * second, budget: 8) { e, _ in ended.append(e.key) }
        XCTAssertEqual(ended, [closed, udp])
        u.sweep(now: 3_600 * second + 1, budget: 8) { _, _ in }
        XCTAssertEqual(u.timeJumpsIgnored, 0)
    }
}
