import XCTest
import ZonesepCore
import ZonesepTestSupport

/// The fast lane's tunnel decoder against the full one: it accepts one ERSPAN I/II, Ethernet-in-GRE (keyed
/// or not), VXLAN or Geneve (no options) tunnel around a common frame, refuses every other shape, and on every frame it accepts — valid, cut short or corrupted —
/// reaches exactly PacketDecoder's innermost tuple, own VLANs and VNI.
final class CommonTunnelDecoderTests: XCTestCase {
    typealias B = Build

    func tunnel(_ bytes: [UInt8], _ ports: TunnelPorts = .standard) -> CommonFrame? {
        var f = CommonFrame()
        return bytes.withUnsafeBytes { CommonTunnelDecoder.decode($0, tunnelPorts: ports, into: &f) } ? f : nil
    }

    /// Holds an accepted frame to PacketDecoder's reading of it: the flow key the fast lane builds from
    /// the frame must be the one the general way builds from the decoded packet.
    func assertAgrees(
        _ bytes: [UInt8], _ f: CommonFrame, _ what: String, ports: TunnelPorts = .standard, line: UInt = #line
    ) {
        var p = DecodedPacket()
        bytes.withUnsafeBytes { PacketDecoder.decode($0, linkType: .ethernet, tunnelPorts: ports, into: &p) }
        XCTAssertEqual(p.outcome, .ip, what, line: line)
        XCTAssertNil(p.notVerified, what, line: line)
        XCTAssertTrue(p.hasPorts, what, line: line)
        XCTAssertFalse(p.hasInner || p.isFragment, what, line: line)
        XCTAssertEqual(p.tunnels.count, 1, what, line: line)
        XCTAssertEqual(p.proto == 6 ? p.tcpFlags : 0, f.tcpFlags, what, line: line)
        let full = FlowKey.canonical(
            src: p.src, srcPort: p.srcPort, dst: p.dst, dstPort: p.dstPort, proto: p.proto, vlans: p.packedVLANs,
            vni: p.virtualNetwork)
        let fast = FlowKey.canonical(
            src: f.src, srcPort: f.srcPort, dst: f.dst, dstPort: f.dstPort, proto: f.proto, vlans: f.vlans, vni: f.vni)
        XCTAssertEqual(full.key, fast.key, what, line: line)
        XCTAssertEqual(full.fromA, fast.fromA, what, line: line)
        XCTAssertEqual(full.key.hashValue64, fast.key.hashValue64, what, line: line)
        // The sender's MAC the fast lane reads at the inner Ethernet header is the one the full decode keeps.
        var again = CommonFrame()
        var inner = -1
        let accepted = bytes.withUnsafeBytes {
            CommonTunnelDecoder.decode($0, tunnelPorts: ports, into: &again, innerEthernet: &inner)
        }
        XCTAssertTrue(accepted, what, line: line)
        XCTAssertTrue(inner >= 0 && inner + 12 <= bytes.count, what, line: line)
        if inner >= 0 && inner + 12 <= bytes.count {
            let mac = bytes[(inner + 6)..<(inner + 12)].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            XCTAssertEqual(p.srcMAC?.rawValue, mac, what, line: line)
        }
    }

    static let tcp4 = B.ethernet(type: 0x0800, B.ipv4(proto: 6, B.tcp(src: 40000, dst: 445, flags: 0x18, [1, 2])))
    static let udp6 = B.ethernet(type: 0x86dd, B.ipv6(next: 17, B.udp(src: 546, dst: 547)))

    static var acceptedShapes: [(String, [UInt8])] {
        [
            ("ERSPAN I", B.outer(proto: 47, B.erspanI(tcp4))),
            ("ERSPAN II", B.outer(proto: 47, B.erspanII(session: 7, tcp4))),
            (
                "ERSPAN II, VLAN inside",
                B.outer(proto: 47, B.erspanII(session: 7, vlan: 100, B.hostFrame(tags: [(0x8100, 100)])))
            ),
            ("ERSPAN II, IPv6 inside", B.outer(proto: 47, B.erspanII(session: 1, udp6))),
            // En 2 (802.1Q) and 1 (ISL): the switch took the frame's tag off into the header's VLAN field.
            ("ERSPAN II, En 2, tag in the header", B.outer(proto: 47, B.erspanII(session: 7, vlan: 110, en: 2, tcp4))),
            ("ERSPAN II, En 1, VLAN 0", B.outer(proto: 47, B.erspanII(session: 7, vlan: 0, en: 1, udp6))),
            (
                "ERSPAN II, En 2, the frame's own tag",
                B.outer(proto: 47, B.erspanII(session: 7, vlan: 5, en: 2, B.hostFrame(tags: [(0x8100, 120)])))
            ),
            (
                "ERSPAN II, outer total 0",
                B.ethernet(type: 0x0800, B.ipv4(proto: 47, totalLength: 0, B.erspanII(session: 1, tcp4)))
            ),
            ("VXLAN", B.outerUDP(dst: 4789, B.vxlan(vni: 5001, tcp4))),
            ("VXLAN on 8472", B.outerUDP(dst: 8472, B.vxlan(vni: 5, B.hostFrame()))),
            ("VXLAN without a valid VNI", B.outerUDP(dst: 4789, B.vxlan(vni: 9, valid: false, tcp4))),
            ("VXLAN, IPv6 in a VLAN inside", B.outerUDP(dst: 4789, B.vxlan(vni: 3, B.hostFrame(tags: [(0x8100, 12)])))),
            (
                "VXLAN, outer VLAN",
                B.ethernet(
                    tags: [(0x8100, 30)], type: 0x0800,
                    B.ipv4(proto: 17, B.udp(src: 1, dst: 4789, B.vxlan(vni: 8, tcp4))))
            ),
            ("VXLAN, padded outer frame", B.outerUDP(dst: 4789, B.vxlan(vni: 2, tcp4)) + [0, 0, 0, 0]),
            ("GRE with a key, Ethernet", B.outer(proto: 47, B.gre(type: 0x6558, key: 5, tcp4))),
            (
                "GRE with a key and a sequence number",
                B.outer(proto: 47, B.gre(type: 0x6558, key: 7, sequence: 3, udp6))
            ),
            (
                "GRE with a key, VLAN inside",
                B.outer(proto: 47, B.gre(type: 0x6558, key: 0xffff_ffff, B.hostFrame(tags: [(0x8100, 120)])))
            ),
            ("GRE, Ethernet, no key", B.outer(proto: 47, B.gre(type: 0x6558, tcp4))),
            ("Geneve", B.outerUDP(dst: 6081, B.geneve(vni: 5, tcp4))),
            ("Geneve, VLAN inside", B.outerUDP(dst: 6081, B.geneve(vni: 0xff_ffff, B.hostFrame(tags: [(0x88a8, 9)])))),
        ]
    }

    static var refusedShapes: [(String, [UInt8])] {
        [
            ("plain TCP", tcp4),
            ("plain UDP", B.ethernet(type: 0x0800, B.ipv4(proto: 17, B.udp()))),
            ("GRE, IPv4", B.outer(proto: 47, B.gre(type: 0x0800, B.hostPacket))),
            ("GRE with a key, IPv4", B.outer(proto: 47, B.gre(type: 0x0800, key: 5, B.hostPacket))),
            ("GRE with a key and a checksum", B.outer(proto: 47, B.gre(type: 0x6558, checksum: true, key: 5, tcp4))),
            ("GRE with a key, version 1", B.outer(proto: 47, B.gre(type: 0x6558, key: 5, version: 1, tcp4))),
            ("GRE with a key, MPLS", B.outer(proto: 47, B.gre(type: 0x8847, key: 5, B.be32(0x0000_0140) + tcp4))),
            ("ERSPAN II version 2", B.outer(proto: 47, B.erspanII(session: 1, version: 2, tcp4))),
            (
                "ERSPAN II with a GRE checksum",
                B.outer(
                    proto: 47, B.gre(type: 0x88be, checksum: true, sequence: 1, B.be32(0x1000_0001) + B.be32(0) + tcp4))
            ),
            ("ERSPAN III", B.outer(proto: 47, B.erspanIII(session: 1, tcp4))),
            ("Geneve with options", B.outerUDP(dst: 6081, B.geneve(vni: 5, options: [0, 1, 2, 1, 0, 0, 0, 0], tcp4))),
            ("Geneve carrying IPv4", B.outerUDP(dst: 6081, B.geneve(vni: 5, type: 0x0800, B.hostPacket))),
            ("Geneve version 1", B.outerUDP(dst: 6081, B.geneve(vni: 5, version: 1, tcp4))),
            (
                "Geneve in GRE",
                B.outer(proto: 47, B.gre(type: 0x6558, key: 1, B.outerUDP(dst: 6081, B.geneve(vni: 2, tcp4))))
            ),
            (
                "VXLAN over IPv6",
                B.ethernet(type: 0x86dd, B.ipv6(next: 17, B.udp(src: 50000, dst: 4789, B.vxlan(vni: 5, tcp4))))
            ),
            ("VXLAN in VXLAN", B.outerUDP(dst: 4789, B.vxlan(vni: 1, B.outerUDP(dst: 4789, B.vxlan(vni: 2, tcp4))))),
            (
                "ERSPAN in VXLAN",
                B.outerUDP(dst: 4789, B.vxlan(vni: 1, B.outer(proto: 47, B.erspanII(session: 1, tcp4))))
            ),
            (
                "VXLAN, QinQ inside",
                B.outerUDP(dst: 4789, B.vxlan(vni: 1, B.hostFrame(tags: [(0x88a8, 1), (0x8100, 2)])))
            ),
            (
                "VXLAN, ICMP inside",
                B.outerUDP(dst: 4789, B.vxlan(vni: 1, B.ethernet(type: 0x0800, B.ipv4(proto: 1, B.icmp(type: 8)))))
            ),
            (
                "VXLAN, ARP inside",
                B.outerUDP(dst: 4789, B.vxlan(vni: 1, B.ethernet(type: 0x0806, [UInt8](repeating: 0, count: 28))))
            ),
            ("VXLAN, UDP length 4", B.outer(proto: 17, B.udp(src: 1, dst: 4789, length: 4, B.vxlan(vni: 1, tcp4)))),
            (
                "VXLAN, outer fragment",
                B.ethernet(
                    type: 0x0800, B.ipv4(proto: 17, moreFragments: true, B.udp(dst: 4789, B.vxlan(vni: 1, tcp4))))
            ),
            (
                "VXLAN, outer IPv4 options",
                B.ethernet(
                    type: 0x0800, B.ipv4(proto: 17, options: [1, 1, 1, 0], B.udp(dst: 4789, B.vxlan(vni: 1, tcp4))))
            ),
            (
                "ERSPAN II, outer total cuts the inner frame",
                B.ethernet(
                    type: 0x0800, B.ipv4(proto: 47, totalLength: 20 + 16 + 14 + 20 + 10, B.erspanII(session: 1, tcp4)))
            ),
        ]
    }

    func testAcceptsTheCommonTunnelsWithPacketDecodersKey() {
        for (name, bytes) in Self.acceptedShapes {
            guard let f = tunnel(bytes) else {
                XCTFail("\(name) refused")
                continue
            }
            assertAgrees(bytes, f, name)
        }
        // The VNI is read (and is part of the key); the ERSPAN session and the outer headers are not.
        XCTAssertEqual(tunnel(B.outerUDP(dst: 4789, B.vxlan(vni: 5001, Self.tcp4)))?.vni, 5001)
        XCTAssertNil(tunnel(B.outerUDP(dst: 4789, B.vxlan(vni: 5001, valid: false, Self.tcp4)))?.vni)
        XCTAssertEqual(tunnel(B.outer(proto: 47, B.gre(type: 0x6558, key: 0xdead_beef, Self.tcp4)))?.vni, 0xdead_beef)
        XCTAssertEqual(tunnel(B.outer(proto: 47, B.gre(type: 0x6558, key: 9, sequence: 1, Self.tcp4)))?.vni, 9)
        XCTAssertNil(tunnel(B.outer(proto: 47, B.gre(type: 0x6558, Self.tcp4)))?.vni)
        XCTAssertEqual(tunnel(B.outerUDP(dst: 6081, B.geneve(vni: 0xabcdef, Self.tcp4)))?.vni, 0xabcdef)
        XCTAssertEqual(
            tunnel(B.outer(proto: 47, B.erspanII(session: 7, vlan: 100, B.hostFrame(tags: [(0x8100, 100)]))))?.vlans,
            FlowKey.packVLANs(count: 1, outer: 100, inner: 0))
        XCTAssertEqual(
            tunnel(B.outer(proto: 47, B.erspanII(session: 7, vlan: 110, en: 2, B.hostFrame())))?.vlans,
            FlowKey.packVLANs(count: 1, outer: 110, inner: 0), "En 2: the header's VLAN is the frame's")
        XCTAssertEqual(
            tunnel(B.outer(proto: 47, B.erspanII(session: 7, vlan: 110, en: 3, B.hostFrame())))?.vlans, 0,
            "En 3: the frame keeps its tag, and has none")
    }

    func testRefusesEveryOtherShape() {
        for (name, bytes) in Self.refusedShapes { XCTAssertNil(tunnel(bytes), name) }
    }

    /// The VXLAN ports are the configured ones.
    func testVXLANOnTheConfiguredPortsOnly() throws {
        let ports = try XCTUnwrap(TunnelPorts(vxlan: [9999], geneve: []))
        let on9999 = B.outerUDP(dst: 9999, B.vxlan(vni: 5, Self.tcp4))
        let f = try XCTUnwrap(tunnel(on9999, ports))
        assertAgrees(on9999, f, "9999", ports: ports)
        XCTAssertNil(tunnel(on9999, .standard))
        XCTAssertNil(tunnel(B.outerUDP(dst: 4789, B.vxlan(vni: 5, Self.tcp4)), ports))
    }

    /// Every prefix and thousands of corruptions of each shape: whatever it accepts, PacketDecoder reads the
    /// same way. Also counts acceptances, so a decoder that refused everything would fail.
    func testAgreesWithPacketDecoderOnCutAndCorruptedFrames() {
        let (accepted, refused) = cutAndCorrupted(
            Self.acceptedShapes + Self.refusedShapes, corruptions: 600, headerBytes: 112, seed: 0x7e_c0de
        ) { frame, what in
            guard let f = tunnel(frame) else { return false }
            assertAgrees(frame, f, what)
            return true
        }
        XCTAssertGreaterThan(accepted, 3_000)
        XCTAssertGreaterThan(refused, 3_000)
    }
}
