import XCTest

@testable import ZonesepCore

/// A conduit's MAC that a flow's first packet did not show (a raw-IP frame, a bare-IP tunnel) is
/// checked by the first later packet of that side that shows it, one frame at a time (the full decode) or in
/// a batch (the fast lane of known flows): a MAC the conduit does not name raises `conduit-mac-mismatch` at
/// that packet, with a `flowStarted` event dated by it and that packet flagged; the registered MAC lifts the
/// mark and the flow stays allowed by the conduit.
final class LateConduitMACCheckTests: XCTestCase {
    typealias F = EngineFrames
    let t0: Int64 = 1_781_431_200_000_000
    static let registered = "02:00:0a:0a:01:05"
    static let rogue = "02:00:5e:00:00:99"

    /// A verifier whose policy has one conduit, from 10.10.1.5 (mynumber) at `registered` to 172.20.9.9
    /// (LGWAN) on tcp/443, and `routers`: the late checks' tests share it.
    static func verifier(_ sink: EventSink?, routers: [Router] = []) -> Verifier {
        func p(_ s: String) -> [IPPrefix] { [IPPrefix(s)!] }
        let config = PolicyConfig(
            sensor: "test",
            zones: [
                Zone(id: "mynumber", kind: .mynumber, networks: p("10.10.0.0/16")),
                Zone(id: "lgwan-wan", kind: .lgwan, networks: p("172.20.0.0/14")),
            ],
            conduits: [
                Conduit(
                    name: "intermediate-server", from: p("10.10.1.5"), fromMAC: MACAddress(Self.registered),
                    to: p("172.20.9.9"), ports: [.tcp(443...443)])
            ], routers: routers)
        return Verifier(policy: Policy(config), flowCapacity: 64, sink: sink)
    }

    /// A late `conduit-mac-mismatch` of the initiator's side, from `mac`: one alert of the conduit, its
    /// start told at `at` and dated by it, the flow's packets flagged from it on (`flagged`), its end a
    /// violation.
    static func assertLateMismatch(
        _ v: Verifier, _ sink: RecordingSink, started: [FlowEntry], firstSeen: Int64, at: Int64, mac: String,
        flagged: [Int64], _ what: String, file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(v.counters.count(.conduitMACMismatch), 1, what, file: file, line: line)
        XCTAssertEqual(started.count, 1, what, file: file, line: line)
        let e = started.first
        XCTAssertEqual(e?.verdict, .conduitMACMismatch, what, file: file, line: line)
        XCTAssertEqual(e?.declaration, 0, "\(what): the conduit it concerns", file: file, line: line)
        XCTAssertEqual(e?.firstSeen, firstSeen, what, file: file, line: line)
        XCTAssertEqual(
            e.map { Alert(flow: $0)?.timestampMicros }, at, "\(what): the alert's time", file: file, line: line)
        XCTAssertEqual(e.flatMap { Alert(flow: $0)?.srcMAC }, MACAddress(mac), what, file: file, line: line)
        let starts = sink.seen.filter { $0.kind == .flowStarted }
        XCTAssertEqual(
            starts.map(\.frameTime), [at], "\(what): the event points at that packet", file: file, line: line)
        XCTAssertEqual(
            sink.seen.filter { $0.kind == .flaggedPacket }.map(\.frameTime), flagged,
            "\(what): that packet is the first flagged", file: file, line: line)
        XCTAssertEqual(
            sink.seen.filter { $0.kind == .flowEnded }.map(\.rule), [RuleID.conduitMACMismatch.rawValue],
            "\(what): ends as a violation", file: file, line: line)
    }

    func verifier(_ sink: EventSink) -> Verifier { Self.verifier(sink) }

    /// The SYN without a link header (LINKTYPE_RAW), at t0.
    var rawSYN: [UInt8] { F.ipv4("10.10.1.5", "172.20.9.9", proto: 6, F.tcp(46000, 443, flags: 0x02)) }

    /// The SPAN port's frames of the same connection from `mac`: SYN, SYN-ACK, ACK, 1 ms apart from t0 + 1 ms.
    func ethernetFrames(from mac: String) -> [[UInt8]] {
        [
            F.tcpFrame("10.10.1.5", 46000, "172.20.9.9", 443, flags: 0x02, srcMAC: mac),
            F.tcpFrame("172.20.9.9", 443, "10.10.1.5", 46000, flags: 0x12, dstMAC: mac),
            F.tcpFrame("10.10.1.5", 46000, "172.20.9.9", 443, flags: 0x10, srcMAC: mac),
        ]
    }

    /// Replays the raw SYN, then `frames` one at a time or as one batch; returns the verifier.
    func run(_ frames: [[UInt8]], batched: Bool, sink: EventSink) -> Verifier {
        let v = verifier(sink)
        rawSYN.withUnsafeBytes { _ = v.process(timestamp: t0, bytes: $0, wireLength: rawSYN.count, linkType: .raw) }
        if !batched {
            for (i, f) in frames.enumerated() {
                f.withUnsafeBytes {
                    _ = v.process(
                        timestamp: t0 + Int64(i + 1) * 1000, bytes: $0, wireLength: f.count, linkType: .ethernet)
                }
            }
        } else {
            v.processBatch(frames.enumerated().map { (time: t0 + Int64($0.offset + 1) * 1000, bytes: $0.element) })
        }
        v.finish()
        return v
    }

    func testAWrongMACShownLaterRaisesTheMismatchAtThatPacket() {
        for batched in [false, true] {
            let sink = RecordingSink([.violationStarts, .flaggedPackets, .declaredEnds, .violationEnds])
            var late: [FlowEntry] = []
            sink.each = { e, _ in if e.kind == .flowStarted { late.append(e.flow) } }
            let v = run(ethernetFrames(from: Self.rogue), batched: batched, sink: sink)
            let what = batched ? "in a batch" : "one frame at a time"
            Self.assertLateMismatch(
                v, sink, started: late, firstSeen: t0, at: t0 + 1000, mac: Self.rogue,
                flagged: [t0 + 1000, t0 + 2000, t0 + 3000], what)
        }
    }

    /// A flow waiting for its MAC still tells the host table of its senders, each packet the same as any
    /// flow's (its own path in `noteNewSender`): the later MAC's address, and the responder's.
    func testAFlowWaitingForItsMACStillFeedsTheHostTable() {
        for batched in [false, true] {
            let v = run(ethernetFrames(from: Self.rogue), batched: batched, sink: RecordingSink([.violationStarts]))
            let what = batched ? "in a batch" : "one frame at a time"
            XCTAssertEqual(v.counters.count(.conduitMACMismatch), 1, what)
            XCTAssertEqual(
                v.hostTable.addresses(of: MACAddress(Self.rogue)!).map(\.ip.description), ["10.10.1.5"], what)
            // The SYN-ACK's source MAC is the frame builder's default.
            XCTAssertEqual(v.hostTable.count, 2, what)
        }
    }

    func testTheRegisteredMACShownLaterVerifiesTheFlow() {
        for batched in [false, true] {
            let sink = RecordingSink([.violationStarts, .declaredEnds])
            var ended: [FlowEntry] = []
            sink.each = { e, _ in if e.kind == .flowEnded { ended.append(e.flow) } }
            let v = run(ethernetFrames(from: Self.registered), batched: batched, sink: sink)
            let what = batched ? "in a batch" : "one frame at a time"
            XCTAssertEqual(v.counters.alerts, 0, what)
            XCTAssertEqual(ended.count, 1, what)
            let e = ended.first
            XCTAssertEqual(e?.declaration, 0, "\(what): allowed by the conduit")
            XCTAssertEqual(e?.lateMACCheck, false, "\(what): nothing left to check")
            XCTAssertEqual(e.map { v.policy.conduitMACUnverified($0) }, false, what)
        }
    }

    func testAFlowWhoseMACNeverShowsStaysAllowedAndUnverified() {
        let sink = RecordingSink([.violationStarts, .declaredEnds])
        var ended: [FlowEntry] = []
        sink.each = { e, _ in if e.kind == .flowEnded { ended.append(e.flow) } }
        let v = run([], batched: false, sink: sink)
        XCTAssertEqual(v.counters.alerts, 0)
        XCTAssertEqual(ended.count, 1)
        XCTAssertEqual(ended.first?.declaration, 0)
        XCTAssertEqual(ended.first.map { v.policy.conduitMACUnverified($0) }, true)
    }
}
