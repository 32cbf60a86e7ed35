import XCTest

@testable import ZonesepCore

/// The index doubles in place as the table fills: after every doubling each flow must still be found
/// (a hole left in a probe run hides the flows after it), no other, and each flow indexed once.
final class FlowTableGrowthTests: XCTestCase {
    func key(_ n: UInt32) -> FlowKey {
        FlowKey.canonical(
            src: IPAddress(v4: 0x0A00_0000 | n >> 14), srcPort: UInt16(truncatingIfNeeded: n & 0x3fff) + 1024,
            dst: IPAddress(v4: 0x0A14_0001), dstPort: 443, proto: IPProtocolNumber.tcp, vlans: 0
        ).key
    }

    /// Checks the index against the flows the test holds (key, hash, entry).
    func assertSound(
        _ t: FlowTable, _ flows: [(FlowKey, UInt64, Int)], absent: [(FlowKey, UInt64)] = [],
        file: StaticString = #filePath, line: UInt = #line
    ) {
        let shape = t.indexShape
        XCTAssertEqual(shape.occupied, flows.count, "one slot a flow", file: file, line: line)
        XCTAssertLessThanOrEqual(flows.count * 2, shape.slots, "at most half full", file: file, line: line)
        var lost = 0
        for (k, h, e) in flows where t.find(k, hash: h) != e { lost += 1 }
        XCTAssertEqual(lost, 0, "flows not found in an index of \(shape.slots) slots", file: file, line: line)
        for (k, h) in absent { XCTAssertNil(t.find(k, hash: h), file: file, line: line) }
    }

    /// 100,000 flows from an index of 4,096 slots to 262,144, a third of them ending along the way (their
    /// removal shifts probe runs back, so the index each doubling starts from is no fresh one).
    func testEveryFlowStaysFindableAcrossDoublings() {
        let t = FlowTable(capacity: 200_000)
        var flows: [(FlowKey, UInt64, Int)] = []
        var removed: [(FlowKey, UInt64)] = []
        var size = t.indexSlots
        var doublings = 0
        for n in 0..<100_000 as Range<UInt32> {
            let k = key(n)
            flows.append((k, k.hashValue64, t.insert(k, hash: k.hashValue64, now: 0) { _, _ in XCTFail("evicted") }))
            if n % 3 == 2 {
                let (gone, h, e) = flows.remove(at: Int(n * 7919) % flows.count)
                t.remove(at: e)
                removed.append((gone, h))
            }
            if t.indexSlots != size {
                size = t.indexSlots
                doublings += 1
                assertSound(t, flows, absent: removed.suffix(50))
            }
        }
        XCTAssertEqual(doublings, 6, "4,096 to 262,144 slots")
        XCTAssertEqual(t.count, flows.count)
        assertSound(t, flows, absent: removed)
        // The table keeps working: every flow removed in turn, and the index left empty.
        for (_, _, e) in flows { t.remove(at: e) }
        XCTAssertEqual(t.indexShape.occupied, 0)
    }

    /// The first doubling (4,096 to 8,192 slots) of an index whose last slot's run wraps round to the
    /// start, then runs on into flows whose home is slot 0 and whose new home is slot 4,096: those move to
    /// the new half, and a wrapped probe that had stepped over them before they moved would lose its flow.
    func testAWrappedRunOverFlowsThatMoveStaysFindable() {
        let t = FlowTable(capacity: 8_000)
        var flows: [(FlowKey, UInt64, Int)] = []
        for n in 0..<2_100 as Range<UInt32> {
            let k = key(n)
            let hash: UInt64 = n < 700 ? 0xffff_ffff : n < 1_400 ? 0x1000 : k.hashValue64
            flows.append((k, hash, t.insert(k, hash: hash, now: 0) { _, _ in XCTFail("evicted") }))
        }
        XCTAssertEqual(t.indexSlots, 8_192)
        XCTAssertGreaterThan(t.indexShape.wrapped, 600)
        assertSound(t, flows)
    }

    /// Flows whose hashes all have their home in the last slots (as a flood of crafted keys could): every
    /// doubling's new probe of most of them wraps past the end of the index. A hashed flow mix goes along
    /// with them, some in the run they make.
    func testProbesWrappingPastTheEndStayFindable() {
        let t = FlowTable(capacity: 40_000)
        var flows: [(FlowKey, UInt64, Int)] = []
        var size = t.indexSlots
        for n in 0..<12_000 as Range<UInt32> {
            let k = key(n)
            // One in six: the low 32 bits (the home in any index size) all ones, or nearly.
            let hash = n % 6 == 0 ? UInt64(0xffff_ffff) - UInt64(n % 5) : k.hashValue64
            flows.append((k, hash, t.insert(k, hash: hash, now: 0) { _, _ in XCTFail("evicted") }))
            if t.indexSlots != size {
                size = t.indexSlots
                assertSound(t, flows, absent: [(key(99_999), 0xffff_ffff), (key(99_998), 0)])
            }
        }
        XCTAssertEqual(size, 32_768)
        XCTAssertGreaterThan(t.indexShape.wrapped, 2_000)
        assertSound(t, flows)
    }

    /// `drain` leaves the index at its first size, zeroing only that (not the 16 MiB a scan's flows grew it
    /// to); the table then fills again through every doubling, each of which must zero the slots the drain
    /// left behind before it uses them (a stale slot there would index a flow twice or name a freed entry).
    func testDrainShrinksTheIndexAndItGrowsAgainSound() {
        let t = FlowTable(capacity: 100_000)
        for n in 0..<40_000 as Range<UInt32> {
            let k = key(n)
            _ = t.insert(k, hash: k.hashValue64, now: 0) { _, _ in XCTFail("evicted") }
        }
        XCTAssertEqual(t.indexSlots, 131_072)
        var drained = 0
        t.drain { _, _ in drained += 1 }
        XCTAssertEqual(drained, 40_000)
        XCTAssertEqual(t.indexSlots, FlowTable.initialSlotCount, "back to the first size")
        XCTAssertEqual(t.indexShape.occupied, 0)
        var flows: [(FlowKey, UInt64, Int)] = []
        var size = t.indexSlots
        for n in 50_000..<90_000 as Range<UInt32> {
            let k = key(n)
            flows.append((k, k.hashValue64, t.insert(k, hash: k.hashValue64, now: 0) { _, _ in XCTFail("evicted") }))
            if t.indexSlots != size {
                size = t.indexSlots
                assertSound(t, flows, absent: (0..<50).map { key($0) }.map { ($0, $0.hashValue64) })
            }
        }
        XCTAssertEqual(size, 131_072)
        assertSound(t, flows, absent: (0..<40_000).map { key($0) }.map { ($0, $0.hashValue64) })
    }
}
