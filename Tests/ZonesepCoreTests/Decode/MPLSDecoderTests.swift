import XCTest
import ZonesepCore

/// MPLS label stacks: the payload by the first nibble after the bottom label.
final class MPLSDecoderTests: XCTestCase {
    func testIPv4AfterAStackOfThree() {
        let p = decode(Build.ethernet(type: 0x8847, Build.mpls([16, 17, 100_001], Build.hostPacket)))
        assertHostSYN(p, macs: false)
        XCTAssertEqual(p.tunnels.count, 1)
        XCTAssertEqual(p.tunnels[0].type, .mpls)
        XCTAssertNil(p.tunnels[0].addresses, "MPLS on a link has no outer IP header")
        XCTAssertEqual(p.tunnels[0].identifier, 100_001, "the bottom label")
        XCTAssertFalse(p.hasVNI)
    }

    func testIPv6AndMulticast() {
        let v6 = Build.ipv6(next: 17, Build.udp(src: 5000, dst: 53))
        let p = decode(Build.ethernet(type: 0x8848, Build.mpls([3000], v6)))
        XCTAssertEqual(p.outcome, .ip)
        XCTAssertEqual(p.ipVersion, 6)
        XCTAssertEqual(p.dstPort, 53)
    }

    func testEthernetPseudowireAfterAControlWord() {
        let p = decode(
            Build.ethernet(type: 0x8847, Build.mpls([20, 30], [0, 0, 0, 1] + Build.hostFrame(tags: [(0x8100, 7)]))))
        assertHostSYN(p)
        XCTAssertEqual(p.vlans, [7])
    }

    func testOtherPayloads() {
        // The associated channel (OAM): no IP inside.
        let ach = decode(Build.ethernet(type: 0x8847, Build.mpls([13], [0x10, 0, 0, 0x21, 1, 2, 3, 4])))
        XCTAssertEqual(ach.coverage, .noIP)
        // A pseudowire without a control word: not something the first nibble can tell.
        let other = decode(Build.ethernet(type: 0x8847, Build.mpls([13], [0xa2, 0, 0, 0, 1, 2, 3, 4])))
        XCTAssertEqual(other.outcome, .notIP)
        XCTAssertEqual(other.coverage, .notVerified(.mplsPayload, 0xa))
        assertConsistent(other)
    }

    func testCutShort() {
        let frame = Build.ethernet(type: 0x8847, Build.mpls([16, 17], [0, 0, 0, 0]))
        for cut in 14..<(14 + 12) {
            let p = decode(Array(frame.prefix(cut)))
            XCTAssertEqual(p.anomaly, .mplsTruncated, "cut at \(cut)")
            assertConsistent(p)
        }
        // After the control word an Ethernet header is due.
        XCTAssertEqual(decode(frame).anomaly, .linkTruncated)
    }

    func testMPLSInGRE() {
        let p = decode(Build.outer(proto: 47, Build.gre(type: 0x8847, Build.mpls([500], Build.hostPacket))))
        assertHostSYN(p, macs: false)
        XCTAssertEqual(p.tunnels.map(\.type), [.gre, .mpls])
        assertOuter(p.tunnels[0], .gre, id: nil)
        XCTAssertEqual(p.tunnels[1].identifier, 500)
    }
}
