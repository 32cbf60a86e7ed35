import XCTest

@testable import ZonesepCore

/// Flows on the ports of UDP tunnels zonesep does not open (L2TP, GTP-U, Teredo, VXLAN-GPE, CAPWAP data, MPLS
/// in UDP over DTLS), and L2TPv3 over
/// IP (protocol 115), are judged as the outer flow and their frames count as judged, but they are counted
/// apart, once a flow, whichever side the tunnel's port is on, one frame at a time or in a batch (the fast
/// lane of known flows).
final class UnopenedTunnelCountTests: XCTestCase {
    typealias F = EngineFrames
    let t0: Int64 = 1_795_219_200_000_000

    /// Two packets each way per flow: L2TP to 1701, GTP-U from 2152, Teredo to 3544, VXLAN-GPE to 4790, two
    /// L2TP flows in all, CAPWAP data from an access point to its controller's 5247, MPLS in UDP over DTLS
    /// from 6636, and DNS to 53 (not a tunnel).
    var frames: [[UInt8]] {
        let flows: [(String, UInt16, String, UInt16)] = [
            ("10.20.3.4", 40001, "10.20.9.9", 1701),
            ("10.20.3.5", 2152, "10.20.9.9", 40002),
            ("10.20.3.4", 40003, "10.20.9.9", 3544),
            ("10.20.3.4", 40004, "10.20.9.9", 4790),
            ("10.20.3.6", 1701, "10.20.9.9", 1701),
            ("10.20.0.11", 40006, "10.20.0.12", 5247),
            ("10.20.0.13", 6636, "10.20.0.14", 40007),
            ("10.20.3.4", 40005, "10.20.9.9", 53),
        ]
        let udp = flows.flatMap { s, sp, d, dp in
            [
                F.udpFrame(s, sp, d, dp), F.udpFrame(d, dp, s, sp), F.udpFrame(s, sp, d, dp),
                F.udpFrame(d, dp, s, sp),
            ]
        }
        // L2TPv3 straight over IP (protocol 115, session 0x1001) between two LGWAN routers, both ways.
        let l2tpv3 = [("10.20.0.11", "10.20.0.12"), ("10.20.0.12", "10.20.0.11")].map { s, d in
            F.ethernet(
                F.ipv4(s, d, proto: 115, [0, 0, 0x10, 0x01] + F.tcpFrame("10.20.3.4", 1, "10.30.7.8", 445, flags: 2)))
        }
        return udp + l2tpv3 + l2tpv3
    }

    func verifier() -> Verifier {
        Verifier(
            policy: Policy(
                PolicyConfig(
                    sensor: "test",
                    zones: [Zone(id: "lgwan", kind: .lgwan, networks: [IPPrefix("10.20.0.0/16")!])])),
            flowCapacity: 64)
    }

    func assertCounted(_ c: Counters, _ what: String) {
        XCTAssertEqual(c.flows, 9, what)
        XCTAssertEqual(c.unopenedTunnelFlows[UnopenedTunnel.l2tp.rawValue], 2, what)
        XCTAssertEqual(c.unopenedTunnelFlows[UnopenedTunnel.gtpU.rawValue], 1, what)
        XCTAssertEqual(c.unopenedTunnelFlows[UnopenedTunnel.teredo.rawValue], 1, what)
        XCTAssertEqual(c.unopenedTunnelFlows[UnopenedTunnel.vxlanGPE.rawValue], 1, what)
        XCTAssertEqual(c.unopenedTunnelFlows[UnopenedTunnel.l2tpv3IP.rawValue], 1, what)
        XCTAssertEqual(c.unopenedTunnelFlows[UnopenedTunnel.capwap.rawValue], 1, what)
        XCTAssertEqual(c.unopenedTunnelFlows[UnopenedTunnel.mplsUDPDTLS.rawValue], 1, what)
        XCTAssertEqual(c.unopenedTunnelFlowsTotal, 8, "\(what): DNS to 53 is not a tunnel")
        XCTAssertEqual(c.framesJudged, 36, "\(what): the outer flows are judged")
        XCTAssertEqual(c.framesNotVerified, 0, what)
    }

    func testFlowsOnTunnelPortsAreCountedOnceEach() {
        let v = verifier()
        for (i, f) in frames.enumerated() {
            f.withUnsafeBytes {
                _ = v.process(timestamp: t0 + Int64(i), bytes: $0, wireLength: f.count, linkType: .ethernet)
            }
        }
        assertCounted(v.counters, "one frame at a time")
    }

    func testABatchCountsTheSame() {
        let v = verifier()
        v.processBatch(frames.enumerated().map { (time: t0 + Int64($0.offset), bytes: $0.element) })
        assertCounted(v.counters, "in a batch")
    }

    func testWorkersCountsAreAdded() {
        var a = Counters()
        var b = Counters()
        a.unopenedTunnelFlows[UnopenedTunnel.gtpU.rawValue] = 2
        b.unopenedTunnelFlows[UnopenedTunnel.gtpU.rawValue] = 3
        b.unopenedTunnelFlows[UnopenedTunnel.teredo.rawValue] = 1
        a.addCoverage(of: b)
        XCTAssertEqual(a.unopenedTunnelFlows, [0, 5, 1, 0, 0, 0, 0])
    }
}
