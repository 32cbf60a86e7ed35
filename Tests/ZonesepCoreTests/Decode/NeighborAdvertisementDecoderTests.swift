import XCTest
import ZonesepCore

final class NeighborAdvertisementDecoderTests: XCTestCase {
    static func frame(_ icmp: [UInt8], tags: [(tpid: UInt16, vid: UInt16)] = [], src: UInt64 = 0x02_00_00_31_00_09)
        -> [UInt8]
    {
        Build.ethernet(src: src, tags: tags, type: 0x86dd, Build.ipv6(src: "fe80::9", dst: "ff02::1", next: 58, icmp))
    }

    func testTargetWithTheEthernetSource() {
        let p = decode(Self.frame(Build.neighborAdvertisement(target: "fd00:30::9", optionMAC: 0x02_00_00_00_00_01)))
        XCTAssertEqual(p.outcome, .ip)
        XCTAssertEqual(p.icmpType, 136)
        // The frame's source, not the option's address: the sender is who answers for the target.
        XCTAssertEqual(
            p.resolution,
            AddressResolution(
                mac: MACAddress(rawValue: 0x02_00_00_31_00_09), address: Build.address("fd00:30::9"),
                evidence: .neighborAdvertisement, arpOperation: 0, gratuitous: false))
        // The advertisement is still an IP packet of its own flow.
        XCTAssertEqual(p.src, Build.address("fe80::9"))
    }

    func testOtherICMPv6TypesBindNothing() {
        for type: UInt8 in [128, 129, 133, 134, 135, 137] {
            let p = decode(Self.frame([type, 0, 0, 0, 0, 0, 0, 0] + Build.v6("fd00:30::9")))
            XCTAssertEqual(p.outcome, .ip)
            XCTAssertNil(p.resolution, "type \(type)")
        }
    }

    func testInsideATunnelWithItsVLAN() {
        let inner = Self.frame(Build.neighborAdvertisement(target: "fd00:30::9"), tags: [(0x8100, 31)])
        let p = decode(Build.outer(proto: 47, Build.erspanII(session: 3, inner)))
        XCTAssertEqual(p.tunnels.count, 1)
        XCTAssertEqual(p.vlans, [31])
        XCTAssertEqual(p.resolution?.address, Build.address("fd00:30::9"))
        XCTAssertEqual(p.resolution?.mac, MACAddress(rawValue: 0x02_00_00_31_00_09))
    }

    /// A raw IPv6 link has no Ethernet source: nothing to bind.
    func testNoMACNoBinding() {
        let p = decode(
            Build.ipv6(src: "fe80::9", dst: "ff02::1", next: 58, Build.neighborAdvertisement(target: "fd00:30::9")),
            .ipv6)
        XCTAssertEqual(p.outcome, .ip)
        XCTAssertNil(p.resolution)
    }

    /// Every cut of the message: before the 8-byte ICMPv6 header ends `icmpv6-truncated`, before the target
    /// ends `nd-advertisement-truncated`; never a binding.
    func testTruncationAtEveryOffset() {
        let message = Build.neighborAdvertisement(target: "fd00:30::9")
        for cut in 0..<NeighborAdvertisementDecoder.minimumLength {
            let p = decode(Self.frame(Array(message.prefix(cut))))
            XCTAssertEqual(p.outcome, .malformed, "cut at \(cut)")
            XCTAssertEqual(p.anomaly, cut < 8 ? .icmpv6Truncated : .neighborAdvertisementTruncated, "cut at \(cut)")
            XCTAssertNil(p.resolution, "cut at \(cut)")
            assertConsistent(p, "cut at \(cut)")
        }
        XCTAssertNotNil(decode(Self.frame(Array(message.prefix(24)))).resolution)
    }
}
