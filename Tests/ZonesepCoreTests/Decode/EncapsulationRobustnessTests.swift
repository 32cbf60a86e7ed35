import XCTest
import ZonesepCore
import ZonesepTestSupport

/// Tunnels nested in every order: cuts at every offset, nesting past the limit, every tunnel anomaly,
/// random corruption. The decoder never traps, never invents, and ends each frame in one coverage class.
final class EncapsulationRobustnessTests: XCTestCase {
    typealias B = Build

    /// Valid frames through each encapsulation, several nested, each ending in the host's TCP SYN.
    static var tunnelFrames: [(String, LinkType, [UInt8])] {
        let host = B.hostFrame()
        let tagged = B.hostFrame(tags: [(0x8100, 120)])
        return [
            ("three tags", .ethernet, B.hostFrame(tags: [(0x88a8, 1), (0x8100, 2), (0x8100, 3)])),
            ("e-tag", .ethernet, B.ethernet(type: 0x893f, B.eTag(type: 0x0800, B.hostPacket))),
            ("vn-tag", .ethernet, B.ethernet(type: 0x8926, B.vnTag(type: 0x0800, B.hostPacket))),
            ("mpls", .ethernet, B.ethernet(type: 0x8847, B.mpls([16, 17], B.hostPacket))),
            ("mpls pseudowire", .ethernet, B.ethernet(type: 0x8847, B.mpls([16], [0, 0, 0, 0] + tagged))),
            ("pppoe", .ethernet, B.ethernet(type: 0x8864, B.pppoe(session: 3, proto: 0x0021, B.hostPacket))),
            (
                "gre keyed", .ethernet,
                B.outer(proto: 47, B.gre(type: 0x0800, checksum: true, key: 5, sequence: 1, B.hostPacket))
            ),
            ("gre ethernet", .ethernet, B.outer(proto: 47, B.gre(type: 0x6558, tagged))),
            ("erspan i", .ethernet, B.outer(proto: 47, B.erspanI(host))),
            ("erspan ii", .ethernet, B.outer(proto: 47, B.erspanII(session: 9, tagged))),
            (
                "erspan iii", .ethernet,
                B.outer(proto: 47, B.erspanIII(session: 9, platform: [0, 0, 0, 0, 0, 0, 0, 0], host))
            ),
            ("vxlan", .ethernet, B.outerUDP(dst: 4789, B.vxlan(vni: 7, tagged))),
            ("geneve", .ethernet, B.outerUDP(dst: 6081, B.geneve(vni: 7, options: [0, 1, 2, 1, 0, 0, 0, 0], host))),
            ("ipip", .ethernet, B.outer(proto: 4, B.hostPacket)),
            ("etherip", .ethernet, B.outer(proto: 97, B.etherIP(tagged))),
            ("srv6 layer 2", .ethernet, B.outer(proto: 143, tagged)),
            ("mpls in ip", .ethernet, B.outer(proto: 137, B.mpls([16, 17], B.hostPacket))),
            ("mpls in udp", .ethernet, B.outerUDP(dst: 6635, B.mpls([18], B.hostPacket))),
            ("ah tunnel mode", .ethernet, B.outer(proto: 51, B.authenticationHeader(next: 4) + B.hostPacket)),
            ("erspan ii, tag taken off", .ethernet, B.outer(proto: 47, B.erspanII(session: 9, vlan: 120, en: 2, host))),
            ("ppp link", .ppp, [0xff, 0x03, 0x00, 0x21] + B.hostPacket),
            ("chdlc link", .ciscoHDLC, [0x0f, 0x00, 0x08, 0x00] + B.hostPacket),
            (
                "vxlan in erspan ii", .ethernet,
                B.outer(proto: 47, B.erspanII(session: 1, B.outerUDP(dst: 4789, B.vxlan(vni: 70, tagged))))
            ),
            (
                "gre in mpls in pppoe", .ethernet,
                B.ethernet(
                    tags: [(0x8100, 10)], type: 0x8864,
                    B.pppoe(
                        session: 1, proto: 0x0281,
                        B.mpls(
                            [99],
                            B.ipv4(src: "192.0.2.1", dst: "192.0.2.2", proto: 47, B.gre(type: 0x0800, B.hostPacket)))))
            ),
            (
                "geneve over ipv6 in 6in4", .ethernet,
                B.ethernet(
                    type: 0x0800,
                    B.ipv4(
                        src: "192.0.2.1", dst: "192.0.2.2", proto: 41,
                        B.ipv6(
                            src: "2001:db8::1", dst: "2001:db8::2", next: 17,
                            B.udp(src: 1, dst: 6081, B.geneve(vni: 3, type: 0x0800, B.hostPacket)))))
            ),
        ]
    }

    func testEveryTunnelFrameReachesTheHostsPacket() {
        for (name, link, frame) in Self.tunnelFrames {
            let p = decode(frame, link)
            XCTAssertEqual(p.outcome, .ip, name)
            XCTAssertEqual(p.src, B.address("10.20.3.4"), name)
            XCTAssertEqual(p.dst, B.address("10.30.7.8"), name)
            XCTAssertEqual(p.srcPort, 51512, name)
            XCTAssertEqual(p.dstPort, 445, name)
            XCTAssertEqual(p.coverage, .judged, name)
            assertConsistent(p, name)
        }
        let nested = decode(Self.tunnelFrames.first { $0.0 == "vxlan in erspan ii" }!.2)
        XCTAssertEqual(nested.tunnels.map(\.type), [.erspanII, .vxlan])
        XCTAssertEqual(nested.tunnels.map(\.identifier), [1, 70])
        XCTAssertEqual(nested.vni, 70)
        XCTAssertEqual(nested.vlans, [120])
        let carrier = decode(Self.tunnelFrames.first { $0.0 == "gre in mpls in pppoe" }!.2)
        XCTAssertEqual(carrier.tunnels.map(\.type), [.pppoe, .mpls, .gre])
        XCTAssertEqual(carrier.vlans, [])
    }

    /// Every prefix: a truncation anomaly until the frame decodes, and then the full frame's values; the
    /// tunnels found so far are the full frame's first ones.
    func testCutAtEveryOffset() {
        for (name, link, frame) in Self.tunnelFrames {
            let full = decode(frame, link)
            var becameValid = false
            for length in 0..<frame.count {
                let p = decode(Array(frame.prefix(length)), link)
                let what = "\(name) cut at \(length)"
                assertConsistent(p, what)
                XCTAssertLessThanOrEqual(p.tunnels.count, full.tunnels.count, what)
                for (i, layer) in p.tunnels.enumerated() { XCTAssertEqual(layer, full.tunnels[i], what) }
                if let anomaly = p.anomaly {
                    XCTAssertTrue(anomaly.name.hasSuffix("-truncated"), "\(what): \(anomaly.name)")
                    XCTAssertFalse(becameValid, "\(what): malformed after a shorter prefix decoded")
                } else {
                    becameValid = true
                    XCTAssertEqual(p.outcome, full.outcome, what)
                    XCTAssertEqual(p.src, full.src, what)
                    XCTAssertEqual(p.dstPort, full.dstPort, what)
                    XCTAssertEqual(p.tunnels.count, full.tunnels.count, what)
                }
                if p.tunnels.count == full.tunnels.count && p.ipVersion != 0 {
                    XCTAssertEqual(p.src, full.src, what)
                    XCTAssertEqual(p.dst, full.dst, what)
                }
            }
            XCTAssertTrue(becameValid || frame.count > 0, name)
        }
    }

    /// Eight layers decode; a ninth of any kind is `encapsulationTooDeep`.
    func testNestingPastTheLimit() {
        func ipip(_ depth: Int) -> [UInt8] {
            var packet = B.hostPacket
            for _ in 0..<depth { packet = B.ipv4(src: "192.0.2.1", dst: "192.0.2.2", proto: 4, packet) }
            return B.ethernet(type: 0x0800, packet)
        }
        let eight = decode(ipip(8))
        assertHostSYN(eight, macs: false)
        XCTAssertEqual(eight.tunnels.count, 8)
        XCTAssertEqual(eight.depth, 8)
        let nine = decode(ipip(9))
        XCTAssertEqual(nine.outcome, .malformed)
        XCTAssertEqual(nine.anomaly, .encapsulationTooDeep)
        XCTAssertEqual(nine.coverage, .malformed(.encapsulationTooDeep))
        XCTAssertEqual(nine.tunnels.count, 8)
        assertConsistent(nine)

        // Mixed: VXLAN in GRE in ... nine deep, the ninth an E-tag.
        var frame = B.ethernet(type: 0x893f, B.eTag(type: 0x0800, B.hostPacket))
        for i in 0..<8 {
            frame =
                i % 2 == 0
                ? B.outerUDP(dst: 4789, B.vxlan(vni: UInt32(i), frame))
                : B.outer(proto: 47, B.gre(type: 0x6558, frame))
        }
        XCTAssertEqual(decode(frame).anomaly, .encapsulationTooDeep)
        // One fewer is fine.
        var fine = B.hostFrame()
        for i in 0..<8 { fine = B.outerUDP(dst: 4789, B.vxlan(vni: UInt32(i), fine)) }
        let p = decode(fine)
        assertHostSYN(p)
        XCTAssertEqual(p.vni, 0, "the innermost VXLAN's")
    }

    /// One frame per anomaly only a tunnel reaches.
    static let anomalyCases: [(DecodeAnomaly, LinkType, [UInt8])] = [
        (.eTagTruncated, .ethernet, B.ethernet(type: 0x893f, [0x20, 0])),
        (.hsrTruncated, .ethernet, B.ethernet(type: 0x892f, [0x00, 0x2e, 0x00])),
        (.vnTagTruncated, .ethernet, B.ethernet(type: 0x8926, [0x80])),
        (.mplsTruncated, .ethernet, B.ethernet(type: 0x8847, [0, 1, 0])),
        (.pppoeTruncated, .ethernet, B.ethernet(type: 0x8864, [0x11, 0])),
        (
            .pppoeBadHeader, .ethernet,
            B.ethernet(type: 0x8864, B.pppoe(session: 1, proto: 0x21, header: 0x12, B.hostPacket))
        ),
        (.pppTruncated, .ppp, [0xff]),
        (.greTruncated, .ethernet, B.outer(proto: 47, [0x20, 0, 8, 0, 1])),
        (.greBadVersion, .ethernet, B.outer(proto: 47, B.gre(type: 0x0800, version: 3, B.hostPacket))),
        (.erspanTruncated, .ethernet, B.outer(proto: 47, Array(B.erspanII(session: 1, []).prefix(12)))),
        (.erspanBadVersion, .ethernet, B.outer(proto: 47, B.erspanII(session: 1, version: 3, B.hostFrame()))),
        (.vxlanTruncated, .ethernet, B.outerUDP(dst: 4789, [8, 0, 0])),
        (.geneveTruncated, .ethernet, B.outerUDP(dst: 6081, Array(B.geneve(vni: 1, type: 0x0800, []).prefix(4)))),
        (.geneveBadVersion, .ethernet, B.outerUDP(dst: 6081, B.geneve(vni: 1, version: 2, B.hostFrame()))),
        (.sctpTruncated, .ethernet, B.outer(proto: 132, [0, 1, 0, 2])),
        (.etheripTruncated, .ethernet, B.outer(proto: 97, [0x30])),
        (.etheripBadVersion, .ethernet, B.outer(proto: 97, B.etherIP(version: 2, B.hostFrame()))),
        (.cmdTruncated, .ethernet, B.ethernet(type: 0x8909, [1, 1, 0, 1])),
        (
            .encapsulationTooDeep, .ethernet,
            B.ethernet(type: 0x893f, (0..<9).reduce(B.hostPacket) { inner, _ in B.eTag(type: 0x893f, inner) })
        ),
    ]

    func testEveryTunnelAnomalyIsReachable() {
        var seen = Set<DecodeAnomaly>()
        for (expected, link, frame) in Self.anomalyCases {
            let p = decode(frame, link)
            XCTAssertEqual(p.outcome, .malformed, expected.name)
            XCTAssertEqual(p.anomaly, expected, expected.name)
            XCTAssertEqual(p.coverage, .malformed(expected), expected.name)
            assertConsistent(p, expected.name)
            seen.insert(expected)
        }
        XCTAssertEqual(seen, DecodeRobustnessTests.tunnelAnomalies)
    }

    /// Random corruptions of tunnel frames, on their link types and others: no trap, invariants hold, and
    /// every coverage class turns up.
    func testCorruptedTunnelFrames() {
        var rng = SplitMix64(seed: 0x7011_e1ed)
        let frames = Self.tunnelFrames
        var classes = Set<String>()
        for i in 0..<20_000 {
            var (_, link, bytes) = frames[Int(rng.next() % UInt64(frames.count))]
            if i % 10 == 0 { link = LinkType.allCases[Int(rng.next() % UInt64(LinkType.allCases.count))] }
            for _ in 0..<(1 + Int(rng.next() % 3)) {
                bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next())
            }
            if rng.next() % 3 == 0 { bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count + 1)))) }
            let p = decode(bytes, link)
            assertConsistent(p, "corrupted frame \(i) on \(link.name): \(bytes)")
            switch p.coverage {
            case .judged: classes.insert("judged")
            case .noIP: classes.insert("no IP")
            case .malformed: classes.insert("malformed")
            case .notVerified: classes.insert("not verified")
            }
        }
        XCTAssertEqual(classes, ["judged", "no IP", "malformed", "not verified"])
    }

    func testNotVerifiedEtherTypes() {
        let nsh = decode(B.ethernet(type: 0x894f, [0, 0, 0, 0]))
        XCTAssertEqual(nsh.outcome, .notIP)
        XCTAssertEqual(nsh.coverage, .notVerified(.etherType, 0x894f))
        XCTAssertEqual(nsh.coverage.description, "EtherType 0x894f")
        let macsec = decode(B.hostFrame().prefix(12) + B.be16(0x88e5) + [0x2c, 0, 0, 0, 0, 1])
        XCTAssertFalse(macsec.coverage.isVerified)
        for noIP: UInt16 in [0x88cc, 0x8809, 0x888e, 38] {
            XCTAssertEqual(decode(B.ethernet(type: noIP, [0, 0, 0, 0])).coverage, .noIP, "\(noIP)")
        }
        let arp = B.arp(senderIP: "10.20.0.5", targetIP: "10.20.0.1")
        XCTAssertEqual(decode(B.ethernet(type: 0x0806, arp)).coverage, .noIP)
        // Inside a tunnel too.
        let arpInVXLAN = decode(B.outerUDP(dst: 4789, B.vxlan(vni: 1, B.ethernet(type: 0x0806, arp))))
        XCTAssertEqual(arpInVXLAN.coverage, .noIP)
        XCTAssertEqual(arpInVXLAN.tunnels.count, 1)
    }

    /// A value reused for a tunnelled frame, then a plain one: nothing of the first remains.
    func testReuseAfterATunnel() {
        var p = DecodedPacket()
        let first = B.outer(
            proto: 47, B.erspanII(session: 1, B.outerUDP(dst: 4789, B.vxlan(vni: 70, B.hostFrame(tags: [(0x8100, 5)]))))
        )
        first.withUnsafeBytes { PacketDecoder.decode($0, linkType: .ethernet, into: &p) }
        XCTAssertEqual(p.tunnels.count, 2)
        let plain = B.ethernet(type: 0x0800, B.ipv4(proto: 17, B.udp(src: 1, dst: 2)))
        plain.withUnsafeBytes { PacketDecoder.decode($0, linkType: .ethernet, into: &p) }
        XCTAssertTrue(p.tunnels.isEmpty)
        XCTAssertFalse(p.hasVNI)
        XCTAssertEqual(p.vni, 0)
        XCTAssertEqual(p.depth, 0)
        XCTAssertEqual(p.vlans, [])
        XCTAssertNil(p.notVerified)
        XCTAssertEqual(p.coverage, .judged)
    }
}
