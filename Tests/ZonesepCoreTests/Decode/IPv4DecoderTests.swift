import XCTest
import ZonesepCore

final class IPv4DecoderTests: XCTestCase {
    func testOptionsAreSkippedByIHL() {
        // Router alert (4 bytes), then record route with room for 1 address padded to 8 bytes.
        let routerAlert: [UInt8] = [0x94, 0x04, 0x00, 0x00]
        let recordRoute: [UInt8] = [0x07, 0x07, 0x04, 0, 0, 0, 0, 0x00]
        for options in [routerAlert, routerAlert + recordRoute, [UInt8](repeating: 1, count: 40)] {
            let p = decode(
                Build.ipv4(
                    src: "192.168.1.10", dst: "172.20.9.9", proto: 6, options: options,
                    Build.tcp(src: 40000, dst: 443, flags: 0x12)), .ipv4)
            XCTAssertEqual(p.outcome, .ip)
            XCTAssertEqual(p.src, Build.address("192.168.1.10"))
            XCTAssertEqual(p.dst, Build.address("172.20.9.9"))
            XCTAssertEqual(p.srcPort, 40000)
            XCTAssertEqual(p.dstPort, 443)
            XCTAssertEqual(p.tcpFlags, DecodedPacket.TCPFlag.syn | DecodedPacket.TCPFlag.ack)
            assertConsistent(p)
        }
    }

    func testAddressesAreV4Mapped() {
        let p = decode(Build.ipv4(src: "203.0.113.10", dst: "10.30.0.1", proto: 17, Build.udp()), .ipv4)
        XCTAssertTrue(p.src.isIPv4)
        XCTAssertEqual(p.src.v4, 0xcb00_710a)
        XCTAssertEqual(p.src.rawValue, IPAddress(v4: 0xcb00_710a).rawValue)
        XCTAssertEqual(p.dst.description, "10.30.0.1")
    }

    func testFirstFragmentHasPorts() {
        let p = decode(
            Build.ipv4(
                proto: 17, id: 0xbeef, moreFragments: true, totalLength: 1500,
                Build.udp(src: 5060, dst: 5061, length: 3000, [UInt8](repeating: 0, count: 100))), .ipv4)
        XCTAssertEqual(p.outcome, .ip)
        XCTAssertTrue(p.isFragment)
        XCTAssertFalse(p.isNonFirstFragment)
        XCTAssertEqual(p.fragmentID, 0xbeef)
        XCTAssertTrue(p.hasPorts)
        XCTAssertEqual(p.srcPort, 5060)
        XCTAssertEqual(p.dstPort, 5061)
        assertConsistent(p)
    }

    func testNonFirstFragmentHasNoPorts() {
        for more in [true, false] {
            let p = decode(
                Build.ipv4(
                    src: "10.20.1.1", dst: "10.30.1.1", proto: 17, id: 0xbeef, moreFragments: more,
                    fragmentOffset: 185, [UInt8](repeating: 0x55, count: 64)), .ipv4)
            XCTAssertEqual(p.outcome, .ipFragment)
            XCTAssertNil(p.anomaly)
            XCTAssertTrue(p.isFragment)
            XCTAssertTrue(p.isNonFirstFragment)
            XCTAssertEqual(p.fragmentID, 0xbeef)
            XCTAssertEqual(p.proto, 17)
            XCTAssertEqual(p.src, Build.address("10.20.1.1"))
            XCTAssertEqual(p.dst, Build.address("10.30.1.1"))
            XCTAssertFalse(p.hasPorts)
            XCTAssertEqual(p.srcPort, 0)
            assertConsistent(p)
        }
    }

    func testDontFragmentIsNotAFragment() {
        let p = decode(Build.ipv4(proto: 6, dontFragment: true, Build.tcp(flags: 0x10)), .ipv4)
        XCTAssertEqual(p.outcome, .ip)
        XCTAssertFalse(p.isFragment)
        XCTAssertEqual(p.fragmentID, 0)
    }

    func testProtocolsWithoutPorts() {
        // (GRE of protocol type 0 is judged as GRE, and not verified; SCTP has ports: IPInIPDecoderTests. AH is
        // walked to the protocol it signs: AuthenticationHeaderDecoderTests.)
        for proto: UInt8 in [47, 50, 89, 112] {  // GRE, ESP, OSPF, VRRP
            let p = decode(Build.ipv4(proto: proto, [UInt8](repeating: 0, count: 24)), .ipv4)
            XCTAssertEqual(p.outcome, .ip, "proto \(proto)")
            XCTAssertNil(p.anomaly)
            XCTAssertEqual(p.proto, proto)
            XCTAssertFalse(p.hasPorts)
            assertConsistent(p)
        }
        // Even with no payload at all.
        let empty = decode(Build.ipv4(proto: 89, []), .ipv4)
        XCTAssertEqual(empty.outcome, .ip)
        // ICMPv6 inside IPv4 is not decoded as ICMP.
        let odd = decode(Build.ipv4(proto: 58, Build.icmp(type: 128, id: 7)), .ipv4)
        XCTAssertEqual(odd.outcome, .ip)
        XCTAssertEqual(odd.icmpEchoID, 0)
    }

    func testTotalLengthBoundsTheTransport() {
        // Total length says 20 + 10: the TCP header is cut at 10 bytes (past the ports, before the flags)
        // even though 20 follow.
        let cut = decode(Build.ipv4(proto: 6, totalLength: 30, Build.tcp(flags: 0x02)), .ipv4)
        XCTAssertEqual(cut.outcome, .ip)
        XCTAssertTrue(cut.tcpFlagsCut)
        XCTAssertEqual(cut.tcpFlags, 0)
        XCTAssertEqual(cut.ipVersion, 4)
        XCTAssertEqual(cut.src, Build.address("10.20.3.4"))
        assertConsistent(cut)
        // Trailing bytes past the total length (an Ethernet trailer) are ignored.
        let trailer = decode(Build.ipv4(proto: 17, totalLength: 28, Build.udp(src: 9, dst: 10) + [1, 2, 3, 4]), .ipv4)
        XCTAssertEqual(trailer.outcome, .ip)
        XCTAssertEqual(trailer.srcPort, 9)
    }

    func testTotalLengthBeyondTheCaptureIsNotAnAnomaly() {
        // Snaplen cut: the header says 1500 bytes, 48 were captured.
        let p = decode(Build.ipv4(proto: 6, totalLength: 1500, Build.tcp(src: 22, dst: 50000, flags: 0x18)), .ipv4)
        XCTAssertEqual(p.outcome, .ip)
        XCTAssertNil(p.anomaly)
        XCTAssertEqual(p.srcPort, 22)
        XCTAssertEqual(p.tcpFlags, DecodedPacket.TCPFlag.psh | DecodedPacket.TCPFlag.ack)
    }

    func testTotalLengthZeroMeansCaptured() {
        // Segmentation offload: the stack leaves the total length 0 for the NIC to fill.
        let p = decode(Build.ipv4(proto: 6, totalLength: 0, Build.tcp(src: 443, dst: 60000, flags: 0x10)), .ipv4)
        XCTAssertEqual(p.outcome, .ip)
        XCTAssertEqual(p.srcPort, 443)
        XCTAssertEqual(p.dstPort, 60000)
    }

    func testBadTotalLength() {
        for total: UInt16 in [1, 19] {
            let p = decode(Build.ipv4(proto: 6, totalLength: total, Build.tcp(flags: 2)), .ipv4)
            XCTAssertEqual(p.outcome, .malformed)
            XCTAssertEqual(p.anomaly, .ipv4BadTotalLength)
            assertConsistent(p)
        }
        // Options make the header 24 bytes; a total length of 22 is shorter than the header.
        let p = decode(Build.ipv4(proto: 6, options: [1, 1, 1, 0], totalLength: 22, Build.tcp(flags: 2)), .ipv4)
        XCTAssertEqual(p.anomaly, .ipv4BadTotalLength)
    }

    func testBadHeaderLength() {
        for ihl: UInt8 in [0, 1, 4] {
            let p = decode(Build.ipv4(proto: 6, ihl: ihl, Build.tcp(flags: 2)), .ipv4)
            XCTAssertEqual(p.outcome, .malformed)
            XCTAssertEqual(p.anomaly, .ipv4BadHeaderLength)
            XCTAssertEqual(p.ipVersion, 0)
        }
    }

    func testTruncatedHeaderAndOptions() {
        let packet = Build.ipv4(proto: 6, options: [1, 1, 1, 1, 1, 1, 1, 0], Build.tcp(flags: 2))
        for length in 0..<20 {
            let p = decode(Array(packet.prefix(length)), .ipv4)
            XCTAssertEqual(p.anomaly, .ipv4Truncated, "length \(length)")
            XCTAssertEqual(p.ipVersion, 0)
        }
        for length in 20..<28 {
            let p = decode(Array(packet.prefix(length)), .ipv4)
            XCTAssertEqual(p.anomaly, .ipv4Truncated, "length \(length)")
            // The fixed header was there: the addresses are kept for counting.
            XCTAssertEqual(p.ipVersion, 4)
            XCTAssertEqual(p.dst, Build.address("10.30.7.8"))
        }
        XCTAssertEqual(decode(Array(packet.prefix(28)), .ipv4).anomaly, .tcpTruncated)
        XCTAssertEqual(decode(Array(packet.prefix(31)), .ipv4).anomaly, .tcpTruncated)
        XCTAssertTrue(decode(Array(packet.prefix(32)), .ipv4).tcpFlagsCut, "past the options: the ports")
    }

    func testBadVersion() {
        let p = decode(Build.ipv4(proto: 6, version: 5, Build.tcp(flags: 2)), .ipv4)
        XCTAssertEqual(p.anomaly, .ipv4BadVersion)
        XCTAssertEqual(decode(Build.ethernet(type: 0x0800, [0x00]), .ethernet).anomaly, .ipv4BadVersion)
    }
}
