import XCTest
import ZonesepCore

/// ERSPAN types I, II and III: the mirrored frame, its session, and the type III subheader and frame types.
final class ERSPANDecoderTests: XCTestCase {
    func testTypeI() {
        let p = decode(Build.outer(proto: 47, Build.erspanI(Build.hostFrame())))
        assertHostSYN(p)
        XCTAssertEqual(p.tunnels.count, 1)
        assertOuter(p.tunnels[0], .erspanI, id: nil)
    }

    func testTypeIIWithAVLANInside() {
        let p = decode(
            Build.outer(proto: 47, Build.erspanII(session: 0x3ff, vlan: 99, Build.hostFrame(tags: [(0x8100, 120)]))))
        assertHostSYN(p)
        assertOuter(p.tunnels[0], .erspanII, id: 0x3ff)
        XCTAssertEqual(p.vlans, [120], "the tag in the mirrored frame, not the header's VLAN field")
        XCTAssertFalse(p.hasVNI, "a session never splits a flow")
    }

    /// En 2 (802.1Q) or 1 (ISL): the switch took the frame's tag off and put its VLAN in the header. It is the
    /// untagged frame's own outermost tag; a tag the frame still carries wins, and with En 0 or 3 the field
    /// (the port's VLAN, or undefined) is not used.
    func testTypeIITagTakenOffTheFrame() {
        for en: UInt8 in [1, 2] {
            let p = decode(Build.outer(proto: 47, Build.erspanII(session: 100, vlan: 110, en: en, Build.hostFrame())))
            assertHostSYN(p, "En \(en)")
            assertOuter(p.tunnels[0], .erspanII, id: 100)
            XCTAssertEqual(p.vlans, [110], "En \(en): the header's VLAN is the frame's")
        }
        let kept = decode(
            Build.outer(proto: 47, Build.erspanII(session: 1, vlan: 110, en: 2, Build.hostFrame(tags: [(0x8100, 120)])))
        )
        XCTAssertEqual(kept.vlans, [120], "the frame's own tag, not the header's as well")
        let qinq = decode(
            Build.outer(
                proto: 47,
                Build.erspanII(session: 1, vlan: 5, en: 2, Build.hostFrame(tags: [(0x88a8, 1000), (0x8100, 120)]))))
        XCTAssertEqual(qinq.vlans, [1000, 120])
        for en: UInt8 in [0, 3] {
            let p = decode(Build.outer(proto: 47, Build.erspanII(session: 1, vlan: 110, en: en, Build.hostFrame())))
            assertHostSYN(p)
            XCTAssertEqual(p.vlans, [], "En \(en): the VLAN field is not the frame's tag")
        }
        // Inside VXLAN inside the mirror, the header's VLAN is the outer frame's, not the tenant's.
        let nested = decode(
            Build.outer(
                proto: 47,
                Build.erspanII(
                    session: 1, vlan: 110, en: 2, Build.outerUDP(dst: 4789, Build.vxlan(vni: 7, Build.hostFrame())))))
        assertHostSYN(nested)
        XCTAssertEqual(nested.vlans, [], "a tunnel's own frame starts without the mirror's VLAN")
        // A reused value: the next frame has no VLAN left from this one.
        var p = DecodedPacket()
        Build.outer(proto: 47, Build.erspanII(session: 1, vlan: 110, en: 2, Build.hostFrame())).withUnsafeBytes {
            PacketDecoder.decode($0, linkType: .ethernet, into: &p)
        }
        Build.hostFrame().withUnsafeBytes { PacketDecoder.decode($0, linkType: .ethernet, into: &p) }
        XCTAssertEqual(p.vlans, [])
    }

    func testTypeIIIWithAndWithoutThePlatformSubheader() {
        let plain = decode(Build.outer(proto: 47, Build.erspanIII(session: 17, Build.hostFrame())))
        assertHostSYN(plain)
        assertOuter(plain.tunnels[0], .erspanIII, id: 17)
        let platform = decode(
            Build.outer(
                proto: 47, Build.erspanIII(session: 18, platform: [0x0c, 0, 0, 0, 1, 2, 3, 4], Build.hostFrame())))
        assertHostSYN(platform)
        XCTAssertEqual(platform.tunnels[0].identifier, 18)
    }

    func testTypeIIIFrameTypes() {
        let ip = decode(Build.outer(proto: 47, Build.erspanIII(session: 1, frameType: 2, Build.hostPacket)))
        assertHostSYN(ip, macs: false)
        let other = decode(Build.outer(proto: 47, Build.erspanIII(session: 1, frameType: 7, Build.hostFrame())))
        XCTAssertEqual(other.coverage, .notVerified(.erspanFrameType, 7))
        XCTAssertEqual(other.ipVersion, 0, "the mirror session itself is not judged")
        assertConsistent(other)
    }

    func testBadVersionsAndTruncation() {
        XCTAssertEqual(
            decode(Build.outer(proto: 47, Build.erspanII(session: 1, version: 2, Build.hostFrame()))).anomaly,
            .erspanBadVersion)
        XCTAssertEqual(
            decode(Build.outer(proto: 47, Build.erspanIII(session: 1, version: 1, Build.hostFrame()))).anomaly,
            .erspanBadVersion)
        let ii = Build.erspanII(session: 1, [])
        for cut in 8..<16 {  // GRE with the sequence number is 8 bytes, then the ERSPAN header
            XCTAssertEqual(decode(Build.outer(proto: 47, Array(ii.prefix(cut)))).anomaly, .erspanTruncated, "\(cut)")
        }
        let iii = Build.erspanIII(session: 1, platform: [0, 0, 0, 0, 0, 0, 0, 0], [])
        for cut in 8..<28 {
            XCTAssertEqual(decode(Build.outer(proto: 47, Array(iii.prefix(cut)))).anomaly, .erspanTruncated, "\(cut)")
        }
        XCTAssertEqual(decode(Build.outer(proto: 47, iii)).anomaly, .linkTruncated, "the mirrored frame is due")
    }

    /// The same connection mirrored by two sessions from two switches: the same inner packet, no VNI.
    func testTwoSessionsGiveTheSameInnerPacket() {
        let a = decode(Build.outer(proto: 47, Build.erspanII(session: 1, Build.hostFrame())))
        let b = decode(
            Build.ethernet(
                type: 0x0800,
                Build.ipv4(
                    src: "198.51.100.7", dst: "192.0.2.2", proto: 47, Build.erspanIII(session: 2, Build.hostFrame()))))
        for p in [a, b] { assertHostSYN(p) }
        XCTAssertEqual(a.hasVNI, b.hasVNI)
        XCTAssertNotEqual(a.tunnels[0].src, b.tunnels[0].src)
    }
}
