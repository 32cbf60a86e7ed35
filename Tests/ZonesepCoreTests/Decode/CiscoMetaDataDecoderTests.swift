import XCTest
import ZonesepCore

/// Cisco MetaData (TrustSec's SGT, 0x8909) is looked through on Ethernet and in GRE, as Wireshark reads it;
/// a GRE keepalive and CDP carried in GRE hold no IP, as CDP on Ethernet does.
final class CiscoMetaDataDecoderTests: XCTestCase {
    /// The Ethernet form: version 1, length 1, option 0x0001 (SGT), the tag, then the EtherType.
    static func cmd(sgt: UInt16, type: UInt16, _ payload: [UInt8]) -> [UInt8] {
        [1, 1] + Build.be16(0x0001) + Build.be16(sgt) + Build.be16(type) + payload
    }

    /// The GRE form: the protocol type first, then version 1, length 1, option 0x0001 (SGT), the tag.
    static func cmdInGRE(sgt: UInt16, type: UInt16, _ payload: [UInt8]) -> [UInt8] {
        Build.be16(type) + [1, 1] + Build.be16(0x0001) + Build.be16(sgt) + payload
    }

    func testTheTaggedFrameOnEthernetIsJudged() {
        let p = decode(
            Build.ethernet(
                dst: 0x02_00_00_30_07_08, src: 0x02_00_00_20_03_04, type: 0x8909,
                Self.cmd(sgt: 17, type: 0x0800, Build.hostPacket)))
        assertHostSYN(p, "the frame's MACs kept")
        XCTAssertEqual(p.depth, 1)
        XCTAssertNil(p.notVerified)
        // Under a VLAN tag, and with a VLAN tag after it: both the frame's own.
        let tagged = decode(
            Build.ethernet(
                tags: [(0x8100, 110)], type: 0x8909,
                Self.cmd(sgt: 17, type: 0x8100, Build.be16(0x0078) + Build.be16(0x0800) + Build.hostPacket)))
        XCTAssertEqual(tagged.vlans, [110, 120])
        XCTAssertEqual(tagged.dstPort, 445)
    }

    func testTheTaggedPacketInGREIsJudged() {
        let p = decode(
            Build.outer(
                proto: 47, Build.gre(type: 0x8909, key: 40, Self.cmdInGRE(sgt: 0, type: 0x0800, Build.hostPacket))))
        assertHostSYN(p, macs: false)
        XCTAssertEqual(p.tunnels.map(\.type), [.gre])
        XCTAssertEqual(p.vni, 40, "the GRE key still names the network")
        XCTAssertEqual(p.depth, 2, "the GRE tunnel and the metadata header")
        XCTAssertNil(p.notVerified)
    }

    func testCutShortIsMalformed() {
        for cut in 0..<8 {
            let eth = decode(Build.ethernet(type: 0x8909, Array(Self.cmd(sgt: 1, type: 0x0800, []).prefix(cut))))
            XCTAssertEqual(eth.anomaly, .cmdTruncated, "Ethernet CMD cut at \(cut)")
            assertConsistent(eth)
            let gre = decode(
                Build.outer(
                    proto: 47, Build.gre(type: 0x8909, Array(Self.cmdInGRE(sgt: 1, type: 0x0800, []).prefix(cut)))))
            XCTAssertEqual(gre.anomaly, .cmdTruncated, "GRE CMD cut at \(cut)")
            assertConsistent(gre)
        }
    }

    /// What a router's `keepalive` puts on the wire: a GRE packet inside the tunnel addressed back to the
    /// sender, carrying an empty GRE header of protocol type 0; and, once the far end has sent it back, that
    /// packet alone. Neither holds an IP packet.
    func testKeepalivesHoldNoIP() {
        let reply = Build.ipv4(src: "192.0.2.2", dst: "192.0.2.1", proto: 47, Build.gre(type: 0, []))
        let outbound = decode(Build.outer(proto: 47, Build.gre(type: 0x0800, reply)))
        XCTAssertEqual(outbound.coverage, .noIP)
        assertConsistent(outbound)
        let back = decode(Build.ethernet(type: 0x0800, reply))
        XCTAssertEqual(back.coverage, .noIP)
        // In a TrustSec tunnel, with the metadata header before it.
        let tagged = decode(
            Build.outer(proto: 47, Build.gre(type: 0x8909, key: 40, Self.cmdInGRE(sgt: 0, type: 0x0800, reply))))
        XCTAssertEqual(tagged.coverage, .noIP)
        // Protocol type 0 with bytes after it is not a keepalive: what they are was not verified.
        let other = decode(Build.outer(proto: 47, Build.gre(type: 0, Build.hostPacket)))
        XCTAssertEqual(other.coverage, .notVerified(.greProtocol, 0))
    }

    func testCDPInGREHoldsNoIP() {
        let cdp: [UInt8] = [0x02, 0xb4, 0x12, 0x34, 0x00, 0x01, 0x00, 0x06, 0x52, 0x31]
        let p = decode(Build.outer(proto: 47, Build.gre(type: 0x2000, cdp)))
        XCTAssertEqual(p.coverage, .noIP)
        assertConsistent(p)
        // An EtherType that may hide IP is still not verified.
        XCTAssertEqual(
            decode(Build.outer(proto: 47, Build.gre(type: 0x88e5, cdp))).coverage, .notVerified(.greProtocol, 0x88e5))
    }
}
