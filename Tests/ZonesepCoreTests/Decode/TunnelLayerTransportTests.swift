import XCTest
import ZonesepCore

/// Each tunnel layer keeps its outer IP header's protocol and, in UDP, its ports: the tunnel audit judges the
/// outer pair on them (a conduit for `udp/4789` allows a VXLAN between its ends, nothing else does).
final class TunnelLayerTransportTests: XCTestCase {
    func testTheOuterProtocolAndPortsOfEachKind() {
        let cases: [(String, [UInt8], UInt8, UInt16, UInt16)] = [
            ("vxlan", Build.outerUDP(dst: 4789, Build.vxlan(vni: 5001, Build.hostFrame())), 17, 61000, 4789),
            ("geneve", Build.outerUDP(dst: 6081, Build.geneve(vni: 7, Build.hostFrame())), 17, 61000, 6081),
            ("gre", Build.outer(proto: 47, Build.gre(type: 0x0800, Build.hostPacket)), 47, 0, 0),
            ("erspan", Build.outer(proto: 47, Build.erspanII(session: 100, Build.hostFrame())), 47, 0, 0),
            ("ipip", Build.outer(proto: 4, Build.hostPacket), 4, 0, 0),
        ]
        for (name, frame, proto, sport, dport) in cases {
            let p = decode(frame)
            XCTAssertEqual(p.outcome, .ip, name)
            XCTAssertEqual(p.tunnels.count, 1, name)
            XCTAssertEqual(p.tunnels[0].proto, proto, name)
            XCTAssertEqual(p.tunnels[0].srcPort, sport, name)
            XCTAssertEqual(p.tunnels[0].dstPort, dport, name)
        }
        // A layer with no IP header outside it has no protocol either.
        let mpls = decode(Build.ethernet(type: 0x8847, Build.mpls([100_001], Build.hostPacket)))
        XCTAssertEqual(mpls.tunnels.first?.proto, 0)
        // In the padding before the addresses: the decoded packet's eight layers take no more room.
        XCTAssertEqual(MemoryLayout<TunnelLayer>.size, 48)
    }
}
