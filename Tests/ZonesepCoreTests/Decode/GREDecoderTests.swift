import XCTest
import ZonesepCore

/// GRE with its optional fields, each payload it carries, and what it does not open.
final class GREDecoderTests: XCTestCase {
    func testIPv4InPlainGRE() {
        let p = decode(Build.outer(proto: 47, Build.gre(type: 0x0800, Build.hostPacket)))
        assertHostSYN(p, macs: false)
        XCTAssertEqual(p.tunnels.count, 1)
        assertOuter(p.tunnels[0], .gre, id: nil)
        XCTAssertFalse(p.hasVNI)
    }

    func testChecksumKeyAndSequenceAreSkippedAndTheKeyIsTheVNI() {
        for (checksum, key, sequence) in [(true, nil, nil), (false, 77, nil), (true, 78, 5), (false, nil, 6)]
            as [(Bool, UInt32?, UInt32?)]
        {
            let what = "checksum \(checksum) key \(String(describing: key)) sequence \(String(describing: sequence))"
            let p = decode(
                Build.outer(
                    proto: 47,
                    Build.gre(type: 0x0800, checksum: checksum, key: key, sequence: sequence, Build.hostPacket)
                ))
            assertHostSYN(p, what, macs: false)
            assertOuter(p.tunnels[0], .gre, id: key)
            XCTAssertEqual(p.hasVNI, key != nil, what)
            if let k = key { XCTAssertEqual(p.vni, k, what) }
        }
    }

    func testIPv6AndTransparentEthernet() {
        let v6 = decode(
            Build.outer(proto: 47, Build.gre(type: 0x86dd, Build.ipv6(next: 6, Build.tcp(src: 1, dst: 22, flags: 2)))))
        XCTAssertEqual(v6.ipVersion, 6)
        XCTAssertEqual(v6.dstPort, 22)
        // NVGRE: transparent Ethernet with the virtual subnet in the key.
        let nvgre = decode(
            Build.outer(proto: 47, Build.gre(type: 0x6558, key: 0x00_1234_00, Build.hostFrame(tags: [(0x8100, 120)]))))
        assertHostSYN(nvgre)
        XCTAssertEqual(nvgre.vlans, [120])
        XCTAssertEqual(nvgre.vni, 0x00_1234_00)
    }

    func testGREOverIPv6() {
        let frame = Build.ethernet(
            type: 0x86dd,
            Build.ipv6(src: "2001:db8::1", dst: "2001:db8::2", next: 47, Build.gre(type: 0x0800, Build.hostPacket)))
        let p = decode(frame)
        assertHostSYN(p, macs: false)
        XCTAssertEqual(p.tunnels[0].addresses?.src, Build.address("2001:db8::1"))
    }

    func testRoutingEntriesAreWalked() {
        // R set (RFC 1701): checksum and offset, then one 4-byte IPv4 SRE and the null SRE.
        let gre =
            Build.be16(0x4000) + Build.be16(0x0800) + [0, 0, 0, 0] + [0x08, 0x00, 0, 4, 10, 0, 0, 1]
            + [0, 0, 0, 0] + Build.hostPacket
        assertHostSYN(decode(Build.outer(proto: 47, gre)), macs: false)
        XCTAssertEqual(
            decode(Build.outer(proto: 47, Array(gre.prefix(14)))).anomaly, .greTruncated, "cut inside the routing")
    }

    /// A protocol type zonesep does not open: the packet is judged as the GRE packet it is, and not verified.
    func testUnknownProtocolIsJudgedOuterAndNotVerified() {
        // PPTP's enhanced GRE (version 1, key and sequence present) carrying PPP.
        let pptp =
            Build.be16(0x3001) + Build.be16(0x880b) + Build.be16(4) + Build.be16(7) + Build.be32(1)
            + [0xff, 0x03, 0x00, 0x21]
        let p = decode(Build.outer(proto: 47, pptp))
        XCTAssertEqual(p.outcome, .ip)
        XCTAssertEqual(p.proto, 47)
        XCTAssertEqual(p.src, Build.address("192.0.2.1"))
        XCTAssertFalse(p.hasPorts)
        XCTAssertTrue(p.tunnels.isEmpty)
        XCTAssertFalse(p.hasVNI, "PPTP's key is a length and a call id")
        XCTAssertEqual(p.coverage, .notVerified(.greProtocol, 0x880b))
        XCTAssertEqual(p.coverage.description, "GRE protocol 0x880b")
        assertConsistent(p)
    }

    func testBadVersionAndTruncation() {
        let v2 = decode(Build.outer(proto: 47, Build.gre(type: 0x0800, version: 2, Build.hostPacket)))
        XCTAssertEqual(v2.anomaly, .greBadVersion)
        let gre = Build.gre(type: 0x0800, checksum: true, key: 1, sequence: 2, [])
        for cut in 0..<gre.count {
            let p = decode(Build.outer(proto: 47, Array(gre.prefix(cut))))
            XCTAssertEqual(p.anomaly, .greTruncated, "cut at \(cut)")
            XCTAssertEqual(p.ipVersion, 4, "the outer addresses stay, as for a cut TCP header")
            assertConsistent(p)
        }
        XCTAssertEqual(decode(Build.outer(proto: 47, gre)).anomaly, .ipv4Truncated)
    }
}
