import XCTest
import ZonesepCore

/// EtherIP (IP protocol 97): the bridged frame inside is the host's, with its MACs and VLAN tags, over IPv4
/// and IPv6; a cut header or another version is malformed, not judged as the outer packet.
final class EtherIPDecoderTests: XCTestCase {
    func testTheBridgedFrameIsJudged() {
        let p = decode(Build.outer(proto: 97, Build.etherIP(Build.hostFrame(tags: [(0x8100, 120)]))))
        assertHostSYN(p)
        XCTAssertEqual(p.tunnels.count, 1)
        assertOuter(p.tunnels[0], .etherIP, id: nil)
        XCTAssertEqual(p.tunnels[0].type.name, "etherip")
        XCTAssertEqual(p.vlans, [120], "the bridged frame's own tag")
    }

    func testOverIPv6() {
        let p = decode(
            Build.ethernet(
                type: 0x86dd,
                Build.ipv6(src: "fd00:20::11", dst: "fd00:20::12", next: 97, Build.etherIP(Build.hostFrame()))))
        assertHostSYN(p)
        XCTAssertEqual(p.tunnels.map(\.type), [.etherIP])
        XCTAssertEqual(p.tunnels[0].addresses?.src, Build.address("fd00:20::11"))
    }

    func testCutOrOfAnotherVersion() {
        let cut = decode(Build.outer(proto: 97, [0x30]))
        XCTAssertEqual(cut.coverage, .malformed(.etheripTruncated))
        assertConsistent(cut)
        let other = decode(Build.outer(proto: 97, Build.etherIP(version: 4, Build.hostFrame())))
        XCTAssertEqual(other.coverage, .malformed(.etheripBadVersion))
        XCTAssertTrue(other.tunnels.isEmpty)
        assertConsistent(other)
        let noFrame = decode(Build.outer(proto: 97, Build.etherIP([0x02, 0, 0])))
        XCTAssertEqual(noFrame.coverage, .malformed(.linkTruncated), "an Ethernet header cut short")
    }
}
