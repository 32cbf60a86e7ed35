import XCTest
import ZonesepTestSupport

@testable import ZonesepCore

/// `process(batch:)` — the prefetching pass and the fast lane for known flows — must end exactly where
/// `process` one frame at a time does: the same alerts after the same frames, counters, matrix, and flows
/// ending in the same order for the same reasons. Driven by a random mix of everything the engine handles.
final class BatchEquivalenceTests: XCTestCase {
    typealias F = EngineFrames
    static func p(_ s: String...) -> [IPPrefix] { s.compactMap { IPPrefix($0) } }

    static func policy(zones: Int = 3) -> Policy {
        let all = [
            Zone(id: "mynumber", kind: .mynumber, networks: p("10.10.0.0/16")),
            Zone(id: "lgwan", kind: .lgwan, networks: p("10.20.0.0/16")),
            Zone(id: "internet", kind: .internet, networks: p("10.30.0.0/16")),
        ]
        return Policy(
            PolicyConfig(
                sensor: "test", zones: Array(all.prefix(zones)),
                gateways: [Gateway(name: "cloud", addresses: p("203.0.113.10"))]))
    }

    struct Run {
        var alerts: [(index: Int, alert: Alert, serial: UInt64)] = []
        var ended: [(serial: UInt64, reason: FlowEndReason, packets: UInt64, bytes: UInt64, tcpState: UInt8)] = []
        /// Zones of the flows that ended after the policy reload.
        var zonesAfterReload: [ZoneRef] = []
        /// Every event the sink was handed, in order.
        var events: [RecordingSink.Seen] = []
    }

    /// A random stream: TCP flows opened, used, closed by FIN or RST and reopened by SYN; UDP; ICMP echo and
    /// errors; VLANs; IPv4 options; fragments; non-IP and malformed frames; idle gaps past the timeouts
    /// and packet time stepping back; ERSPAN and VXLAN around any of these. Few enough hosts that flows repeat, enough to overflow a small cap.
    static func stream(count: Int, seed: UInt64) -> [(time: Int64, frame: [UInt8])] {
        var r = SplitMix64(seed: seed)
        func pick(_ n: Int) -> Int { Int.random(in: 0..<n, using: &r) }
        let hosts = ["10.10.1.5", "10.20.3.4", "10.20.3.5", "10.30.7.8", "10.30.9.9", "203.0.113.10", "93.184.216.34"]
        var t: Int64 = 1_795_219_200_000_000
        var out: [(Int64, [UInt8])] = []
        for _ in 0..<count {
            switch pick(100) {
            case 0: t += 700_000_000  // past every idle timeout
            case 1: t += 15_000_000  // past the closed-TCP linger
            case 2: t -= 2_000_000  // packet time steps back (files out of order)
            default: t += Int64(pick(2_000))
            }
            let a = hosts[pick(hosts.count)]
            let b = hosts[pick(hosts.count)]
            let sport = UInt16(40000 + pick(6))
            let dport: UInt16 = [22, 443, 445, 53, 3389][pick(5)]
            let vlans: [UInt16] = pick(10) == 0 ? [UInt16(1 + pick(3))] : (pick(40) == 0 ? [5, 6] : [])
            var frame: [UInt8]
            switch pick(20) {
            case 0..<11:
                let flags: UInt8 = [0x02, 0x12, 0x10, 0x18, 0x10, 0x11, 0x04, 0x10][pick(8)]
                frame = F.tcpFrame(a, sport, b, dport, flags: flags, vlans: vlans)
            case 11..<14: frame = F.ethernet(F.ipv4(a, b, proto: 17, F.udp(sport, 53)), vlans: vlans)
            case 14: frame = F.ethernet(F.ipv4(a, b, proto: 1, F.icmpEcho(type: pick(2) == 0 ? 8 : 0, id: 7)))
            case 15:
                let quoted = F.ipv4(b, a, proto: 17, F.udp(dport, sport))
                frame = F.ethernet(F.ipv4(hosts[pick(hosts.count)], b, proto: 1, F.icmpError(quoting: quoted)))
            case 16:  // IPv4 options: the general way
                var ip = F.ipv4(a, b, proto: 6, [1, 1, 1, 0] + F.tcp(sport, dport, flags: 0x10))
                ip[0] = 0x46
                frame = F.ethernet(ip)
            case 17:  // a first fragment, or a later one (joins by id, or is an orphan)
                let id = UInt16(pick(3))
                frame =
                    pick(2) == 0
                    ? F.ethernet(F.ipv4(a, b, proto: 17, F.udp(sport, 53), id: id, flagsOffset: 0x2000))
                    : F.ethernet(F.ipv4(a, b, proto: 17, [1, 2, 3, 4, 5, 6, 7, 8], id: id, flagsOffset: 1))
            case 18: frame = F.ethernet([UInt8](repeating: 0, count: 28), type: 0x0806)
            default:  // cut short somewhere
                let whole = F.tcpFrame(a, sport, b, dport, flags: 0x10, vlans: vlans)
                frame = Array(whole.prefix(pick(whole.count)))
            }
            // Some frames arrive through a mirror's or a virtual network's tunnel: the same flows by ERSPAN,
            // and VXLAN, keyed GRE and Geneve segments that keep them apart (two VNIs, and VXLAN's none
            // valid), now and then cut short.
            switch pick(16) {
            case 0: frame = F.erspanII(frame, session: UInt16(1 + pick(2)))
            case 1: frame = F.vxlan(frame, vni: [nil, 5001, 5002][pick(3)])
            case 2:
                let wrapped = pick(2) == 0 ? F.erspanII(frame) : F.vxlan(frame, vni: 5001)
                frame = Array(wrapped.prefix(pick(wrapped.count)))
            case 3: frame = F.keyedGRE(frame, key: [5001, 0x0100_0000][pick(2)])
            case 4: frame = F.geneve(frame, vni: [5001, 5002][pick(2)])
            case 5:
                let wrapped = pick(2) == 0 ? F.keyedGRE(frame, key: 5001) : F.geneve(frame, vni: 5001)
                frame = Array(wrapped.prefix(pick(wrapped.count)))
            default: break
            }
            out.append((t, frame))
        }
        return out
    }

    func run(
        _ stream: [(time: Int64, frame: [UInt8])], batched: Bool, chunk: (inout SplitMix64) -> Int = { _ in 1 },
        reloadAt: Int? = nil
    ) -> (Verifier, Run) {
        let sink = RecordingSink()
        let v = Verifier(policy: Self.policy(), flowCapacity: 24, sink: sink)
        var run = Run()
        var reloaded = false
        sink.each = { event, _ in
            guard event.kind == .flowEnded else { return }
            let e = event.flow
            run.ended.append((e.serial, event.endReason, e.packets, e.bytes, e.tcpState))
            if reloaded { run.zonesAfterReload += [e.zoneA, e.zoneB] }
        }
        var r = SplitMix64(seed: 99)
        var i = 0
        while i < stream.count {
            if let at = reloadAt, i == at {
                v.replacePolicy(Self.policy(zones: 2))
                reloaded = true
            }
            let n = batched ? min(chunk(&r), stream.count - i) : 1
            let frames = Array(stream[i..<(i + n)])
            // Bytes that stay put for the whole batch call.
            let buffers = frames.map { f -> UnsafeMutableRawBufferPointer in
                let b = UnsafeMutableRawBufferPointer.allocate(byteCount: max(f.frame.count, 1), alignment: 8)
                b.copyBytes(from: f.frame)
                return b
            }
            defer { buffers.forEach { $0.deallocate() } }
            if batched {
                let batch = zip(frames, buffers).map {
                    Verifier.Frame(
                        timestamp: $0.time, bytes: UnsafeRawBufferPointer(rebasing: $1[0..<$0.frame.count]),
                        wireLength: $0.frame.count + 4)
                }
                batch.withUnsafeBufferPointer { b in
                    v.process(batch: b, linkType: .ethernet) { k, a in run.alerts.append((i + k, a, a.flowSerial)) }
                }
            } else if let a = v.process(
                timestamp: frames[0].time,
                bytes: UnsafeRawBufferPointer(rebasing: buffers[0][0..<frames[0].frame.count]),
                wireLength: frames[0].frame.count + 4, linkType: .ethernet)
            {
                run.alerts.append((i, a, a.flowSerial))
            }
            i += n
        }
        v.finish()
        run.events = sink.seen
        return (v, run)
    }

    func assertSame(_ one: (Verifier, Run), _ other: (Verifier, Run), _ what: String) {
        let (a, ra) = one
        let (b, rb) = other
        XCTAssertEqual(ra.alerts.map(\.index), rb.alerts.map(\.index), what)
        XCTAssertEqual(ra.alerts.map(\.alert), rb.alerts.map(\.alert), what)
        XCTAssertEqual(ra.alerts.map(\.serial), rb.alerts.map(\.serial), what)
        XCTAssertEqual(ra.ended.map(\.serial), rb.ended.map(\.serial), what)
        XCTAssertEqual(ra.ended.map(\.reason), rb.ended.map(\.reason), what)
        XCTAssertEqual(ra.ended.map(\.packets), rb.ended.map(\.packets), what)
        XCTAssertEqual(ra.ended.map(\.bytes), rb.ended.map(\.bytes), what)
        XCTAssertEqual(ra.ended.map(\.tcpState), rb.ended.map(\.tcpState), what)
        XCTAssertEqual(ra.events.count, rb.events.count, what)
        XCTAssertTrue(ra.events == rb.events, "\(what): the event streams differ")
        let (ca, cb) = (a.counters, b.counters)
        XCTAssertEqual(
            [ca.packets, ca.bytes, ca.ipPackets, ca.nonIPPackets, ca.flows],
            [cb.packets, cb.bytes, cb.ipPackets, cb.nonIPPackets, cb.flows], what)
        XCTAssertEqual(ca.anomalies, cb.anomalies, what)
        XCTAssertEqual(ca.alertsByRule, cb.alertsByRule, what)
        XCTAssertEqual(ca.firstPacketMicros, cb.firstPacketMicros, what)
        XCTAssertEqual(ca.lastPacketMicros, cb.lastPacketMicros, what)
        XCTAssertEqual(a.matrix.packets, b.matrix.packets, what)
        XCTAssertEqual(a.matrix.bytes, b.matrix.bytes, what)
        XCTAssertEqual(a.matrix.flows, b.matrix.flows, what)
        XCTAssertEqual(a.flows.evictions, b.flows.evictions, what)
        XCTAssertEqual(a.flows.expirations, b.flows.expirations, what)
    }

    func testBatchesOfAnySizeEndWhereSinglePacketsDo() {
        for seed in [1, 2, 3] as [UInt64] {
            let s = Self.stream(count: 6_000, seed: seed)
            let single = run(s, batched: false)
            // The stream must have exercised what the fast lane can get wrong.
            XCTAssertGreaterThan(single.1.alerts.count, 20)
            // Every violating flow's start reached the sink, pointing at the frame that started it, and
            // its later packets followed as flagged packets.
            let starts = single.1.events.filter { $0.kind == .flowStarted && $0.rule != FlowEntry.noVerdict }
            XCTAssertEqual(starts.map(\.serial), single.1.alerts.map(\.serial))
            XCTAssertEqual(starts.map(\.frameTime), single.1.alerts.map { Optional(s[$0.index].time) })
            XCTAssertGreaterThan(single.1.events.filter { $0.kind == .flaggedPacket }.count, starts.count)
            XCTAssertTrue(single.1.ended.contains { $0.reason == .closed })
            XCTAssertTrue(single.1.ended.contains { $0.reason == .idle })
            XCTAssertGreaterThan(single.0.flows.evictions, 0)
            XCTAssertGreaterThan(single.0.counters.anomalyTotal, 0)
            for (name, chunk) in [
                ("full batches", { (_: inout SplitMix64) in Verifier.batchSize }),
                ("random sizes", { (r: inout SplitMix64) in Int.random(in: 1...Verifier.batchSize, using: &r) }),
                ("oversized", { (_: inout SplitMix64) in Verifier.batchSize * 2 + 3 }),
            ] {
                assertSame(single, run(s, batched: true, chunk: chunk), "seed \(seed), \(name)")
            }
        }
    }

    /// A reload to a map with fewer zones in the middle of the stream (between two batches): flows already
    /// in the table take the new map's zones (an old index would name a zone the new matrix has no row for).
    func testPolicyReloadToFewerZonesMidStream() {
        let s = Self.stream(count: 3_000, seed: 4)
        let at = 24 * Verifier.batchSize
        let single = run(s, batched: false, reloadAt: at)
        let batched = run(s, batched: true, chunk: { _ in Verifier.batchSize }, reloadAt: at)
        assertSame(single, batched, "reload")
        XCTAssertEqual(single.0.matrix.zoneCount, 2)
        let zones = single.1.zonesAfterReload
        XCTAssertGreaterThan(zones.count, 100)
        XCTAssertTrue(zones.allSatisfy { !$0.isZone || $0.zoneIndex < 2 }, "\(Set(zones))")
        // The internet zone is gone from the map: its hosts are internal space in no zone now.
        XCTAssertTrue(zones.contains(.unzoned))
    }
}
