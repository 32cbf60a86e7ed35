import XCTest
import ZonesepTestSupport

@testable import ZonesepCore

/// The host table's MAC index on its own: what it finds after every insertion and deletion, probes that
/// wrap past the last slot, and deletions that shift slots back.
final class HostMACIndexTests: XCTestCase {
    /// A small index under a long stream of inserts and deletes agrees with a dictionary after every step.
    func testAgreesWithADictionaryUnderChurn() {
        let index = HostMACIndex(entries: 8)
        defer { index.deallocate() }
        XCTAssertEqual(index.mask + 1, 32, "four slots an entry, a power of two")
        var model: [UInt64: Int] = [:]
        var rng = SplitMix64(seed: 11)
        // MACs from a small pool, so the same ones come back after their deletion, and clusters form.
        var pool = (0..<30).map { _ in rng.next() & HostMACIndex.macMask | 1 }
        // And some whose home is one of the last two slots, whose probes run on past the end.
        var candidate: UInt64 = 0x02_00_00_00_00_00
        while pool.count < 40 {
            candidate += 1
            if index.home(candidate) >= index.mask - 1 { pool.append(candidate) }
        }
        var wrapped = false
        for step in 0..<20_000 {
            let mac = pool[Int(rng.next() % UInt64(pool.count))]
            if let id = model[mac] {
                XCTAssertEqual(index.probe(mac).id, id)
                index.remove(mac)
                model[mac] = nil
            } else if model.count < 8 {
                let p = index.probe(mac)
                XCTAssertEqual(p.id, -1)
                XCTAssertEqual(index.slots[p.slot], 0)
                if p.slot < index.home(mac) { wrapped = true }
                let id = Int(rng.next() % 0xffff)
                index.set(p.slot, mac: mac, id: id)
                model[mac] = id
            }
            let wrong = pool.filter { index.find($0) != model[$0] }
            let filled = (0...index.mask).filter { index.slots[$0] != 0 }.count
            guard wrong.isEmpty, filled == model.count else {
                return XCTFail("step \(step): \(wrong.count) MACs found wrongly, \(filled) slots for \(model.count)")
            }
        }
        XCTAssertTrue(wrapped, "some probe ran past the last slot to the first")
    }

    /// The largest id, and a MAC with every bit set, survive packing beside each other.
    func testPacksTheLargestIdAndMAC() {
        let index = HostMACIndex(entries: 4)
        defer { index.deallocate() }
        let mac = HostMACIndex.macMask
        index.set(index.probe(mac).slot, mac: mac, id: HostMACIndex.maxEntries - 1)
        XCTAssertEqual(index.find(mac), HostMACIndex.maxEntries - 1)
        XCTAssertNil(index.find(mac - 1))
        index.remove(mac)
        XCTAssertNil(index.find(mac))
    }

    /// `idAtHome` (the host table's prefetch hint) names the entry of a MAC in its home slot, and -1 for a
    /// MAC that is absent, one that probed past its home, and MAC 0 (never held) whatever its home holds.
    func testIdAtHome() {
        let index = HostMACIndex(entries: 8)
        defer { index.deallocate() }
        let a: UInt64 = 0x02_00_00_00_00_0a
        XCTAssertNotEqual(index.home(a), index.home(0), "MAC 0's home is slot 0, kept apart below")
        index.set(index.probe(a).slot, mac: a, id: 5)
        XCTAssertEqual(index.idAtHome(a), 5)
        // A MAC of the same home lands in the next slot: not at home.
        var b: UInt64 = 0x02_00_00_00_01_00
        while index.home(b) != index.home(a) { b += 1 }
        let pb = index.probe(b)
        XCTAssertNotEqual(pb.slot, index.home(b))
        index.set(pb.slot, mac: b, id: 0xfffe)
        XCTAssertEqual(index.idAtHome(b), -1)
        XCTAssertEqual(index.find(b), 0xfffe)
        XCTAssertEqual(index.idAtHome(0x02_00_00_00_00_0c), -1, "absent")
        // Once `a` is gone, `b` shifts back to its home and is named there.
        index.remove(a)
        XCTAssertEqual(index.idAtHome(a), -1)
        XCTAssertEqual(index.idAtHome(b), 0xfffe)
        // MAC 0 (the verifier's "none") against its home slot holding another MAC, with entry id 0.
        var z: UInt64 = 1
        while index.home(z) != index.home(0) || index.home(z) == index.home(b) { z += 1 }
        index.set(index.probe(z).slot, mac: z, id: 0)
        XCTAssertEqual(index.idAtHome(z), 0)
        XCTAssertEqual(index.idAtHome(0), -1)
    }

    /// `remove(slot:moved:)`, the host table's eviction: under churn in a small index, every id it reports
    /// moved is found at its new slot, the slot it returns is the only one the removal emptied, and a slot
    /// kept per MAC the way the table keeps it (updated from `moved`) always holds that MAC.
    func testRemoveAtASlotReportsEveryMoveAndTheHole() {
        let index = HostMACIndex(entries: 8)
        defer { index.deallocate() }
        var slotOf: [UInt64: Int] = [:]
        var macOf: [Int: UInt64] = [:]
        var idOf: [UInt64: Int] = [:]
        var freeIds = Array(0..<8)
        var rng = SplitMix64(seed: 29)
        // MACs of three neighbouring homes, the last two wrapping: long clusters, so that removals shift
        // slots back, past the last slot too.
        var pool: [UInt64] = []
        var candidate: UInt64 = 0x02_00_00_00_00_00
        while pool.count < 24 {
            candidate += 1
            if (index.home(candidate) &+ 2) & index.mask < 3 { pool.append(candidate) }
        }
        var moves = 0
        for step in 0..<20_000 {
            let mac = pool[Int(rng.next() % UInt64(pool.count))]
            if let slot = slotOf[mac] {
                let before = (0...index.mask).filter { index.slots[$0] != 0 }
                let hole = index.remove(slot: slot) { id, to in
                    XCTAssertEqual(index.slots[to] & HostMACIndex.macMask, macOf[id], "step \(step): moved id \(id)")
                    slotOf[macOf[id]!] = to
                    moves += 1
                }
                slotOf[mac] = nil
                freeIds.append(idOf.removeValue(forKey: mac)!)
                let after = (0...index.mask).filter { index.slots[$0] != 0 }
                XCTAssertEqual(Set(before).subtracting(after), [hole], "step \(step): the one slot emptied")
            } else if slotOf.count < 8 {
                let p = index.probe(mac)
                let id = freeIds.removeLast()
                index.set(p.slot, mac: mac, id: id)
                macOf[id] = mac
                idOf[mac] = id
                slotOf[mac] = p.slot
            }
            for (m, s) in slotOf where index.slots[s] & HostMACIndex.macMask != m {
                return XCTFail("step \(step): MAC \(m) not at its kept slot \(s)")
            }
        }
        XCTAssertGreaterThan(moves, 1_000, "removals shifted slots back")
    }
}
