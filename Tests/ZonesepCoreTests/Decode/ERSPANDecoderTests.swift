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
