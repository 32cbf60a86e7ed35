import XCTest
import ZonesepCore
import ZonesepTestSupport

/// The fast lane's decoder against the full one: it accepts the common shapes, refuses every other, and
/// on every frame it accepts — valid, cut short or corrupted — reaches exactly PacketDecoder's tuple.
final class CommonFrameDecoderTests: XCTestCase {
    typealias B = Build

    func common(_ bytes: [UInt8]) -> CommonFrame? {
        var f = CommonFrame()
        return bytes.withUnsafeBytes { CommonFrameDecoder.decode($0, into: &f) } ? f : nil
    }

    /// Holds an accepted frame to PacketDecoder's reading of it.
    func assertAgrees(_ bytes: [UInt8], _ f: CommonFrame, _ what: String, line: UInt = #line) {
        let p = decode(bytes)
        XCTAssertEqual(p.outcome, .ip, what, line: line)
        XCTAssertTrue(p.hasPorts, what, line: line)
        XCTAssertFalse(p.hasInner || p.isFragment, what, line: line)
        XCTAssertEqual(p.src, f.src, what, line: line)
        XCTAssertEqual(p.dst, f.dst, what, line: line)
        XCTAssertEqual(p.srcPort, f.srcPort, what, line: line)
        XCTAssertEqual(p.dstPort, f.dstPort, what, line: line)
        XCTAssertEqual(p.proto, f.proto, what, line: line)
        XCTAssertEqual(p.proto == 6 ? p.tcpFlags : 0, f.tcpFlags, what, line: line)
        XCTAssertEqual(FlowKey.packVLANs(count: p.vlanCount, outer: p.vlan0, inner: p.vlan1), f.vlans, what, line: line)
    }

    static var commonShapes: [(String, [UInt8])] {
        [
            ("tcp4", B.ethernet(type: 0x0800, B.ipv4(proto: 6, B.tcp(src: 40000, dst: 445, flags: 0x18, [1, 2])))),
            ("tcp4 DF", B.ethernet(type: 0x0800, B.ipv4(proto: 6, dontFragment: true, B.tcp(flags: 0x10)))),
            ("udp4", B.ethernet(type: 0x0800, B.ipv4(proto: 17, B.udp(src: 5353, dst: 53, [9])))),
            ("tcp4 total 0 (TSO)", B.ethernet(type: 0x0800, B.ipv4(proto: 6, totalLength: 0, B.tcp(flags: 2)))),
            ("tcp4 padded", B.ethernet(type: 0x0800, B.ipv4(proto: 6, B.tcp(flags: 2))) + [0, 0, 0, 0, 0, 0]),
            ("tcp4 in a VLAN", B.ethernet(tags: [(0x8100, 42)], type: 0x0800, B.ipv4(proto: 6, B.tcp(flags: 0x11)))),
            ("udp4 in an 802.1ad tag", B.ethernet(tags: [(0x88a8, 7)], type: 0x0800, B.ipv4(proto: 17, B.udp()))),
            ("tcp6", B.ethernet(type: 0x86dd, B.ipv6(next: 6, B.tcp(src: 443, dst: 50000, flags: 0x12)))),
            ("udp6", B.ethernet(type: 0x86dd, B.ipv6(next: 17, B.udp(src: 546, dst: 547)))),
            ("udp6 length 0 (jumbogram)", B.ethernet(type: 0x86dd, B.ipv6(next: 17, B.udp(length: 0)))),
            (
                "udp4 length 0 in total length 0 (BIG TCP)",
                B.ethernet(type: 0x0800, B.ipv4(proto: 17, totalLength: 0, B.udp(length: 0)))
            ),
            ("tcp6 in a VLAN", B.ethernet(tags: [(0x8100, 4095)], type: 0x86dd, B.ipv6(next: 6, B.tcp(flags: 4)))),
        ]
    }

    static var otherShapes: [(String, [UInt8])] {
        [
            ("IPv4 options", B.ethernet(type: 0x0800, B.ipv4(proto: 6, options: [1, 1, 1, 0], B.tcp(flags: 2)))),
            ("first fragment", B.ethernet(type: 0x0800, B.ipv4(proto: 17, moreFragments: true, B.udp()))),
            ("later fragment", B.ethernet(type: 0x0800, B.ipv4(proto: 17, fragmentOffset: 8, B.udp()))),
            ("ICMP", B.ethernet(type: 0x0800, B.ipv4(proto: 1, B.icmp(type: 8, id: 1)))),
            ("GRE", B.ethernet(type: 0x0800, B.ipv4(proto: 47, [0, 0, 8, 0]))),
            ("QinQ", B.ethernet(tags: [(0x88a8, 1), (0x8100, 2)], type: 0x0800, B.ipv4(proto: 6, B.tcp(flags: 2)))),
            (
                "IPv6 extension header",
                B.ethernet(type: 0x86dd, B.ipv6(next: 0, B.extensionHeader(next: 6) + B.tcp(flags: 2)))
            ),
            ("ICMPv6", B.ethernet(type: 0x86dd, B.ipv6(next: 58, B.icmp(type: 128)))),
            ("ARP", B.ethernet(type: 0x0806, [UInt8](repeating: 0, count: 28))),
            ("TCP data offset 4", B.ethernet(type: 0x0800, B.ipv4(proto: 6, B.tcp(flags: 2, dataOffset: 4)))),
            ("UDP length 4", B.ethernet(type: 0x0800, B.ipv4(proto: 17, B.udp(length: 4)))),
            ("total length 12", B.ethernet(type: 0x0800, B.ipv4(proto: 6, totalLength: 12, B.tcp(flags: 2)))),
            ("TCP cut at 13 bytes", B.ethernet(type: 0x0800, Array(B.ipv4(proto: 6, B.tcp(flags: 2)).prefix(33)))),
            ("IPv4 version 7", B.ethernet(type: 0x0800, B.ipv4(proto: 6, version: 7, B.tcp(flags: 2)))),
            // A tunnel's outer tuple is never a flow's: VXLAN, Geneve and MPLS in UDP are UDP, GRE and IP in IP
            // are not.
            ("VXLAN", B.outerUDP(dst: 4789, B.vxlan(vni: 5, B.hostFrame()))),
            ("VXLAN on 8472", B.outerUDP(dst: 8472, B.vxlan(vni: 5, B.hostFrame()))),
            ("Geneve", B.outerUDP(dst: 6081, B.geneve(vni: 5, B.hostFrame()))),
            ("MPLS in UDP", B.outerUDP(dst: 6635, B.mpls([2003], B.hostPacket))),
            (
                "MPLS in UDP over IPv6",
                B.ethernet(type: 0x86dd, B.ipv6(next: 17, B.udp(src: 50000, dst: 6635, B.mpls([7], B.hostPacket))))
            ),
            (
                "VXLAN over IPv6 in a VLAN",
                B.ethernet(
                    tags: [(0x8100, 3)], type: 0x86dd,
                    B.ipv6(next: 17, B.udp(src: 50000, dst: 4789, B.vxlan(vni: 5, B.hostFrame()))))
            ),
            ("ERSPAN II", B.outer(proto: 47, B.erspanII(session: 1, B.hostFrame()))),
            ("IP in IP", B.outer(proto: 4, B.hostPacket)),
            ("EtherIP", B.outer(proto: 97, B.etherIP(B.hostFrame()))),
            ("SRv6 layer 2", B.outer(proto: 143, B.hostFrame())),
            ("MPLS in IP", B.outer(proto: 137, B.mpls([2002], B.hostPacket))),
            ("AH", B.outer(proto: 51, B.authenticationHeader(next: 6) + B.tcp(flags: 2))),
            ("SCTP", B.outer(proto: 132, B.sctp(src: 1, dst: 2))),
        ]
    }

    func testAcceptsTheCommonShapesWithPacketDecodersTuple() {
        for (name, bytes) in Self.commonShapes {
            guard let f = common(bytes) else {
                XCTFail("\(name) refused")
                continue
            }
            assertAgrees(bytes, f, name)
        }
    }

    func testRefusesEveryOtherShape() {
        for (name, bytes) in Self.otherShapes { XCTAssertNil(common(bytes), name) }
    }

    /// The ports it refuses are the configured ones: another port is an ordinary datagram.
    func testRefusesTheConfiguredTunnelPorts() throws {
        let ports = try XCTUnwrap(TunnelPorts(vxlan: [9999], geneve: []))
        func common(_ bytes: [UInt8], _ ports: TunnelPorts) -> Bool {
            var f = CommonFrame()
            return bytes.withUnsafeBytes { CommonFrameDecoder.decode($0, tunnelPorts: ports, into: &f) }
        }
        XCTAssertFalse(common(B.outerUDP(dst: 9999, B.vxlan(vni: 5, B.hostFrame())), ports))
        XCTAssertTrue(common(B.outerUDP(dst: 4789, B.vxlan(vni: 5, B.hostFrame())), ports))
        XCTAssertFalse(common(B.outerUDP(dst: 4789, B.vxlan(vni: 5, B.hostFrame())), .standard))
        // A TCP segment to a tunnel port is TCP.
        XCTAssertTrue(common(B.outer(proto: 6, B.tcp(src: 1, dst: 4789, flags: 2)), .standard))
    }

    /// `read` names the outside of each tunnel the fast lane may open (IPv4, no options, not a fragment,
    /// carrying GRE or UDP to a VXLAN or Geneve port) and where its header starts and the datagram ends,
    /// so `CommonTunnelDecoder` need not read the outer headers again; any other refused frame is `.other`.
    func testReadSaysWhereATunnelStarts() {
        func read(_ bytes: [UInt8]) -> CommonFrameShape {
            var f = CommonFrame()
            return bytes.withUnsafeBytes { CommonFrameDecoder.read($0, tunnelPorts: .standard, into: &f) }
        }
        let erspan = B.outer(proto: 47, B.erspanII(session: 1, B.hostFrame()))
        XCTAssertEqual(read(erspan).tunnel, .gre)
        XCTAssertEqual(read(erspan).payloadStart, 34)
        XCTAssertEqual(read(erspan).payloadEnd, erspan.count)
        let vxlan = B.outerUDP(dst: 4789, B.vxlan(vni: 5, B.hostFrame()))
        XCTAssertEqual(read(vxlan).tunnel, .vxlan)
        XCTAssertEqual(read(vxlan).payloadStart, 34)
        XCTAssertEqual(read(vxlan).payloadEnd, vxlan.count)
        // Padding past the outer datagram's total length is not the tunnel's.
        XCTAssertEqual(read(vxlan + [0, 0, 0, 0]).payloadEnd, vxlan.count)
        let tagged = B.ethernet(
            tags: [(0x8100, 30)], type: 0x0800, B.ipv4(proto: 17, B.udp(src: 1, dst: 8472, B.vxlan(vni: 8, [1]))))
        XCTAssertEqual(read(tagged).tunnel, .vxlan)
        XCTAssertEqual(read(tagged).payloadStart, 38)
        XCTAssertEqual(read(tagged).payloadEnd, tagged.count)
        XCTAssertEqual(read(B.outerUDP(dst: 6081, B.geneve(vni: 5, B.hostFrame()))).tunnel, .geneve)
        // Cut short, the datagram ends where the capture does.
        XCTAssertEqual(read(Array(erspan.prefix(40))).payloadEnd, 40)
        XCTAssertEqual(read(Array(erspan.prefix(40))).tunnel, .gre)
        for (name, bytes) in [
            ("VXLAN over IPv6", B.ethernet(type: 0x86dd, B.ipv6(next: 17, B.udp(dst: 4789, B.vxlan(vni: 5, [1]))))),
            ("GRE over IPv6", B.ethernet(type: 0x86dd, B.ipv6(next: 47, B.erspanI(B.hostFrame())))),
            ("GRE, outer options", B.ethernet(type: 0x0800, B.ipv4(proto: 47, options: [1, 1, 1, 0], [0, 0, 8, 0]))),
            ("GRE, outer fragment", B.ethernet(type: 0x0800, B.ipv4(proto: 47, moreFragments: true, [0, 0, 8, 0]))),
            ("IP in IP", B.outer(proto: 4, B.hostPacket)),
            ("EtherIP", B.outer(proto: 97, B.etherIP(B.hostFrame()))),
            ("SRv6 layer 2", B.outer(proto: 143, B.hostFrame())),
            ("MPLS in IP", B.outer(proto: 137, B.mpls([2002], B.hostPacket))),
            ("AH", B.outer(proto: 51, B.authenticationHeader(next: 6) + B.tcp(flags: 2))),
            ("UDP to 53", B.outerUDP(dst: 53, [1, 2, 3])),
        ] {
            XCTAssertEqual(read(bytes), bytes == B.outerUDP(dst: 53, [1, 2, 3]) ? .common : .other, name)
        }
        // On every prefix of a tunnel, a tunnel's payload lies within what was captured.
        for bytes in [erspan, vxlan, tagged] {
            for cut in 0...bytes.count {
                let shape = read(Array(bytes.prefix(cut)))
                if shape.tunnel != nil {
                    XCTAssertTrue(shape.payloadStart >= 34 && shape.payloadStart <= shape.payloadEnd, "cut \(cut)")
                    XCTAssertTrue(shape.payloadEnd <= cut, "cut \(cut)")
                }
            }
        }
    }

    /// Every prefix and thousands of corruptions of the common shapes: whatever it accepts, PacketDecoder
    /// reads the same way. Also counts acceptances, so a decoder that refused everything would fail.
    func testAgreesWithPacketDecoderOnCutAndCorruptedFrames() {
        let (accepted, refused) = cutAndCorrupted(
            Self.commonShapes + Self.otherShapes, corruptions: 400, headerBytes: 58, seed: 0x5eed_c0de
        ) { frame, what in
            guard let f = common(frame) else { return false }
            assertAgrees(frame, f, what)
            return true
        }
        XCTAssertGreaterThan(accepted, 2_000)
        XCTAssertGreaterThan(refused, 2_000)
    }
}
