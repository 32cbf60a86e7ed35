import XCTest
import ZonesepCore

final class LinkLayerDecoderTests: XCTestCase {
    let tcpSYN = Build.ipv4(proto: 6, Build.tcp(src: 51512, dst: 445, flags: 0x02))
    let udp6 = Build.ipv6(next: 17, Build.udp(src: 5353, dst: 53))

    private func assertTCPSYN(_ p: DecodedPacket, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(p.outcome, .ip, file: file, line: line)
        XCTAssertNil(p.anomaly, file: file, line: line)
        XCTAssertEqual(p.ipVersion, 4, file: file, line: line)
        XCTAssertEqual(p.src, Build.address("10.20.3.4"), file: file, line: line)
        XCTAssertEqual(p.dst, Build.address("10.30.7.8"), file: file, line: line)
        XCTAssertEqual(p.proto, 6, file: file, line: line)
        XCTAssertTrue(p.hasPorts, file: file, line: line)
        XCTAssertEqual(p.srcPort, 51512, file: file, line: line)
        XCTAssertEqual(p.dstPort, 445, file: file, line: line)
        XCTAssertEqual(p.tcpFlags, DecodedPacket.TCPFlag.syn, file: file, line: line)
        assertConsistent(p, file: file, line: line)
    }

    private func assertUDP6(_ p: DecodedPacket, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(p.outcome, .ip, file: file, line: line)
        XCTAssertEqual(p.ipVersion, 6, file: file, line: line)
        XCTAssertEqual(p.src, Build.address("fd00:20::3:4"), file: file, line: line)
        XCTAssertEqual(p.dst, Build.address("fd00:30::7:8"), file: file, line: line)
        XCTAssertEqual(p.proto, 17, file: file, line: line)
        XCTAssertTrue(p.hasPorts, file: file, line: line)
        XCTAssertEqual(p.srcPort, 5353, file: file, line: line)
        XCTAssertEqual(p.dstPort, 53, file: file, line: line)
        assertConsistent(p, file: file, line: line)
    }

    // MARK: Ethernet

    func testEthernetIPv4TCP() {
        let p = decode(Build.ethernet(type: 0x0800, tcpSYN))
        assertTCPSYN(p)
        XCTAssertEqual(p.srcMAC, MACAddress(rawValue: Build.macA))
        XCTAssertEqual(p.dstMAC, MACAddress(rawValue: Build.macB))
        XCTAssertEqual(p.srcMAC?.description, "02:00:00:00:00:0a")
        XCTAssertEqual(p.vlanCount, 0)
    }

    func testEthernetIPv6UDP() {
        let p = decode(Build.ethernet(type: 0x86dd, udp6))
        assertUDP6(p)
        XCTAssertEqual(p.dstMAC, MACAddress(rawValue: Build.macB))
    }

    func testEthernetPaddingIsNotPayload() {
        // A 42-byte UDP frame padded to the 60-byte minimum: the padding follows the IP datagram.
        let frame = Build.ethernet(type: 0x0800, Build.ipv4(proto: 17, Build.udp(src: 1000, dst: 2000)))
        let padded = frame + [UInt8](repeating: 0xee, count: 60 - frame.count)
        let p = decode(padded)
        XCTAssertEqual(p.outcome, .ip)
        XCTAssertEqual(p.srcPort, 1000)
        XCTAssertEqual(p.dstPort, 2000)
    }

    func testEthernetNonIPIsNotIPWithoutAnomaly() {
        let arp = Build.ethernet(
            dst: 0xffff_ffff_ffff, type: 0x0806, [0, 1, 8, 0, 6, 4, 0, 1] + [UInt8](repeating: 0, count: 20))
        let p = decode(arp)
        XCTAssertEqual(p.outcome, .notIP)
        XCTAssertNil(p.anomaly)
        XCTAssertEqual(p.srcMAC, MACAddress(rawValue: Build.macA))
        XCTAssertEqual(p.dstMAC, MACAddress(rawValue: 0xffff_ffff_ffff))
        assertConsistent(p)

        let lldp = decode(Build.ethernet(dst: 0x0180_c200_000e, type: 0x88cc, [0x02, 0x07, 0x04]))
        XCTAssertEqual(lldp.outcome, .notIP)
        XCTAssertNil(lldp.anomaly)

        // 802.3 length field (STP over LLC): not an EtherType, not IP.
        let stp = decode(
            Build.ethernet(dst: 0x0180_c200_0000, type: 38, [0x42, 0x42, 0x03] + [UInt8](repeating: 0, count: 35)))
        XCTAssertEqual(stp.outcome, .notIP)
        XCTAssertNil(stp.anomaly)
    }

    func testEthernetTruncatedHeader() {
        for length in 0..<14 {
            let p = decode(Array(Build.ethernet(type: 0x0800, tcpSYN).prefix(length)))
            XCTAssertEqual(p.outcome, .malformed)
            XCTAssertEqual(p.anomaly, .linkTruncated)
            XCTAssertNil(p.srcMAC)
        }
        // The header alone: IPv4 with no bytes.
        let p = decode(Build.ethernet(type: 0x0800, []))
        XCTAssertEqual(p.anomaly, .ipv4Truncated)
        XCTAssertEqual(p.srcMAC, MACAddress(rawValue: Build.macA))
    }

    // MARK: VLAN

    func testNoVLANTag() {
        let p = decode(Build.ethernet(type: 0x0800, tcpSYN))
        XCTAssertEqual(p.vlanCount, 0)
        XCTAssertEqual(p.vlan0, 0)
    }

    func testOneVLANTag() {
        let p = decode(Build.ethernet(tags: [(0x8100, 120)], type: 0x0800, tcpSYN))
        assertTCPSYN(p)
        XCTAssertEqual(p.vlanCount, 1)
        XCTAssertEqual(p.vlan0, 120)
        XCTAssertEqual(p.vlan1, 0)
    }

    func testTwoVLANTagsQinQ() {
        let p = decode(Build.ethernet(tags: [(0x88a8, 4000), (0x8100, 120)], type: 0x86dd, udp6))
        assertUDP6(p)
        XCTAssertEqual(p.vlanCount, 2)
        XCTAssertEqual(p.vlan0, 4000)
        XCTAssertEqual(p.vlan1, 120)

        let legacy = decode(Build.ethernet(tags: [(0x9100, 7), (0x8100, 4095)], type: 0x0800, tcpSYN))
        assertTCPSYN(legacy)
        XCTAssertEqual(legacy.vlanCount, 2)
        XCTAssertEqual(legacy.vlan0, 7)
        XCTAssertEqual(legacy.vlan1, 4095)
    }

    func testPriorityTaggedFrameKeepsVLANZero() {
        let p = decode(Build.ethernet(tags: [(0x8100, 0)], type: 0x0800, tcpSYN))
        assertTCPSYN(p)
        XCTAssertEqual(p.vlanCount, 1)
        XCTAssertEqual(p.vlan0, 0)
    }

    func testNineVLANTagsIsTooMany() {
        let p = decode(Build.ethernet(tags: (1...9).map { (0x8100, UInt16($0)) }, type: 0x0800, tcpSYN))
        XCTAssertEqual(p.outcome, .malformed)
        XCTAssertEqual(p.anomaly, .vlanTooManyTags)
        XCTAssertEqual(p.vlanCount, 8)
        XCTAssertEqual(p.ipVersion, 0)
        assertConsistent(p)
    }

    func testVLANTruncated() {
        let frame = Build.ethernet(tags: [(0x8100, 120)], type: 0x0800, tcpSYN)
        for length in 14..<18 {
            let p = decode(Array(frame.prefix(length)))
            XCTAssertEqual(p.anomaly, .vlanTruncated, "length \(length)")
            XCTAssertEqual(p.outcome, .malformed)
        }
        XCTAssertEqual(decode(Array(frame.prefix(18))).anomaly, .ipv4Truncated)
    }

    func testVLANTaggedNonIP() {
        let p = decode(Build.ethernet(tags: [(0x8100, 10)], type: 0x0806, [UInt8](repeating: 0, count: 28)))
        XCTAssertEqual(p.outcome, .notIP)
        XCTAssertNil(p.anomaly)
        XCTAssertEqual(p.vlanCount, 1)
        XCTAssertEqual(p.vlan0, 10)
    }

    // MARK: Linux cooked v1

    func testLinuxSLLEthernetSender() {
        let p = decode(Build.sll(packetType: 0, hatype: 1, proto: 0x0800, tcpSYN), .linuxSLL)
        assertTCPSYN(p)
        XCTAssertEqual(p.srcMAC, MACAddress(rawValue: Build.macA))
        XCTAssertNil(p.dstMAC)
    }

    func testLinuxSLLIPv6() {
        let p = decode(Build.sll(packetType: 4, proto: 0x86dd, udp6), .linuxSLL)
        assertUDP6(p)
        XCTAssertEqual(p.srcMAC, MACAddress(rawValue: Build.macA))
    }

    func testLinuxSLLNonEthernetAddressIsNotAMAC() {
        // Loopback (ARPHRD 772) has a 6-byte all-zero address; a tunnel (ARPHRD_NONE) has none.
        let loopback = decode(Build.sll(hatype: 772, address: [0, 0, 0, 0, 0, 0], proto: 0x0800, tcpSYN), .linuxSLL)
        assertTCPSYN(loopback)
        XCTAssertNil(loopback.srcMAC)
        let tunnel = decode(Build.sll(hatype: 0xfffe, address: [], proto: 0x0800, tcpSYN), .linuxSLL)
        assertTCPSYN(tunnel)
        XCTAssertNil(tunnel.srcMAC)
        // Ethernet ARPHRD with an address that is not 6 bytes.
        let odd = decode(Build.sll(hatype: 1, address: [1, 2, 3, 4], proto: 0x0800, tcpSYN), .linuxSLL)
        assertTCPSYN(odd)
        XCTAssertNil(odd.srcMAC)
    }

    func testLinuxSLLVLANAndNonIP() {
        let tagged = decode(Build.sll(proto: 0x8100, Build.be16(0x0078) + Build.be16(0x0800) + tcpSYN), .linuxSLL)
        assertTCPSYN(tagged)
        XCTAssertEqual(tagged.vlanCount, 1)
        XCTAssertEqual(tagged.vlan0, 120)

        let arp = decode(Build.sll(proto: 0x0806, [UInt8](repeating: 0, count: 28)), .linuxSLL)
        XCTAssertEqual(arp.outcome, .notIP)
        XCTAssertNil(arp.anomaly)

        // Netlink monitor: the protocol field is a netlink family, not an EtherType.
        let netlink = decode(Build.sll(hatype: 824, address: [], proto: 0x0800, tcpSYN), .linuxSLL)
        XCTAssertEqual(netlink.outcome, .notIP)
        XCTAssertNil(netlink.anomaly)
    }

    func testLinuxSLLTruncated() {
        let frame = Build.sll(proto: 0x0800, tcpSYN)
        for length in 0..<16 {
            XCTAssertEqual(decode(Array(frame.prefix(length)), .linuxSLL).anomaly, .linkTruncated, "length \(length)")
        }
    }

    // MARK: Linux cooked v2

    func testLinuxSLL2() {
        let p = decode(Build.sll2(proto: 0x0800, tcpSYN), .linuxSLL2)
        assertTCPSYN(p)
        XCTAssertEqual(p.srcMAC, MACAddress(rawValue: Build.macA))

        let v6 = decode(Build.sll2(hatype: 0xfffe, address: [], proto: 0x86dd, udp6), .linuxSLL2)
        assertUDP6(v6)
        XCTAssertNil(v6.srcMAC)

        let arp = decode(Build.sll2(proto: 0x0806, [UInt8](repeating: 0, count: 28)), .linuxSLL2)
        XCTAssertEqual(arp.outcome, .notIP)
    }

    func testLinuxSLL2Truncated() {
        let frame = Build.sll2(proto: 0x0800, tcpSYN)
        for length in 0..<20 {
            XCTAssertEqual(decode(Array(frame.prefix(length)), .linuxSLL2).anomaly, .linkTruncated, "length \(length)")
        }
        XCTAssertEqual(decode(Array(frame.prefix(20)), .linuxSLL2).anomaly, .ipv4Truncated)
    }

    // MARK: BSD loopback

    func testNullFamilyInEitherByteOrder() {
        assertTCPSYN(decode(Build.le32(2) + tcpSYN, .null))
        assertTCPSYN(decode(Build.be32(2) + tcpSYN, .null))
        for family: UInt32 in [10, 24, 28, 30] {
            assertUDP6(decode(Build.le32(family) + udp6, .null))
            assertUDP6(decode(Build.be32(family) + udp6, .null))
        }
    }

    func testNullNonIPFamilyAndGarbage() {
        // AF_APPLETALK (16) is a family, just not IP.
        let appletalk = decode(Build.le32(16) + [1, 2, 3, 4], .null)
        XCTAssertEqual(appletalk.outcome, .notIP)
        XCTAssertNil(appletalk.anomaly)
        // An IPv4 header where the family should be: a small number in neither byte order.
        let garbage = decode(tcpSYN, .null)
        XCTAssertEqual(garbage.outcome, .malformed)
        XCTAssertEqual(garbage.anomaly, .unknownAddressFamily)
        for length in 0..<4 {
            XCTAssertEqual(decode(Array((Build.le32(2) + tcpSYN).prefix(length)), .null).anomaly, .linkTruncated)
        }
    }

    func testLoopIsBigEndian() {
        assertTCPSYN(decode(Build.be32(2) + tcpSYN, .loop))
        assertUDP6(decode(Build.be32(24) + udp6, .loop))
        let little = decode(Build.le32(2) + tcpSYN, .loop)
        XCTAssertEqual(little.anomaly, .unknownAddressFamily)
        let other = decode(Build.be32(17) + [0, 0, 0, 0], .loop)
        XCTAssertEqual(other.outcome, .notIP)
        XCTAssertNil(other.anomaly)
        XCTAssertEqual(decode([0, 0, 0], .loop).anomaly, .linkTruncated)
    }

    // MARK: Raw IP

    func testRawChoosesByVersionNibble() {
        assertTCPSYN(decode(tcpSYN, .raw))
        assertUDP6(decode(udp6, .raw))
        let empty = decode([], .raw)
        XCTAssertEqual(empty.outcome, .malformed)
        XCTAssertEqual(empty.anomaly, .linkTruncated)
        let version5 = decode([0x50] + [UInt8](repeating: 0, count: 39), .raw)
        XCTAssertEqual(version5.anomaly, .unknownAddressFamily)
        assertConsistent(version5)
    }

    func testIPv4AndIPv6LinkTypesCheckTheVersion() {
        assertTCPSYN(decode(tcpSYN, .ipv4))
        assertUDP6(decode(udp6, .ipv6))
        let v6AsV4 = decode(udp6, .ipv4)
        XCTAssertEqual(v6AsV4.outcome, .malformed)
        XCTAssertEqual(v6AsV4.anomaly, .ipv4BadVersion)
        XCTAssertEqual(v6AsV4.ipVersion, 0)
        let v4AsV6 = decode(tcpSYN, .ipv6)
        XCTAssertEqual(v4AsV6.anomaly, .ipv6BadVersion)
        XCTAssertEqual(decode([], .ipv4).anomaly, .ipv4Truncated)
        XCTAssertEqual(decode([], .ipv6).anomaly, .ipv6Truncated)
    }

    func testEtherTypeVersionMismatch() {
        XCTAssertEqual(decode(Build.ethernet(type: 0x0800, udp6)).anomaly, .ipv4BadVersion)
        XCTAssertEqual(decode(Build.ethernet(type: 0x86dd, tcpSYN)).anomaly, .ipv6BadVersion)
    }

    func testEveryLinkTypeIsDecoded() {
        for link in LinkType.allCases {
            let frame: [UInt8]
            switch link {
            case .null: frame = Build.le32(2) + tcpSYN
            case .loop: frame = Build.be32(2) + tcpSYN
            case .ethernet: frame = Build.ethernet(type: 0x0800, tcpSYN)
            case .raw, .ipv4: frame = tcpSYN
            case .ipv6: frame = Build.ipv6(next: 6, Build.tcp(src: 51512, dst: 445, flags: 0x02))
            case .linuxSLL: frame = Build.sll(proto: 0x0800, tcpSYN)
            case .linuxSLL2: frame = Build.sll2(proto: 0x0800, tcpSYN)
            case .ppp: frame = [0xff, 0x03, 0x00, 0x21] + tcpSYN
            case .pppHDLC: frame = [0x0f, 0x00, 0x08, 0x00] + tcpSYN
            case .ciscoHDLC: frame = [0x8f, 0x00, 0x08, 0x00] + tcpSYN
            }
            let p = decode(frame, link)
            XCTAssertEqual(p.outcome, .ip, "\(link.name)")
            XCTAssertEqual(p.srcPort, 51512, "\(link.name)")
            XCTAssertEqual(p.dstPort, 445, "\(link.name)")
        }
    }

    func testReusedValueIsReset() {
        var p = DecodedPacket()
        let first = Build.ethernet(
            tags: [(0x8100, 9)], type: 0x0800,
            Build.ipv4(proto: 17, moreFragments: true, Build.udp(src: 1, dst: 2)))
        first.withUnsafeBytes { PacketDecoder.decode($0, linkType: .ethernet, into: &p) }
        XCTAssertTrue(p.hasPorts && p.isFragment && p.vlanCount == 1)
        let arp = Build.ethernet(type: 0x0806, [UInt8](repeating: 0, count: 28))
        arp.withUnsafeBytes { PacketDecoder.decode($0, linkType: .ethernet, into: &p) }
        XCTAssertEqual(p.outcome, .notIP)
        XCTAssertFalse(p.hasPorts)
        XCTAssertFalse(p.isFragment)
        XCTAssertEqual(p.vlanCount, 0)
        XCTAssertEqual(p.ipVersion, 0)
        XCTAssertEqual(p.src.rawValue, 0)
        XCTAssertEqual(p.srcPort, 0)
        assertConsistent(p)
    }
}
