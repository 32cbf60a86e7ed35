import XCTest
import ZonesepTestSupport

@testable import ZonesepCore

/// The idle sweep skips its checks while no flow's own deadline has passed: these hold it to ending every
/// flow exactly when, and in the order, a sweep that checks every time would.
final class FlowTableSweepTests: XCTestCase {
    func key(_ n: UInt32, proto: UInt8) -> FlowKey {
        let ports: UInt16 = proto == IPProtocolNumber.tcp || proto == IPProtocolNumber.udp ? 443 : 0
        return FlowKey.canonical(
            src: IPAddress(v4: 0x0A00_0000 | n), srcPort: ports == 0 ? 0 : 40000, dst: IPAddress(v4: 0x0A14_0001),
            dstPort: ports, proto: proto, vlans: 0
        ).key
    }

    func start(_ t: FlowTable, _ k: FlowKey, now: Int64) {
        t[t.insert(k, hash: k.hashValue64, now: now) { _, _ in XCTFail("no eviction below the cap") }].lastSeen = now
    }

    /// A TCP flow that closes ends by its closed timeout after its last packet, while flows of every other
    /// kind (whose timeouts are longer) sleep on; then each of the others at its own timeout, in entry
    /// order when several end at once.
    func testClosedFlowEndsAtItsOwnTimeoutAndTheOthersAtTheirs() {
        let timeouts = FlowTimeouts()
        let t = FlowTable(capacity: 64, timeouts: timeouts)
        let open = key(1, proto: IPProtocolNumber.tcp)
        let udp = key(2, proto: IPProtocolNumber.udp)
        let closing = key(3, proto: IPProtocolNumber.tcp)
        let other = key(4, proto: IPProtocolNumber.gre)
        let icmp = key(5, proto: IPProtocolNumber.icmp)
        var ended: [(FlowKey, FlowEndReason)] = []
        // A budget of the whole table: every sweep that checks goes through the entries in order.
        let sweep = { (now: Int64) in t.sweep(now: now, budget: 5) { e, r in ended.append((e.key, r)) } }
        for k in [open, udp, closing, other, icmp] {
            sweep(0)
            start(t, k, now: 0)
        }
        let second: Int64 = 1_000_000
        for s in 1...30 { sweep(Int64(s) * second) }
        // FIN from both sides at 30 s: its deadline is 40 s, before anyone else's (the ICMP flow's, 60 s).
        let closed = t.find(closing, hash: closing.hashValue64)!
        t[closed].lastSeen = 30 * second
        t[closed].tcpState |= FlowEntry.finA | FlowEntry.finB
        t.timeoutShortened(t.entries + closed)
        sweep(30 * second + timeouts.tcpClosed)
        XCTAssertTrue(ended.isEmpty, "exactly at its timeout the closed flow is still there")
        sweep(30 * second + timeouts.tcpClosed + 1)
        XCTAssertEqual(ended.map(\.0), [closing])
        XCTAssertEqual(ended.map(\.1), [.closed])
        sweep(timeouts.icmp)
        XCTAssertEqual(ended.count, 1)
        sweep(timeouts.icmp + 1)
        XCTAssertEqual(ended.map(\.0), [closing, icmp])
        sweep(timeouts.udp + 1)
        XCTAssertEqual(ended.map(\.0), [closing, icmp, udp, other], "UDP and other at 120 s, in entry order")
        XCTAssertEqual(ended.map(\.1), [.closed, .idle, .idle, .idle])
        sweep(timeouts.tcp)
        XCTAssertEqual(t.count, 1)
        sweep(timeouts.tcp + 1)
        XCTAssertEqual(ended.map(\.0), [closing, icmp, udp, other, open])
        XCTAssertEqual(t.expirations, 5)
    }

    /// Traffic of new flows, packets of known ones, TCP flows closing, flows past their timeout started anew
    /// (as the verifier does), packet time stepping back now and then, and a cap that evicts: the same
    /// operations on two tables, one told before every sweep to check whatever its bound says, must end
    /// the same flows at the same packet times in the same order.
    /// The capture's second packet is earlier than its first (files merged, a sensor's clock stepped back)
    /// and belongs to the first flow: the flow's deadline is then the earlier time's, and the sweep must not
    /// skip past it. Before, the first packet's time went unnoted (the table was empty at its sweep), the
    /// step back unseen, and the flow ended a second late.
    func testAStepBackRightAfterTheFirstFlowIsSeen() {
        let timeouts = FlowTimeouts()
        let t = FlowTable(capacity: 8, timeouts: timeouts)
        let udp = key(1, proto: IPProtocolNumber.udp)
        var ended: [Int64] = []
        var now: Int64 = 0
        let sweep = { (at: Int64) in
            now = at
            t.sweep(now: at, budget: 8) { _, _ in ended.append(now) }
        }
        let second: Int64 = 1_000_000
        sweep(10 * second)
        start(t, udp, now: 10 * second)
        sweep(9 * second)
        t[t.find(udp, hash: udp.hashValue64)!].lastSeen = 9 * second
        sweep(9 * second + timeouts.udp)
        XCTAssertEqual(ended, [], "exactly at its timeout the flow is still there")
        sweep(9 * second + timeouts.udp + 1)
        XCTAssertEqual(ended, [9 * second + timeouts.udp + 1], "the flow ends by its own last packet's time")
    }

    /// A table that holds time jumps (the verifier's) does not sweep at a time more than the shortest timeout
    /// ahead of its clock until the next time is past that too: one packet stamped an hour ahead ended every
    /// open flow as idle. A gap the next packet confirms still ends the flows, one packet later.
    func testAHoldingTableSweepsAtAJumpOnlyOnceTheNextTimeFollowsIt() {
        let t = FlowTable(capacity: 8, timeouts: FlowTimeouts(), holdsTimeJumps: true)
        let udp = key(1, proto: IPProtocolNumber.udp)
        var ended: [FlowKey] = []
        let sweep = { (at: Int64) in t.sweep(now: at, budget: 8) { e, _ in ended.append(e.key) } }
        let second: Int64 = 1_000_000
        sweep(0)
        start(t, udp, now: 0)
        sweep(second)
        sweep(3_600 * second)
        XCTAssertEqual(ended, [], "a time an hour ahead is held")
        sweep(2 * second)
        XCTAssertEqual(ended, [], "and the next time came back: it was a lone packet's")
        XCTAssertEqual(t.timeJumpsIgnored, 1)
        XCTAssertEqual(t.firstTimeJumpIgnored, 3_600 * second)
        sweep(12 * second)
        sweep(3_600 * second)
        XCTAssertEqual(ended, [])
        sweep(3_601 * second)
        XCTAssertEqual(ended, [udp], "the next time followed: the clock moved, and the flow is idle")
        XCTAssertEqual(t.timeJumpsIgnored, 1)
        XCTAssertEqual(t.expirations, 1)
    }

    /// A table that holds no jumps (the flow-export table's, whose record time is its own clock) sweeps at
    /// every time it is given.
    func testATableThatHoldsNoJumpsSweepsAtOnce() {
        let t = FlowTable(capacity: 8, timeouts: FlowTimeouts())
        let udp = key(1, proto: IPProtocolNumber.udp)
        var ended: [FlowKey] = []
        t.sweep(now: 0, budget: 8) { e, _ in ended.append(e.key) }
        start(t, udp, now: 0)
        t.sweep(now: 3_600_000_000, budget: 8) { e, _ in ended.append(e.key) }
        XCTAssertEqual(ended, [udp])
        XCTAssertEqual(t.timeJumpsIgnored, 0)
    }

    /// The same comparison for a table that holds time jumps: its gate (the bound, or the clock plus the
    /// shortest timeout) must skip only sweeps that would have ended nothing.
    func testAHoldingSkippingSweepEndsFlowsExactlyAsACheckingSweep() {
        for seed in [11, 12, 13] as [UInt64] {
            let (ends, kinds, skipped) = compareWithCheckingSweep(
                capacity: seed == 12 ? 64 : 4096, seed: seed, newPercent: 35, closingPerMille: 20, packets: 60_000,
                holdsTimeJumps: true)
            XCTAssertGreaterThan(ends, 200, "run \(seed)")
            XCTAssertGreaterThan(kinds["idle-udp", default: 0], 0, "run \(seed)")
            XCTAssertGreaterThan(skipped, 1000, "run \(seed)")
        }
    }

    func testSkippingSweepEndsFlowsExactlyAsACheckingSweep() {
        // Many new flows, TCP flows closing often (a closed flow always about to end); then few new flows
        // and closing rarely, so that the sweep skips most of the time and a flow that closes is often the
        // first to end, its deadline below the bound gathered before it closed.
        let runs: [(capacity: Int, seed: UInt64, newPercent: UInt64, closingPerMille: UInt64, all: Bool)] = [
            (4096, 1, 35, 200, true), (300, 2, 35, 20, false), (4096, 3, 2, 5, false), (64, 4, 35, 2, false),
            (4096, 5, 1, 2, false),
        ]
        for run in runs {
            let (ends, kinds, skipped) = compareWithCheckingSweep(
                capacity: run.capacity, seed: run.seed, newPercent: run.newPercent,
                closingPerMille: run.closingPerMille, packets: 60_000)
            let name = "run \(run.seed)"
            XCTAssertGreaterThan(ends, 200, name)
            XCTAssertGreaterThan(kinds["closed", default: 0], 10, name)
            XCTAssertGreaterThan(skipped, 1000, "\(name): sweeps that skipped their checks")
            // Every way out happened in the first run, so the comparison covered each.
            for kind in ["idle-tcp", "idle-udp", "idle-icmp", "idle-other"] where run.all {
                XCTAssertGreaterThan(kinds[kind, default: 0], 0, "\(name): \(kind)")
            }
            if run.capacity < 1000 { XCTAssertGreaterThan(kinds["evicted", default: 0], 0, name) }
        }
    }

    struct End: Equatable, CustomStringConvertible {
        var key: FlowKey
        var reason: FlowEndReason
        var at: Int64
        var description: String { "\(key.addressA.v4 & 0xffff)/\(key.proto) \(reason) at \(at)" }
    }

    /// Runs the traffic; returns the number of flows ended, how many of each kind, and the sweeps that
    /// skipped their checks.
    func compareWithCheckingSweep(
        capacity: Int, seed: UInt64, newPercent: UInt64, closingPerMille: UInt64, packets: Int,
        holdsTimeJumps: Bool = false
    ) -> (Int, [String: Int], Int) {
        var timeouts = FlowTimeouts()
        timeouts.tcp = 60_000
        timeouts.tcpClosed = 1_000
        timeouts.udp = 12_000
        timeouts.icmp = 6_000
        timeouts.other = 15_000
        let skipping = FlowTable(capacity: capacity, timeouts: timeouts, holdsTimeJumps: holdsTimeJumps)
        let checking = FlowTable(capacity: capacity, timeouts: timeouts, holdsTimeJumps: holdsTimeJumps)
        var rng = SplitMix64(seed: seed)
        var live: [FlowKey] = []
        var position: [FlowKey: Int] = [:]
        var kinds: [String: Int] = [:]
        var total = 0
        var skipped = 0
        var now: Int64 = 5_000
        var next: UInt32 = 0
        let protos: [UInt8] = [
            IPProtocolNumber.tcp, IPProtocolNumber.tcp, IPProtocolNumber.udp, IPProtocolNumber.icmp,
            IPProtocolNumber.gre,
        ]
        func forget(_ k: FlowKey) {
            guard let p = position.removeValue(forKey: k) else { return }
            let last = live.removeLast()
            if p < live.count {
                live[p] = last
                position[last] = p
            }
        }
        func note(_ ends: [End]) {
            for e in ends {
                forget(e.key)
                total += 1
                let kind: String
                switch (e.reason, e.key.proto) {
                case (.idle, IPProtocolNumber.tcp): kind = "idle-tcp"
                case (.idle, IPProtocolNumber.udp): kind = "idle-udp"
                case (.idle, IPProtocolNumber.icmp): kind = "idle-icmp"
                case (.idle, _): kind = "idle-other"
                default: kind = "\(e.reason)"
                }
                kinds[kind, default: 0] += 1
            }
        }
        for packet in 0..<packets {
            // Packet time: a few microseconds a packet, a quiet spell now and then, and now and then a step
            // back (files out of order).
            let r = rng.next() % 1000
            if r < 3 {
                now = max(0, now - Int64(rng.next() % 8_000))
            } else if r < 6 {
                now += Int64(rng.next() % 20_000)
            } else {
                now += Int64(rng.next() % 4)
            }
            var a: [End] = []
            var b: [End] = []
            if now <= skipping.gateBound { skipped += 1 }
            skipping.sweep(now: now, budget: 2) { e, r in a.append(End(key: e.key, reason: r, at: now)) }
            checking.checkNextSweep()
            checking.sweep(now: now, budget: 2) { e, r in b.append(End(key: e.key, reason: r, at: now)) }
            guard a == b else {
                XCTFail("capacity \(capacity), packet \(packet): sweep ended \(a), checking sweep \(b)")
                return (total, kinds, skipped)
            }
            note(a)
            let k: FlowKey
            if live.isEmpty || rng.next() % 100 < newPercent {
                next += 1
                k = key(next, proto: protos[Int(rng.next() % UInt64(protos.count))])
            } else {
                k = live[Int(rng.next() % UInt64(live.count))]
            }
            var ia = skipping.find(k, hash: k.hashValue64)
            var ib = checking.find(k, hash: k.hashValue64)
            XCTAssertEqual(ia, ib)
            // A known flow past its own timeout ends and starts anew, as the verifier's packet path has it.
            if let i = ia, let j = ib, skipping.isExpired(i, now: now) {
                XCTAssertTrue(checking.isExpired(j, now: now))
                a = [End(key: k, reason: skipping[i].endReason(.idle), at: now)]
                note(a)
                skipping.remove(at: i)
                checking.remove(at: j)
                ia = nil
                ib = nil
            }
            if ia == nil {
                var ea: [End] = []
                var eb: [End] = []
                ia = skipping.insert(k, hash: k.hashValue64, now: now) { e, r in
                    ea.append(End(key: e.key, reason: r, at: now))
                }
                ib = checking.insert(k, hash: k.hashValue64, now: now) { e, r in
                    eb.append(End(key: e.key, reason: r, at: now))
                }
                guard ea == eb, ia == ib else {
                    XCTFail("capacity \(capacity), packet \(packet): insert evicted \(ea), checking \(eb)")
                    return (total, kinds, skipped)
                }
                note(ea)
                position[k] = live.count
                live.append(k)
            }
            // A FIN or RST: the flow's timeout shrinks to the closed one.
            let closes = k.proto == IPProtocolNumber.tcp && rng.next() % 1000 < closingPerMille
            for (t, i) in [(skipping, ia!), (checking, ib!)] {
                t[i].lastSeen = now
                if closes && !t[i].isClosed {
                    t[i].tcpState |= FlowEntry.reset
                    t.timeoutShortened(t.entries + i)
                }
            }
        }
        XCTAssertEqual(skipping.count, checking.count)
        return (total, kinds, skipped)
    }
}
