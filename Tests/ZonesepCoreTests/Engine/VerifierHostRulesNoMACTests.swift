import XCTest

@testable import ZonesepCore

/// `Counters.hostRulesNoMAC`: the IP packets whose frame showed no source MAC, whose senders the host
/// rules could not hear of (REVIEW-130 F3). Ethernet frames, plain or through the fast lane, show one; a
/// raw-IP frame and a bare-IP tunnel's inner packet do not.
final class VerifierHostRulesNoMACTests: VerifierTestCase {
    func feedRaw(_ packet: [UInt8], at seconds: Double) {
        packet.withUnsafeBytes {
            _ = verifier.process(
                timestamp: t0 + Int64(seconds * 1_000_000), bytes: $0, wireLength: packet.count, linkType: .raw)
        }
    }

    func testRawIPPacketsAreCountedEachOne() {
        let syn = F.ipv4("10.20.3.4", "10.30.7.8", proto: 6, F.tcp(51512, 445, flags: 0x02))
        feedRaw(syn, at: 0)
        feedRaw(F.ipv4("10.30.7.8", "10.20.3.4", proto: 6, F.tcp(445, 51512, flags: 0x12)), at: 0.001)
        feedRaw(F.ipv4("10.20.3.4", "10.30.7.8", proto: 6, F.tcp(51512, 445, flags: 0x10)), at: 0.002)
        // An ICMP error quoting the flow joins it; its own sender has no MAC either.
        feedRaw(F.ipv4("10.30.7.1", "10.20.3.4", proto: 1, F.icmpError(quoting: syn)), at: 0.003)
        // A stray later fragment (no first one seen): judged by nothing, its sender not heard of.
        feedRaw(
            F.ipv4("10.20.3.5", "10.30.7.8", proto: 17, [1, 2, 3, 4, 5, 6, 7, 8], id: 9, flagsOffset: 4), at: 0.004)
        let c = verifier.counters
        XCTAssertEqual(c.ipPackets, 5)
        XCTAssertEqual(c.hostRulesNoMAC, 5)
    }

    func testEthernetFramesShowTheirMAC() {
        feed(F.tcpFrame("10.20.3.4", 51512, "10.30.7.8", 445, flags: 0x02), at: 0)
        var frames: [(seconds: Double, frame: [UInt8])] = []
        for i in 1...40 {
            let flags: UInt8 = i % 2 == 0 ? 0x10 : 0x18
            frames.append((0.001 * Double(i), F.tcpFrame("10.20.3.4", 51512, "10.30.7.8", 445, flags: flags)))
        }
        frames.append((0.05, F.udpFrame("10.20.3.9", 5353, "10.20.3.10", 53)))
        feedBatch(frames)
        XCTAssertEqual(verifier.counters.ipPackets, 42)
        XCTAssertEqual(verifier.counters.hostRulesNoMAC, 0)
    }

    /// IP straight in GRE: the tunnel's Ethernet header is the outer one, cleared for the inner packet, so
    /// the inner sender shows no MAC. Ethernet in GRE (transparent bridging) carries the inner frame's.
    func testBareIPTunnelHidesTheMACAndEthernetTunnelShowsIt() {
        let inner = F.ipv4("10.20.3.4", "10.30.7.8", proto: 17, F.udp(40000, 53))
        let bare = F.ethernet(F.ipv4("192.0.2.1", "192.0.2.2", proto: 47, Build.gre(type: 0x0800, inner)))
        let bridged = F.ethernet(
            F.ipv4(
                "192.0.2.1", "192.0.2.2", proto: 47,
                Build.gre(type: 0x6558, F.ethernet(inner, src: "02:00:00:00:0a:0b"))))
        feed(bare, at: 0)
        XCTAssertEqual(verifier.counters.hostRulesNoMAC, 1)
        feed(bridged, at: 0.001)
        XCTAssertEqual(verifier.counters.hostRulesNoMAC, 1)
        XCTAssertEqual(verifier.counters.ipPackets, 2)
    }

    /// `watch`'s workers' summaries are summed (`SummaryMerge`, through `addCoverage`).
    func testMergedCountersSumIt() {
        var a = Counters()
        a.hostRulesNoMAC = 3
        var b = Counters()
        b.hostRulesNoMAC = 4
        a.addCoverage(of: b)
        XCTAssertEqual(a.hostRulesNoMAC, 7)
    }
}
