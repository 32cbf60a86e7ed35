import XCTest

@testable import ZonesepCore

/// Flows on the ports of UDP tunnels zonesep does not open (L2TP, GTP-U, Teredo, VXLAN-GPE, CAPWAP data, MPLS
/// in UDP over DTLS, IPsec NAT traversal, WireGuard, OpenVPN, GRE in UDP, LISP data; VXLAN and Geneve on a
/// well-known port `[sensor]` does not list), and L2TPv3 and IPsec ESP straight over IP (protocols 115 and
/// 50), are judged as the outer flow, and counted apart, once a flow, whichever side the tunnel's port is on,
/// one frame at a time or in a batch (the fast lane of known flows). What they carry was not judged: when
/// such a flow ends, its frames move from judged to not verified (`unopened-tunnel`, by kind).
final class UnopenedTunnelCountTests: XCTestCase {
    typealias F = EngineFrames
    let t0: Int64 = 1_795_219_200_000_000

    /// Two packets each way per flow: L2TP to 1701, GTP-U from 2152, Teredo to 3544, VXLAN-GPE to 4790, two
    /// L2TP flows in all, CAPWAP data from an access point to its controller's 5247, MPLS in UDP over DTLS
    /// from 6636, IPsec NAT-T to 4500, WireGuard between two 51820s, OpenVPN to 1194, GRE in UDP to 4754, LISP
    /// data from 4341, and DNS to 53 (not a tunnel). ESP between two routers both ways over IPv4 (SPIs 0x1001
    /// and 0x2002: one flow), and once after an AH header between two others.
    var frames: [[UInt8]] {
        let flows: [(String, UInt16, String, UInt16)] = [
            ("10.20.3.4", 40001, "10.20.9.9", 1701),
            ("10.20.3.5", 2152, "10.20.9.9", 40002),
            ("10.20.3.4", 40003, "10.20.9.9", 3544),
            ("10.20.3.4", 40004, "10.20.9.9", 4790),
            ("10.20.3.6", 1701, "10.20.9.9", 1701),
            ("10.20.0.11", 40006, "10.20.0.12", 5247),
            ("10.20.0.13", 6636, "10.20.0.14", 40007),
            ("10.20.0.15", 40008, "10.20.0.16", 4500),
            ("10.20.0.15", 51820, "10.20.0.16", 51820),
            ("10.20.3.7", 40009, "10.20.9.9", 1194),
            ("10.20.0.15", 40010, "10.20.0.16", 4754),
            ("10.20.0.17", 4341, "10.20.0.18", 40011),
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
        let esp = [("10.20.0.11", "10.20.0.12", 0x1001), ("10.20.0.12", "10.20.0.11", 0x2002)].map { s, d, spi in
            F.ethernet(
                F.ipv4(
                    s, d, proto: 50,
                    F.be16(0) + F.be16(UInt16(spi)) + [0, 0, 0, 1] + [UInt8](repeating: 0xa5, count: 24)))
        }
        // AH (next header ESP, a 12-byte ICV) then ESP: the AH walk ends at protocol 50.
        let ahESP = F.ethernet(
            F.ipv4(
                "10.20.0.13", "10.20.0.14", proto: 51,
                [50, 4, 0, 0, 0, 0, 0x30, 0x01, 0, 0, 0, 1] + [UInt8](repeating: 0, count: 12) + [0, 0, 0x30, 0x02]
                    + [0, 0, 0, 1] + [UInt8](repeating: 0xa5, count: 24)))
        return udp + l2tpv3 + l2tpv3 + esp + esp + [ahESP]
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
        XCTAssertEqual(c.flows, 16, what)
        XCTAssertEqual(c.unopenedTunnelFlows[UnopenedTunnel.l2tp.rawValue], 2, what)
        XCTAssertEqual(c.unopenedTunnelFlows[UnopenedTunnel.gtpU.rawValue], 1, what)
        XCTAssertEqual(c.unopenedTunnelFlows[UnopenedTunnel.teredo.rawValue], 1, what)
        XCTAssertEqual(c.unopenedTunnelFlows[UnopenedTunnel.vxlanGPE.rawValue], 1, what)
        XCTAssertEqual(c.unopenedTunnelFlows[UnopenedTunnel.l2tpv3IP.rawValue], 1, what)
        XCTAssertEqual(c.unopenedTunnelFlows[UnopenedTunnel.capwap.rawValue], 1, what)
        XCTAssertEqual(c.unopenedTunnelFlows[UnopenedTunnel.mplsUDPDTLS.rawValue], 1, what)
        XCTAssertEqual(c.unopenedTunnelFlows[UnopenedTunnel.ipsecNATT.rawValue], 1, what)
        XCTAssertEqual(c.unopenedTunnelFlows[UnopenedTunnel.wireGuard.rawValue], 1, what)
        XCTAssertEqual(c.unopenedTunnelFlows[UnopenedTunnel.openVPN.rawValue], 1, what)
        XCTAssertEqual(c.unopenedTunnelFlows[UnopenedTunnel.greUDP.rawValue], 1, what)
        XCTAssertEqual(c.unopenedTunnelFlows[UnopenedTunnel.lisp.rawValue], 1, what)
        XCTAssertEqual(c.unopenedTunnelFlows[UnopenedTunnel.esp.rawValue], 2, what)
        XCTAssertEqual(c.unopenedTunnelFlowsTotal, 15, "\(what): DNS to 53 is not a tunnel")
        XCTAssertEqual(c.framesJudged, 61, "\(what): judged until the flows end")
        XCTAssertEqual(c.framesNotVerified, 0, what)
    }

    /// After the flows ended: the tunnels' 57 frames not verified, by kind; DNS's 4 judged.
    func assertNotVerifiedAtEnd(_ v: Verifier, _ what: String) {
        v.finish()
        let c = v.counters
        XCTAssertEqual(c.framesJudged, 4, "\(what): the DNS flow's frames alone")
        XCTAssertEqual(c.notVerifiedByReason[Int(NotVerifiedReason.unopenedTunnel.rawValue)], 57, what)
        XCTAssertEqual(c.framesNotVerified, 57, what)
        var byKind: [UnopenedTunnel: UInt64] = [:]
        for (key, n) in c.notVerifiedValues where key.reason == .unopenedTunnel {
            byKind[UnopenedTunnel(rawValue: Int(key.value))!, default: 0] += n
        }
        XCTAssertEqual(
            byKind,
            [
                .l2tp: 8, .gtpU: 4, .teredo: 4, .vxlanGPE: 4, .l2tpv3IP: 4, .capwap: 4, .mplsUDPDTLS: 4,
                .ipsecNATT: 4, .wireGuard: 4, .openVPN: 4, .greUDP: 4, .lisp: 4, .esp: 5,
            ], what)
        XCTAssertEqual(c.verifiedShare, 4.0 / 61, accuracy: 1e-12, what)
        XCTAssertEqual(
            FrameCoverage.notVerified(.unopenedTunnel, UInt32(UnopenedTunnel.l2tp.rawValue)).description,
            "inside L2TP udp/1701, a tunnel not opened")
    }

    func testFlowsOnTunnelPortsAreCountedOnceEach() {
        let v = verifier()
        for (i, f) in frames.enumerated() {
            f.withUnsafeBytes {
                _ = v.process(timestamp: t0 + Int64(i), bytes: $0, wireLength: f.count, linkType: .ethernet)
            }
        }
        assertCounted(v.counters, "one frame at a time")
        assertNotVerifiedAtEnd(v, "one frame at a time")
    }

    /// A client's DNS query or STUN stream from 51820, in every system's ephemeral range, is DNS or STUN, not
    /// WireGuard: a port of that range counts as the source only when the datagram goes to another port of
    /// the range (a tunnel to it, or its answer to the peer's ephemeral port, still counts). REVIEW-150 F1: a
    /// STUN stream to 3478 from 51820 had every frame counted as not verified, inside WireGuard.
    func testAnEphemeralSourcePortIsNoTunnel() {
        let v = verifier()
        let frames = [
            F.udpFrame("10.20.3.8", 51820, "10.20.9.9", 53), F.udpFrame("10.20.9.9", 53, "10.20.3.8", 51820),
            F.udpFrame("10.20.3.7", 51820, "10.20.9.8", 3478), F.udpFrame("10.20.9.8", 3478, "10.20.3.7", 51820),
            F.udpFrame("10.20.3.9", 40000, "10.20.9.9", 51820),
            // Only the tunnel's answers seen: from 51820 to its peer's ephemeral port, a tunnel.
            F.udpFrame("10.20.9.9", 51820, "10.20.3.10", 40001),
        ]
        for (i, f) in frames.enumerated() {
            f.withUnsafeBytes {
                _ = v.process(timestamp: t0 + Int64(i), bytes: $0, wireLength: f.count, linkType: .ethernet)
            }
        }
        XCTAssertEqual(v.counters.flows, 4)
        XCTAssertEqual(v.counters.unopenedTunnelFlowsTotal, 2)
        XCTAssertEqual(v.counters.unopenedTunnelFlows[UnopenedTunnel.wireGuard.rawValue], 2)
    }

    func testABatchCountsTheSame() {
        let v = verifier()
        v.processBatch(frames.enumerated().map { (time: t0 + Int64($0.offset), bytes: $0.element) })
        assertCounted(v.counters, "in a batch")
        assertNotVerifiedAtEnd(v, "in a batch")
    }

    func testWorkersCountsAreAdded() {
        var a = Counters()
        var b = Counters()
        a.unopenedTunnelFlows[UnopenedTunnel.gtpU.rawValue] = 2
        b.unopenedTunnelFlows[UnopenedTunnel.gtpU.rawValue] = 3
        b.unopenedTunnelFlows[UnopenedTunnel.teredo.rawValue] = 1
        a.addCoverage(of: b)
        XCTAssertEqual(a.unopenedTunnelFlows, [0, 5, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    }

    /// MPLS in UDP is opened on its way to 6635 (no outer flow); a datagram from 6635 to another port is not
    /// (RFC 7510 sends it to 6635 both ways), so it is counted as an unopened `mpls-udp`, as VXLAN from an
    /// opened port is, where it passed as a plain, verified UDP flow.
    func testMPLSInUDPFrom6635IsCountedAsNotOpened() {
        let v = verifier()
        let inner = F.tcpFrame("10.20.3.4", 40001, "10.20.9.9", 445, flags: 2)
        let mpls: [UInt8] = [0, 0x7d, 0x31, 64]  // label 2003, bottom of stack
        let ipPacket = Array(inner.dropFirst(14))
        func datagram(_ sport: UInt16, _ dport: UInt16) -> [UInt8] {
            F.ethernet(F.ipv4("10.20.0.11", "10.20.0.12", proto: 17, F.udp(sport, dport, payload: mpls + ipPacket)))
        }
        v.processBatch(
            [datagram(49152, 6635), datagram(6635, 49153)].enumerated().map { (t0 + Int64($0.offset), $0.element) })
        v.finish()
        let c = v.counters
        XCTAssertEqual(c.unopenedTunnelFlows[UnopenedTunnel.mplsUDP.rawValue], 1, "from 6635 only")
        XCTAssertEqual(c.unopenedTunnelFlowsTotal, 1)
        XCTAssertEqual(c.flows, 2, "the inner flow of the datagram to 6635, the outer flow of the one from it")
        XCTAssertEqual(c.notVerifiedByReason[Int(NotVerifiedReason.unopenedTunnel.rawValue)], 1)
        XCTAssertEqual(UnopenedTunnel.mplsUDP.name, "mpls-udp")
        XCTAssertEqual("\(UnopenedTunnel.mplsUDP.title) \(UnopenedTunnel.mplsUDP.carrier)", "MPLS-in-UDP udp/6635")
    }

    /// VXLAN on 4789 and Geneve on 6081 when `[sensor]` lists other ports (`vxlan_ports = [8472]`,
    /// `geneve_ports = []`): ordinary UDP flows, counted as unopened `vxlan` and `geneve`; a datagram to 8472
    /// is opened (no outer flow). A flow from 8472 to another port is not opened (zonesep reads VXLAN only to
    /// its port), so it is counted as an unopened `vxlan`: it was passed as a plain UDP flow (REVIEW-146 F3).
    func testVXLANAndGeneveCountOnlyOnPortsNotDecoded() {
        var config = PolicyConfig(
            sensor: "test", zones: [Zone(id: "lgwan", kind: .lgwan, networks: [IPPrefix("10.20.0.0/16")!])])
        config.tunnelPorts = TunnelPorts(vxlan: [8472], geneve: [])!
        let v = Verifier(policy: Policy(config), flowCapacity: 64)
        let inner = F.tcpFrame("10.20.3.4", 40001, "10.20.9.9", 445, flags: 2)
        let vxlan: [UInt8] = [0x08, 0, 0, 0, 0, 0x13, 0x89, 0]  // VNI 5001
        let geneve: [UInt8] = [0, 0, 0x65, 0x58, 0, 0x17, 0x71, 0]  // VNI 6001, Ethernet
        func datagram(_ sport: UInt16, _ dport: UInt16, _ payload: [UInt8]) -> [UInt8] {
            F.ethernet(F.ipv4("10.20.0.11", "10.20.0.12", proto: 17, F.udp(sport, dport, payload: payload)))
        }
        let frames = [
            datagram(49152, 4789, vxlan + inner), datagram(49153, 6081, geneve + inner),
            datagram(49154, 8472, vxlan + inner), F.udpFrame("10.20.0.13", 8472, "10.20.0.14", 40000),
        ]
        v.processBatch(frames.enumerated().map { (time: t0 + Int64($0.offset), bytes: $0.element) })
        let c = v.counters
        XCTAssertEqual(c.unopenedTunnelFlows[UnopenedTunnel.vxlan.rawValue], 2, "to 4789, and from 8472")
        XCTAssertEqual(c.unopenedTunnelFlows[UnopenedTunnel.geneve.rawValue], 1)
        XCTAssertEqual(c.unopenedTunnelFlowsTotal, 3, "8472 is decoded: its VXLAN is opened, a flow from it is not")
        XCTAssertEqual(c.flows, 4, "two outer flows, the VXLAN segment's inner flow, the flow from 8472")
    }
}
