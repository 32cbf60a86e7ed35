import XCTest
import ZonesepCore

/// VLAN stacks up to eight, 802.1BR E-tags and Cisco VN-tags, in any order.
final class TagDecoderTests: XCTestCase {
    func testThreeAndEightVLANTagsAreKeptOutermostFirst() {
        let three = decode(Build.hostFrame(tags: [(0x88a8, 300), (0x9100, 20), (0x8100, 120)]))
        assertHostSYN(three)
        XCTAssertEqual(three.vlans, [300, 20, 120])
        XCTAssertEqual(three.vlan0, 300)
        XCTAssertEqual(three.vlan1, 20)
        XCTAssertEqual(three.innermostVLAN, 120)

        let eight = decode(Build.hostFrame(tags: (1...8).map { (0x8100, UInt16($0 * 100)) }))
        assertHostSYN(eight)
        XCTAssertEqual(eight.vlans, [100, 200, 300, 400, 500, 600, 700, 800])
        XCTAssertEqual(eight.depth, 0, "tags are not encapsulation layers")
    }

    func testETagAndVNTagAreSkipped() {
        let etag = decode(Build.ethernet(type: 0x893f, Build.eTag(type: 0x0800, Build.hostPacket)))
        XCTAssertEqual(etag.outcome, .ip)
        XCTAssertEqual(etag.dstPort, 445)
        XCTAssertEqual(etag.depth, 1)
        XCTAssertTrue(etag.tunnels.isEmpty)
        XCTAssertEqual(etag.srcMAC, MACAddress(rawValue: Build.macA), "a tag keeps the frame's MACs")

        // A VN-tag, then a VLAN tag: the VLAN is the frame's own.
        let vntag = decode(
            Build.ethernet(type: 0x8926, Build.vnTag(type: 0x8100, Build.be16(0x0078) + Build.be16(0x86dd) + udp6)))
        XCTAssertEqual(vntag.outcome, .ip)
        XCTAssertEqual(vntag.ipVersion, 6)
        XCTAssertEqual(vntag.dstPort, 547)
        XCTAssertEqual(vntag.vlans, [120])

        // A VLAN tag before an E-tag before another VLAN tag.
        let mixed = decode(
            Build.ethernet(
                tags: [(0x88a8, 10)], type: 0x893f,
                Build.eTag(type: 0x8100, Build.be16(0x0014) + Build.be16(0x0800) + Build.hostPacket)))
        XCTAssertEqual(mixed.vlans, [10, 20])
        XCTAssertEqual(mixed.dstPort, 445)
    }

    /// An HSR tag (IEC 62439-3) in front of the frame's own EtherType: skipped like an E-tag, where it was
    /// counted among the link protocols that carry no IP, so an HSR ring's traffic went unjudged as verified
    /// (REVIEW-146 F2). Cut inside it, the frame is malformed.
    func testHSRTagIsSkipped() {
        let tag: [UInt8] = [0x00, 0x2e, 0x00, 0x01]  // path 0, LSDU size 46, sequence 1
        let hsr = decode(Build.ethernet(type: 0x892f, tag + Build.be16(0x0800) + Build.hostPacket))
        XCTAssertEqual(hsr.outcome, .ip)
        XCTAssertEqual(hsr.dstPort, 445)
        XCTAssertTrue(hsr.tunnels.isEmpty)
        XCTAssertEqual(hsr.srcMAC, MACAddress(rawValue: Build.macA), "a tag keeps the frame's MACs")
        let tagged = decode(
            Build.ethernet(
                type: 0x892f, tag + Build.be16(0x8100) + Build.be16(0x006e) + Build.be16(0x0800) + Build.hostPacket))
        XCTAssertEqual(tagged.vlans, [110])
        XCTAssertEqual(tagged.dstPort, 445)
        for cut in 0..<6 {
            let p = decode(Build.ethernet(type: 0x892f, Array((tag + Build.be16(0x0800)).prefix(cut))))
            XCTAssertEqual(p.anomaly, .hsrTruncated, "HSR tag cut at \(cut)")
            assertConsistent(p)
        }
    }

    func testTagsCutShort() {
        for cut in 0..<8 {
            let p = decode(Build.ethernet(type: 0x893f, Array(Build.eTag(type: 0x0800, []).prefix(cut))))
            XCTAssertEqual(p.anomaly, .eTagTruncated, "E-tag cut at \(cut)")
            assertConsistent(p)
        }
        for cut in 0..<6 {
            let p = decode(Build.ethernet(type: 0x8926, Array(Build.vnTag(type: 0x0800, []).prefix(cut))))
            XCTAssertEqual(p.anomaly, .vnTagTruncated, "VN-tag cut at \(cut)")
        }
    }

    /// Tags of the outer frame are the mirror's; only those after the last tunnel header are the flow's.
    func testOnlyTagsAfterTheLastTunnelAreTheFlows() {
        let frame = Build.ethernet(
            tags: [(0x8100, 999)], type: 0x0800,
            Build.ipv4(
                src: "192.0.2.1", dst: "192.0.2.2", proto: 47,
                Build.erspanII(session: 5, Build.hostFrame(tags: [(0x8100, 120)]))))
        let p = decode(frame)
        assertHostSYN(p)
        XCTAssertEqual(p.vlans, [120])
    }

    private var udp6: [UInt8] { Build.ipv6(next: 17, Build.udp(src: 546, dst: 547)) }
}
