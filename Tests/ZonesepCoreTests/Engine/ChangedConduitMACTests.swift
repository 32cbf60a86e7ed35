import XCTest

@testable import ZonesepCore

/// A conduit's MAC that the flow's first packet showed and the conduit named is checked again when a later
/// packet of that side comes from another MAC (REVIEW-144 F3: an ARP-spoofing device answering for the
/// conduit's address after the first packet took the flow over unseen): `conduit-mac-mismatch` at that
/// packet, dated by it, with the new MAC in the alert, one frame at a time and in a batch. The registered
/// MAC sending again, and a MAC change on a side the conduit names no MAC for, raise nothing.
final class ChangedConduitMACTests: XCTestCase {
    typealias F = EngineFrames
    let t0: Int64 = 1_781_431_200_000_000
    static let registered = LateConduitMACCheckTests.registered
    static let rogue = LateConduitMACCheckTests.rogue
    static let serverMAC = "02:00:ac:14:09:09"
    static let otherServerMAC = "02:00:ac:14:09:99"

    /// The late MAC check's policy: one conduit naming the initiator's MAC.
    func verifier(_ sink: EventSink) -> Verifier { LateConduitMACCheckTests.verifier(sink) }

    /// SYN from the registered MAC, SYN-ACK, then an ACK from `later` (the initiator's side), 1 ms apart.
    func frames(initiatorLater later: String, serverLater: String = serverMAC) -> [[UInt8]] {
        [
            F.tcpFrame(
                "10.10.1.5", 46000, "172.20.9.9", 443, flags: 0x02, srcMAC: Self.registered, dstMAC: Self.serverMAC),
            F.tcpFrame(
                "172.20.9.9", 443, "10.10.1.5", 46000, flags: 0x12, srcMAC: serverLater, dstMAC: Self.registered),
            F.tcpFrame("10.10.1.5", 46000, "172.20.9.9", 443, flags: 0x10, srcMAC: later, dstMAC: Self.serverMAC),
        ]
    }

    func run(_ frames: [[UInt8]], batched: Bool, sink: EventSink) -> Verifier {
        let v = verifier(sink)
        if batched {
            v.processBatch(frames.enumerated().map { (time: t0 + Int64($0.offset) * 1000, bytes: $0.element) })
        } else {
            for (i, f) in frames.enumerated() {
                f.withUnsafeBytes {
                    _ = v.process(timestamp: t0 + Int64(i) * 1000, bytes: $0, wireLength: f.count, linkType: .ethernet)
                }
            }
        }
        v.finish()
        return v
    }

    func testAnotherMACOnTheConduitsSideLaterRaisesTheMismatchAtThatPacket() {
        for batched in [false, true] {
            let sink = RecordingSink([.violationStarts, .flaggedPackets, .declaredEnds, .violationEnds])
            var started: [FlowEntry] = []
            sink.each = { e, _ in if e.kind == .flowStarted { started.append(e.flow) } }
            let v = run(frames(initiatorLater: Self.rogue), batched: batched, sink: sink)
            let what = batched ? "in a batch" : "one frame at a time"
            // The new MAC in the alert; the packet from it the first flagged.
            LateConduitMACCheckTests.assertLateMismatch(
                v, sink, started: started, firstSeen: t0, at: t0 + 2000, mac: Self.rogue, flagged: [t0 + 2000], what)
        }
    }

    /// An untagged mirror of a routing switch sees each packet twice, the host's frame and the router's copy
    /// from the router's MAC: a declared router's MAC is no other device taking the side over (REVIEW-147 F2).
    func testADeclaredRoutersCopyRaisesNothing() {
        let router = "02:00:00:00:00:fe"
        let v = LateConduitMACCheckTests.verifier(nil, routers: [Router(name: "core", macs: [MACAddress(router)!])])
        for (i, f) in frames(initiatorLater: router).enumerated() {
            f.withUnsafeBytes {
                _ = v.process(timestamp: t0 + Int64(i) * 1000, bytes: $0, wireLength: f.count, linkType: .ethernet)
            }
        }
        v.finish()
        XCTAssertEqual(v.counters.alerts, 0)
    }

    func testTheRegisteredMACAgainOrAnotherMACWhereTheConduitNamesNoneRaisesNothing() {
        for batched in [false, true] {
            for (initiator, server) in [(Self.registered, Self.serverMAC), (Self.registered, Self.otherServerMAC)] {
                let sink = RecordingSink([.violationStarts, .declaredEnds])
                var ended: [FlowEntry] = []
                sink.each = { e, _ in if e.kind == .flowEnded { ended.append(e.flow) } }
                let v = run(frames(initiatorLater: initiator, serverLater: server), batched: batched, sink: sink)
                let what = "\(batched ? "in a batch" : "one frame at a time"), server from \(server)"
                XCTAssertEqual(v.counters.alerts, 0, what)
                XCTAssertEqual(ended.map(\.declaration), [0], "\(what): allowed by the conduit")
                XCTAssertEqual(ended.first?.mac(ofA: true), MACAddress(Self.registered), what)
            }
        }
    }
}
