import XCTest
import ZonesepCore

/// MPLS in IP (IP protocol 137) and MPLS in UDP (destination port 6635): the labelled packet is judged, its
/// `mpls` layer with the outer addresses; the UDP datagram to 6635 is never a flow of its own.
final class MPLSOverIPDecoderTests: XCTestCase {
    func testMPLSInIP() {
        let p = decode(Build.outer(proto: 137, Build.mpls([16, 2002], Build.hostPacket)))
        assertHostSYN(p, macs: false)
        XCTAssertEqual(p.tunnels.count, 1)
        assertOuter(p.tunnels[0], .mpls, id: 2002)
        let v6 = decode(
            Build.ethernet(
                type: 0x86dd,
                Build.ipv6(next: 137, Build.mpls([9], Build.ipv6(next: 6, Build.tcp(src: 1, dst: 445, flags: 2))))))
        XCTAssertEqual(v6.outcome, .ip)
        XCTAssertEqual(v6.dstPort, 445)
        XCTAssertEqual(v6.tunnels.map(\.type), [.mpls])
        let pseudowire = decode(Build.outer(proto: 137, Build.mpls([7], [0, 0, 0, 0] + Build.hostFrame())))
        assertHostSYN(pseudowire)
    }

    func testMPLSInUDP() {
        let p = decode(Build.outerUDP(dst: 6635, Build.mpls([100, 2003], Build.hostPacket)))
        assertHostSYN(p, macs: false)
        assertOuter(p.tunnels[0], .mpls, id: 2003)
        // From 6635 is a reply's source port, not MPLS in UDP (only the destination says so).
        let from = decode(Build.outer(proto: 17, Build.udp(src: 6635, dst: 40000, Build.mpls([1], Build.hostPacket))))
        XCTAssertTrue(from.tunnels.isEmpty)
        XCTAssertEqual(from.dstPort, 40000)
        // A port configured as VXLAN wins.
        let ports = TunnelPorts(vxlan: [6635], geneve: [])!
        var vxlan = DecodedPacket()
        Build.outerUDP(dst: 6635, Build.vxlan(vni: 4, Build.hostFrame())).withUnsafeBytes {
            PacketDecoder.decode($0, linkType: .ethernet, tunnelPorts: ports, into: &vxlan)
        }
        XCTAssertEqual(vxlan.tunnels.map(\.type), [.vxlan])
    }

    func testCutShort() {
        let udp = decode(Build.outerUDP(dst: 6635, [0, 1, 0]))
        XCTAssertEqual(udp.coverage, .malformed(.mplsTruncated))
        XCTAssertFalse(udp.hasPorts, "a cut tunnel header is not a UDP flow")
        assertConsistent(udp)
        let ip = decode(Build.outer(proto: 137, [0, 1]))
        XCTAssertEqual(ip.coverage, .malformed(.mplsTruncated))
        assertConsistent(ip)
    }
}
