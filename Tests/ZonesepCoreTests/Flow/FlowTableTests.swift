import XCTest
import ZonesepTestSupport

@testable import ZonesepCore

final class FlowTableTests: XCTestCase {
    func key(_ n: UInt32, port: UInt16 = 443) -> FlowKey {
        FlowKey.canonical(
            src: IPAddress(v4: 0x0A00_0000 | n), srcPort: 40000, dst: IPAddress(v4: 0x0A14_0001), dstPort: port,
            proto: 6, vlans: 0
        ).key
    }

    func testInsertFindRemove() {
        let t = FlowTable(capacity: 100)
        var ids: [Int] = []
        for n in 0..<100 {
            let k = key(UInt32(n))
            XCTAssertNil(t.find(k, hash: k.hashValue64))
            ids.append(t.insert(k, hash: k.hashValue64, now: 0) { _, _ in XCTFail("no eviction below the cap") })
        }
        XCTAssertEqual(t.count, 100)
        for n in 0..<100 {
            let k = key(UInt32(n))
            XCTAssertEqual(t.find(k, hash: k.hashValue64), ids[n])
            XCTAssertEqual(t[ids[n]].key, k)
        }
        // Remove every other one; the rest must stay reachable across the shifted probe runs.
        for n in stride(from: 0, to: 100, by: 2) { t.remove(at: ids[n]) }
        XCTAssertEqual(t.count, 50)
        for n in 0..<100 {
            let k = key(UInt32(n))
            XCTAssertEqual(t.find(k, hash: k.hashValue64) != nil, n % 2 == 1, "flow \(n)")
        }
    }

    /// `touchEntry` names the entry of a flow in the table whenever the flow sits in the first two slots of
    /// its probe, and `holds` accepts a name only while that entry still has the flow: not after the flow
    /// ends, nor once another flow has taken the entry.
    func testTouchEntryNamesTheFlowAndHoldsRejectsStaleNames() {
        let t = FlowTable(capacity: 3000)
        var ids: [Int] = []
        for n in 0..<3000 {
            let k = key(UInt32(n))
            ids.append(t.insert(k, hash: k.hashValue64, now: 0) { _, _ in XCTFail("no eviction below the cap") })
        }
        var named = 0
        for n in 0..<3000 {
            let k = key(UInt32(n))
            let candidate = Int(t.touchEntry(hash: k.hashValue64))
            // The flow's own entry, accepted; or another's (or none), refused.
            XCTAssertEqual(t.holds(candidate, k), candidate == ids[n], "flow \(n)")
            if candidate == ids[n] { named += 1 }
        }
        XCTAssertGreaterThan(named, 2700, "most flows sit in the first two slots of their probe")
        let absent = key(9999)
        XCTAssertFalse(t.holds(Int(t.touchEntry(hash: absent.hashValue64)), absent))
        // A name taken before the flow ended: rejected once it has ended, and once its entry has a new flow.
        let k = key(7)
        let candidate = Int(t.touchEntry(hash: k.hashValue64))
        XCTAssertTrue(t.holds(candidate, k))
        t.remove(at: ids[7])
        XCTAssertFalse(t.holds(candidate, k))
        let other = key(7, port: 8443)
        XCTAssertEqual(t.insert(other, hash: other.hashValue64, now: 0) { _, _ in }, candidate)
        XCTAssertFalse(t.holds(candidate, k))
        XCTAssertTrue(t.holds(candidate, other))
    }

    /// A small, half-full index has long probe runs: every removal order must keep the rest reachable.
    func testRemovalInAnyOrderKeepsTheRestReachable() {
        var rng = SplitMix64(seed: 7)
        for _ in 0..<200 {
            let t = FlowTable(capacity: 8)
            let keys = (0..<8).map { _ in key(UInt32(truncatingIfNeeded: rng.next()) & 0xffff) }
            guard Set(keys).count == 8 else { continue }
            var live = Dictionary(
                uniqueKeysWithValues: keys.map { ($0, t.insert($0, hash: $0.hashValue64, now: 0) { _, _ in }) })
            for k in keys.shuffled(using: &rng) {
                t.remove(at: live[k]!)
                live[k] = nil
                for (other, id) in live { XCTAssertEqual(t.find(other, hash: other.hashValue64), id) }
                XCTAssertNil(t.find(k, hash: k.hashValue64))
            }
            XCTAssertEqual(t.count, 0)
        }
    }

    func testCapEvictsTheLeastRecentlySeenAndCounts() {
        let t = FlowTable(capacity: 4)
        for n in 0..<4 {
            let k = key(UInt32(n))
            let i = t.insert(k, hash: k.hashValue64, now: Int64(n)) { _, _ in }
            t[i].lastSeen = Int64(n)
        }
        var evicted: [FlowKey] = []
        let k = key(99)
        _ = t.insert(k, hash: k.hashValue64, now: 10) { e, reason in
            XCTAssertEqual(reason, .evicted)
            evicted.append(e.key)
        }
        XCTAssertEqual(evicted, [key(0)])
        XCTAssertEqual(t.evictions, 1)
        XCTAssertEqual(t.count, 4)
        XCTAssertNil(t.find(key(0), hash: key(0).hashValue64))
    }

    /// A flood of new flows never grows the table past its cap, and every displaced flow is counted.
    func testFloodStaysBounded() {
        let t = FlowTable(capacity: 1000)
        var ended = 0
        for n in 0..<50_000 {
            let k = key(UInt32(n), port: UInt16(n % 60000))
            let i = t.insert(k, hash: k.hashValue64, now: Int64(n)) { _, _ in ended += 1 }
            t[i].lastSeen = Int64(n)
            XCTAssertLessThanOrEqual(t.count, 1000)
        }
        XCTAssertEqual(t.count, 1000)
        XCTAssertEqual(ended, 49_000)
        XCTAssertEqual(t.evictions, 49_000)
    }

    func testIdleSweepExpiresByPacketTime() {
        let t = FlowTable(capacity: 16)
        let k = key(1)
        let i = t.insert(k, hash: k.hashValue64, now: 0) { _, _ in }
        t[i].lastSeen = 0
        var ended: [FlowEndReason] = []
        t.sweep(now: FlowTimeouts().tcp, budget: 16) { _, r in ended.append(r) }
        XCTAssertEqual(ended, [], "exactly at the timeout the flow is still alive")
        t.sweep(now: FlowTimeouts().tcp + 1, budget: 16) { _, r in ended.append(r) }
        XCTAssertEqual(ended, [.idle])
        XCTAssertEqual(t.count, 0)
        XCTAssertEqual(t.expirations, 1)
    }

    /// The sweep skips its checks while nothing can be idle; a flow last seen at a packet time earlier
    /// than any before it (files out of order) must still lower that bound and expire on time.
    func testSweepStillExpiresAfterPacketTimeSteppedBack() {
        let t = FlowTable(capacity: 64)
        var ended: [UInt32] = []
        let sweep = { (now: Int64) in t.sweep(now: now, budget: 2) { e, _ in ended.append(e.key.addressA.v4 & 0xff) } }
        let late: Int64 = 1_000_000_000
        for n in 0..<8 as Range<UInt32> {
            sweep(late)
            let k = key(n)
            t[t.insert(k, hash: k.hashValue64, now: late) { _, _ in }].lastSeen = late
        }
        for step in 0..<100 { sweep(late + Int64(step)) }  // a full round: the bound is now `late`
        sweep(0)
        let early = key(99)
        t[t.insert(early, hash: early.hashValue64, now: 0) { _, _ in }].lastSeen = 0
        // Past flow 99's timeout, well within everyone else's: only it goes, within one round.
        for step in 0..<20 { sweep(FlowTimeouts().tcp + 1 + Int64(step)) }
        XCTAssertEqual(ended, [99])
        XCTAssertEqual(t.count, 8)
        // And the others, once their turn comes.
        for step in 0..<20 { sweep(late + FlowTimeouts().tcp + 1 + Int64(step)) }
        XCTAssertEqual(ended.count, 9)
        XCTAssertEqual(t.count, 0)
    }

    /// `drain` hands every live flow once, where it lies and in entry order, with its end reason (a closed TCP
    /// flow ended by closing), none that was removed; and leaves the table empty, with the entries free in
    /// the order removing each in turn would leave them.
    func testDrainHandsEveryLiveFlowOnceInEntryOrder() {
        let t = FlowTable(capacity: 5000)
        var ids: [Int] = []
        for n in 0..<5000 {
            let k = key(UInt32(n))
            ids.append(t.insert(k, hash: k.hashValue64, now: Int64(n)) { _, _ in XCTFail("no eviction") })
            t[ids[n]].lastSeen = Int64(n)
        }
        for n in stride(from: 0, to: 5000, by: 3) { t.remove(at: ids[n]) }
        t[ids[4]].tcpState = FlowEntry.reset
        var seen: [(port: UInt32, reason: FlowEndReason, lastSeen: Int64)] = []
        var entryOrder: [Int] = []
        t.drain { e, reason in
            seen.append((e.pointee.key.addressA.v4 & 0xffff, reason, e.pointee.lastSeen))
            entryOrder.append(e - UnsafePointer(t.entries))
        }
        let live = (0..<5000).filter { $0 % 3 != 0 }
        XCTAssertEqual(seen.map(\.port), live.map { UInt32($0) })
        XCTAssertEqual(seen.map(\.lastSeen), live.map { Int64($0) }, "each flow's own entry")
        XCTAssertEqual(entryOrder, entryOrder.sorted())
        XCTAssertEqual(seen.filter { $0.reason == .closed }.map(\.port), [4])
        XCTAssertEqual(Set(seen.map(\.reason)), [.closed, .endOfCapture])
        XCTAssertEqual(t.count, 0)
        XCTAssertEqual(t.indexShape.occupied, 0)
        for n in 0..<5000 {
            let k = key(UInt32(n))
            XCTAssertNil(t.find(k, hash: k.hashValue64), "flow \(n) after the drain")
        }
        // The entries are free again, the last drained first: a new flow takes the highest live entry.
        let k = key(9000)
        XCTAssertEqual(t.insert(k, hash: k.hashValue64, now: 0) { _, _ in XCTFail("no eviction") }, ids[4999])
        var again = 0
        t.drain { _, _ in again += 1 }
        XCTAssertEqual(again, 1)
    }

    /// An entry is two cache lines, and the prefetch covers the fields every packet touches.
    /// A new flow's entry is written once by `insert`, in place: a freed entry it takes again keeps nothing of
    /// the flow that had it (counters, verdict, zones, MACs, flags), and its `lastSeen` is the insert's time.
    func testInsertWritesAFreshEntryOverAFreedOne() {
        let t = FlowTable(capacity: 10)
        let old = key(1)
        let i = t.insert(old, hash: old.hashValue64, now: 5) { _, _ in XCTFail("no eviction") }
        XCTAssertEqual(t[i].lastSeen, 5)
        t.entries[i].packetsAB = 7
        t.entries[i].bytesBA = 900
        t.entries[i].rule = 3
        t.entries[i].declaration = 2
        t.entries[i].zoneA = ZoneRef(zone: 1)
        t.entries[i].macA = 0xaabb_ccdd_eeff | FlowEntry.hostSeen
        t.entries[i].serial = 42
        t.entries[i].firstSeen = 5
        t.entries[i].tcpState = FlowEntry.reset
        t.entries[i].hasMACs = true
        t.entries[i].lateMACCheck = true
        t.entries[i].synTag = 0x1234
        t.remove(at: i)
        let new = key(2, port: 80)
        let j = t.insert(new, hash: new.hashValue64, now: 9) { _, _ in XCTFail("no eviction") }
        XCTAssertEqual(j, i, "the freed entry is taken again")
        var fresh = FlowEntry(key: new)
        fresh.lastSeen = 9
        withUnsafeBytes(of: &fresh) { want in
            XCTAssertEqual(Array(UnsafeRawBufferPointer(start: t.entries + j, count: want.count)), Array(want))
        }
    }

    func testHotBytesCoverThePerPacketFields() {
        XCTAssertEqual(MemoryLayout<FlowEntry>.stride, 128)
        XCTAssertEqual(MemoryLayout<FlowKey>.size, 45)
        XCTAssertLessThanOrEqual(MemoryLayout<FlowEntry>.offset(of: \FlowEntry.bytesBA)! + 8, FlowTable.hotBytes)
        XCTAssertLessThanOrEqual(MemoryLayout<FlowEntry>.offset(of: \FlowEntry.lastSeen)! + 8, FlowTable.hotBytes)
    }

    func testClosedTCPFlowsTimeOutSooner() {
        var e = FlowEntry(key: key(1))
        XCTAssertFalse(e.isClosed)
        e.tcpState |= FlowEntry.finA
        XCTAssertFalse(e.isClosed)
        e.tcpState |= FlowEntry.finB
        XCTAssertTrue(e.isClosed)
        XCTAssertEqual(FlowTimeouts().timeout(for: e), FlowTimeouts().tcpClosed)
    }
}

final class InitiatorRuleTests: XCTestCase {
    func decide(_ proto: UInt8, _ sport: UInt16, _ dport: UInt16, flags: UInt8 = 0, icmp: UInt8 = 8) -> String {
        let d = InitiatorRule.decide(
            proto: proto, srcPort: sport, dstPort: dport, tcpFlags: flags, icmpType: icmp, hasPorts: true)
        return (d.senderInitiates ? "sender/" : "receiver/") + d.method.name
    }

    func testTCP() {
        XCTAssertEqual(decide(6, 51512, 445, flags: 0x02), "sender/syn")
        XCTAssertEqual(decide(6, 445, 51512, flags: 0x12), "receiver/syn-ack")
        XCTAssertEqual(decide(6, 51512, 445, flags: 0x10), "sender/inferred")
        XCTAssertEqual(decide(6, 445, 51512, flags: 0x18), "receiver/inferred")
        XCTAssertEqual(decide(6, 3389, 50000, flags: 0x10), "receiver/inferred", "registered before dynamic")
        XCTAssertEqual(decide(6, 50001, 50000, flags: 0x10), "sender/first-packet", "equal ranks")
        XCTAssertEqual(decide(6, 1023, 1024, flags: 0x10), "receiver/inferred", "1023 is well-known")
        XCTAssertEqual(decide(6, 49151, 49152, flags: 0x10), "receiver/inferred", "49151 is registered")
    }

    func testUDP() {
        XCTAssertEqual(decide(17, 53, 40000), "receiver/inferred", "first packet from the service port")
        XCTAssertEqual(decide(17, 40000, 53), "sender/first-packet")
        XCTAssertEqual(decide(17, 123, 123), "sender/first-packet")
        XCTAssertEqual(decide(17, 50000, 50001), "sender/first-packet")
    }

    func testICMP() {
        XCTAssertEqual(decide(1, 0, 0, icmp: 8), "sender/first-packet")
        XCTAssertEqual(decide(1, 0, 0, icmp: 0), "receiver/first-packet", "echo reply seen first")
        XCTAssertEqual(decide(58, 0, 0, icmp: 128), "sender/first-packet")
        XCTAssertEqual(decide(58, 0, 0, icmp: 129), "receiver/first-packet")
        XCTAssertEqual(decide(47, 0, 0), "sender/first-packet", "GRE and others")
    }
}
