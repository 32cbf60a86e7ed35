import XCTest
import ZonesepCore

/// Ethernet straight in IP (protocol 143, RFC 8986), what SRv6's layer-2 services carry: the frame inside is
/// the host's, with its MACs and VLAN tags, judged as tshark reads it, after a Segment Routing Header or
/// none, over IPv6 and IPv4. It used to be judged as a flow of protocol 143 between the two routers.
final class SRv6L2DecoderTests: XCTestCase {
    func testTheFrameAfterASegmentRoutingHeaderIsJudged() {
        let p = decode(
            Build.ethernet(
                type: 0x86dd,
                Build.ipv6(
                    src: "fd00:ff::1", dst: "fd00:ff::2", next: 43,
                    Build.routingHeader(next: 143) + Build.hostFrame(tags: [(0x8100, 120)]))))
        assertHostSYN(p)
        XCTAssertEqual(p.tunnels.map(\.type), [.srv6L2])
        XCTAssertEqual(p.tunnels[0].type.name, "srv6-l2")
        XCTAssertEqual(p.tunnels[0].addresses?.src, Build.address("fd00:ff::1"))
        XCTAssertEqual(p.tunnels[0].addresses?.dst, Build.address("fd00:ff::2"))
        XCTAssertEqual(p.vlans, [120], "the frame's own tag")
    }

    func testWithoutARoutingHeaderAndOverIPv4() {
        let v6 = decode(
            Build.ethernet(
                type: 0x86dd, Build.ipv6(src: "fd00:ff::1", dst: "fd00:ff::2", next: 143, Build.hostFrame())))
        assertHostSYN(v6)
        XCTAssertEqual(v6.tunnels.map(\.type), [.srv6L2])
        let v4 = decode(Build.outer(proto: 143, Build.hostFrame()))
        assertHostSYN(v4)
        assertOuter(v4.tunnels[0], .srv6L2, id: nil)
    }

    func testNoFrameIsMalformedNotTheOuterPacket() {
        let cut = decode(Build.outer(proto: 143, [0x02, 0, 0]))
        XCTAssertEqual(cut.coverage, .malformed(.linkTruncated), "an Ethernet header cut short")
        assertConsistent(cut)
    }
}
