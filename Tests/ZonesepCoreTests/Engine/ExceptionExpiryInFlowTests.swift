import XCTest

@testable import ZonesepCore

/// A flow an exception allowed that goes on past the exception's expiry is judged again at its first packet
/// after it (REVIEW-144 F2: a connection kept alive stayed allowed for days after the approval ended): the
/// verdict is raised then, dated by that packet, which is the first of its evidence; one frame at a time, in
/// a batch, and on a link without MACs. A flow with no packet after the expiry stays allowed, and a flow
/// another declaration allows still is.
final class ExceptionExpiryInFlowTests: XCTestCase {
    typealias F = EngineFrames
    /// 2026-06-30T03:00:00Z, the exception's expiry.
    let expiry: Int64 = 1_782_788_400_000_000
    let hour: Int64 = 3_600_000_000

    func verifier(_ sink: EventSink) -> Verifier {
        func p(_ s: String...) -> [IPPrefix] { s.map { IPPrefix($0)! } }
        let config = PolicyConfig(
            sensor: "test",
            zones: [
                Zone(id: "lgwan", kind: .lgwan, networks: p("10.20.0.0/16")),
                Zone(id: "internet", kind: .internet, networks: p("10.30.0.0/16")),
            ],
            gateways: [Gateway(name: "cloud", addresses: p("203.0.113.10"))],
            exceptions: [
                PolicyException(
                    name: "vendor-support", from: p("10.20.8.8"), to: p("198.51.100.50"), ports: [.tcp(443...443)],
                    approved: "No.7", expiresAtMicros: expiry, expiresText: "2026-06-30T12:00:00"),
                PolicyException(
                    name: "renewed", from: p("10.20.8.8"), to: p("198.51.100.60"), ports: [.tcp(443...443)],
                    approved: "No.8", expiresAtMicros: expiry, expiresText: "2026-06-30T12:00:00"),
                PolicyException(
                    name: "renewed-later", from: p("10.20.8.8"), to: p("198.51.100.60"), ports: [.tcp(443...443)],
                    approved: "No.9", expiresAtMicros: expiry + 24 * hour, expiresText: "2026-07-01T12:00:00"),
            ])
        return Verifier(policy: Policy(config), flowCapacity: 64, sink: sink)
    }

    /// A connection from 10.20.8.8 to `server`: SYN, SYN-ACK, ACK five minutes before the expiry (within
    /// TCP's idle timeout of it), then an ACK at each time of `later`.
    func frames(to server: String, later: [Int64], raw: Bool) -> [(time: Int64, bytes: [UInt8])] {
        func frame(_ src: String, _ sport: UInt16, _ dst: String, _ dport: UInt16, _ flags: UInt8) -> [UInt8] {
            raw
                ? F.ipv4(src, dst, proto: 6, F.tcp(sport, dport, flags: flags))
                : F.tcpFrame(src, sport, dst, dport, flags: flags)
        }
        let start = expiry - 300_000_000
        return [
            (start, frame("10.20.8.8", 50000, server, 443, 0x02)),
            (start + 1000, frame(server, 443, "10.20.8.8", 50000, 0x12)),
            (start + 2000, frame("10.20.8.8", 50000, server, 443, 0x10)),
        ] + later.map { ($0, frame(server, 443, "10.20.8.8", 50000, 0x10)) }
    }

    func run(_ frames: [(time: Int64, bytes: [UInt8])], batched: Bool, raw: Bool, sink: EventSink) -> Verifier {
        let v = verifier(sink)
        if batched && !raw {
            v.processBatch(frames)
        } else {
            for f in frames {
                f.bytes.withUnsafeBytes {
                    _ = v.process(
                        timestamp: f.time, bytes: $0, wireLength: f.bytes.count, linkType: raw ? .raw : .ethernet)
                }
            }
        }
        v.finish()
        return v
    }

    func testAFlowGoingOnPastItsExceptionsExpiryIsJudgedAgainAtItsNextPacket() {
        for (batched, raw) in [(false, false), (true, false), (false, true)] {
            let what = raw ? "without MACs" : batched ? "in a batch" : "one frame at a time"
            let sink = RecordingSink([.violationStarts, .flaggedPackets, .violationEnds, .declaredEnds])
            var started: [FlowEntry] = []
            sink.each = { e, _ in if e.kind == .flowStarted { started.append(e.flow) } }
            let after = [expiry - 1, expiry + 5_000_000, expiry + 240_000_000]
            let v = run(frames(to: "198.51.100.50", later: after, raw: raw), batched: batched, raw: raw, sink: sink)
            XCTAssertEqual(v.counters.count(.lgwanExternal), 1, what)
            XCTAssertEqual(started.map(\.verdict), [.lgwanExternal], what)
            let e = started.first
            XCTAssertEqual(e?.firstSeen, expiry - 300_000_000, "\(what): the flow's start is its first packet's")
            XCTAssertEqual(e.map { Alert(flow: $0)?.timestampMicros }, expiry + 5_000_000, "\(what): dated then")
            XCTAssertEqual(
                sink.seen.filter { $0.kind == .flaggedPacket }.map(\.frameTime),
                [expiry + 5_000_000, expiry + 240_000_000],
                "\(what): the packets from that one on are the evidence")
            XCTAssertEqual(sink.seen.filter { $0.kind == .flowEnded }.map(\.rule), [RuleID.lgwanExternal.rawValue])
        }
    }

    /// On a quiet link the first packet after the expiry comes more than 10 s after the packet before it, a
    /// step the flow table holds as a possible time jump: it is judged again all the same, at that packet,
    /// also when it is the flow's last (REVIEW-147 F1: the alarm rang only at the next packet, and a flow
    /// whose one packet after the expiry ended the capture stayed allowed).
    func testThePacketAfterAQuietStretchIsJudgedAgainAtItsOwnTime() {
        for (batched, raw) in [(false, false), (true, false), (false, true)] {
            let what = raw ? "without MACs" : batched ? "in a batch" : "one frame at a time"
            let sink = RecordingSink([.violationStarts, .flaggedPackets, .violationEnds])
            var started: [FlowEntry] = []
            sink.each = { e, _ in if e.kind == .flowStarted { started.append(e.flow) } }
            let v = run(
                frames(to: "198.51.100.50", later: [expiry + 5_000_000], raw: raw), batched: batched, raw: raw,
                sink: sink)
            XCTAssertEqual(v.counters.count(.lgwanExternal), 1, what)
            XCTAssertEqual(started.map { Alert(flow: $0)?.timestampMicros }, [expiry + 5_000_000], what)
            XCTAssertEqual(sink.seen.filter { $0.kind == .flaggedPacket }.map(\.frameTime), [expiry + 5_000_000], what)
        }
    }

    /// A reload between the flow's start and the expiry (a daemon's logrotate SIGHUP reloads zones.conf every
    /// day) does not exempt it: it is judged again under the policy in force, whose exception of that name
    /// expired (REVIEW-147's second F2: every reload marks every flow as judged before it).
    func testAFlowJudgedBeforeAReloadIsJudgedAgainAtTheExpiry() {
        let sink = RecordingSink([.violationStarts])
        var started: [FlowEntry] = []
        sink.each = { e, _ in if e.kind == .flowStarted { started.append(e.flow) } }
        let v = verifier(sink)
        let all = frames(to: "198.51.100.50", later: [expiry + 5_000_000], raw: false)
        for (i, f) in all.enumerated() {
            if i == 3 { v.replacePolicy(Policy(v.policy.config)) }
            f.bytes.withUnsafeBytes {
                _ = v.process(timestamp: f.time, bytes: $0, wireLength: f.bytes.count, linkType: .ethernet)
            }
        }
        v.finish()
        XCTAssertEqual(v.counters.count(.lgwanExternal), 1)
        XCTAssertEqual(started.map { Alert(flow: $0)?.timestampMicros }, [expiry + 5_000_000])
    }

    func testAFlowWithNoPacketAfterTheExpiryOrAllowedByAnotherDeclarationStaysAllowed() {
        for (batched, raw) in [(false, false), (true, false), (false, true)] {
            let what = raw ? "without MACs" : batched ? "in a batch" : "one frame at a time"
            let sink = RecordingSink([.violationStarts, .declaredEnds])
            var ended: [FlowEntry] = []
            sink.each = { e, _ in if e.kind == .flowEnded { ended.append(e.flow) } }
            // The first flow's last packet comes 1 µs before the expiry; the second's exception is followed by
            // one that is still valid after it; a third flow's packet after the expiry rings the alarm.
            let all =
                frames(to: "198.51.100.50", later: [expiry - 1], raw: raw)
                + frames(to: "198.51.100.60", later: [expiry + 60_000_000], raw: raw)
            let v = run(all.sorted { $0.time < $1.time }, batched: batched, raw: raw, sink: sink)
            XCTAssertEqual(v.counters.alerts, 0, what)
            let names = ended.map { v.policy.declarations[Int($0.declaration)].name }.sorted()
            XCTAssertEqual(names, ["renewed-later", "vendor-support"], what)
        }
    }

    /// A reload that withdraws, renames or narrows the exception while its flow runs, before the expiry (a
    /// CISO ending an approval now, a new approval number): the flow's next packet judges it under the map
    /// in force (REVIEW-148 F2: it went on allowed for good, by no declaration, even past the expiry).
    /// Withdrawn or narrowed, its rule is raised at that packet; renamed, the renamed entry allows it; the
    /// same file again changes nothing. One frame at a time, and on a link without MACs.
    func testAReloadThatWithdrawsRenamesOrNarrowsTheExceptionEndsItsAllowance() {
        func p(_ s: String...) -> [IPPrefix] { s.map { IPPrefix($0)! } }
        for raw in [false, true] {
            for change in ["withdrawn", "renamed", "narrowed", "unchanged"] {
                let what = "\(change)\(raw ? ", without MACs" : "")"
                let sink = RecordingSink([.violationStarts, .declaredEnds])
                var started: [FlowEntry] = []
                var ended: [FlowEntry] = []
                sink.each = { e, _ in
                    if e.kind == .flowStarted { started.append(e.flow) }
                    if e.kind == .flowEnded { ended.append(e.flow) }
                }
                let v = verifier(sink)
                var config = v.policy.config
                switch change {
                case "withdrawn": config.exceptions.remove(at: 0)
                case "renamed": config.exceptions[0].name = "vendor-support-no8"
                case "narrowed": config.exceptions[0].from = p("10.20.8.9")
                default: break
                }
                let later = expiry - 100_000_000
                for (i, f) in frames(to: "198.51.100.50", later: [later], raw: raw).enumerated() {
                    if i == 3 { v.replacePolicy(Policy(config)) }
                    f.bytes.withUnsafeBytes {
                        _ = v.process(
                            timestamp: f.time, bytes: $0, wireLength: f.bytes.count, linkType: raw ? .raw : .ethernet)
                    }
                }
                v.finish()
                let raised = change == "withdrawn" || change == "narrowed"
                XCTAssertEqual(v.counters.count(.lgwanExternal), raised ? 1 : 0, what)
                XCTAssertEqual(started.map { Alert(flow: $0)?.timestampMicros }, raised ? [later] : [], what)
                if !raised {
                    XCTAssertEqual(
                        ended.map { v.policy.declarations[Int($0.declaration)].name },
                        [change == "renamed" ? "vendor-support-no8" : "vendor-support"], what)
                }
            }
        }
    }
}
