import XCTest
import ZonesepCore

final class IPv6DecoderTests: XCTestCase {
    func testPlainTCP() {
        let p = decode(
            Build.ipv6(src: "2001:db8::1", dst: "fd00:10::5", next: 6, Build.tcp(src: 443, dst: 50001, flags: 0x11)),
            .ipv6)
        XCTAssertEqual(p.outcome, .ip)
        XCTAssertEqual(p.ipVersion, 6)
        XCTAssertEqual(p.src, Build.address("2001:db8::1"))
        XCTAssertEqual(p.dst, Build.address("fd00:10::5"))
        XCTAssertFalse(p.src.isIPv4)
        XCTAssertEqual(p.proto, 6)
        XCTAssertEqual(p.srcPort, 443)
        XCTAssertEqual(p.dstPort, 50001)
        XCTAssertEqual(p.tcpFlags, DecodedPacket.TCPFlag.fin | DecodedPacket.TCPFlag.ack)
        XCTAssertFalse(p.isFragment)
        assertConsistent(p)
    }

    func testHopByHopDestinationOptionsAndFirstFragment() {
        let chain =
            Build.extensionHeader(next: 60, units: 0)  // hop-by-hop → destination options
            + Build.extensionHeader(next: 44, units: 1)  // destination options (16 bytes) → fragment
            + Build.fragmentHeader(next: 17, offset: 0, more: true, id: 0xdead_beef)
            + Build.udp(src: 4500, dst: 500, length: 2000, [UInt8](repeating: 0, count: 32))
        let p = decode(Build.ipv6(next: 0, chain), .ipv6)
        XCTAssertEqual(p.outcome, .ip)
        XCTAssertEqual(p.proto, 17)
        XCTAssertTrue(p.isFragment)
        XCTAssertFalse(p.isNonFirstFragment)
        XCTAssertEqual(p.fragmentID, 0xdead_beef)
        XCTAssertTrue(p.hasPorts)
        XCTAssertEqual(p.srcPort, 4500)
        XCTAssertEqual(p.dstPort, 500)
        assertConsistent(p)
    }

    func testNonFirstFragment() {
        let chain =
            Build.extensionHeader(next: 44)
            + Build.fragmentHeader(next: 6, offset: 181, more: false, id: 77)
            + [UInt8](repeating: 0x41, count: 40)
        let p = decode(Build.ipv6(next: 0, chain), .ipv6)
        XCTAssertEqual(p.outcome, .ipFragment)
        XCTAssertNil(p.anomaly)
        XCTAssertEqual(p.proto, 6)
        XCTAssertTrue(p.isFragment)
        XCTAssertTrue(p.isNonFirstFragment)
        XCTAssertEqual(p.fragmentID, 77)
        XCTAssertFalse(p.hasPorts)
        XCTAssertEqual(p.src, Build.address("fd00:20::3:4"))
        assertConsistent(p)
    }

    func testAtomicFragmentIsAWholePacket() {
        // RFC 6946: a fragment header with offset 0 and M clear.
        let p = decode(
            Build.ipv6(
                next: 44, Build.fragmentHeader(next: 17, offset: 0, more: false, id: 5) + Build.udp(src: 1, dst: 2)),
            .ipv6)
        XCTAssertEqual(p.outcome, .ip)
        XCTAssertFalse(p.isFragment)
        XCTAssertEqual(p.srcPort, 1)
    }

    func testRoutingAndAuthenticationHeaders() {
        let chain =
            Build.routingHeader(next: 51, units: 2)
            + Build.authenticationHeader(next: 6)
            + Build.tcp(src: 179, dst: 33000, flags: 0x18)
        let p = decode(Build.ipv6(next: 43, chain), .ipv6)
        XCTAssertEqual(p.outcome, .ip)
        XCTAssertEqual(p.proto, 6)
        XCTAssertEqual(p.srcPort, 179)
        XCTAssertEqual(p.dstPort, 33000)
    }

    func testMobilityHeaderIsWalked() {
        let p = decode(Build.ipv6(next: 135, Build.extensionHeader(next: 59, units: 1)), .ipv6)
        XCTAssertEqual(p.outcome, .ip)
        XCTAssertEqual(p.proto, 59)
        XCTAssertFalse(p.hasPorts)
    }

    func testNoNextHeaderAndESP() {
        let none = decode(Build.ipv6(next: 59, []), .ipv6)
        XCTAssertEqual(none.outcome, .ip)
        XCTAssertEqual(none.proto, 59)
        XCTAssertFalse(none.hasPorts)
        let afterOptions = decode(Build.ipv6(next: 60, Build.extensionHeader(next: 59) + [1, 2, 3]), .ipv6)
        XCTAssertEqual(afterOptions.outcome, .ip)
        XCTAssertEqual(afterOptions.proto, 59)
        let esp = decode(
            Build.ipv6(next: 50, Build.be32(0x1000) + Build.be32(1) + [UInt8](repeating: 0, count: 32)), .ipv6)
        XCTAssertEqual(esp.outcome, .ip)
        XCTAssertEqual(esp.proto, 50)
        XCTAssertFalse(esp.hasPorts)
        // ICMP (v4) inside IPv6 is not decoded as ICMP.
        let odd = decode(Build.ipv6(next: 1, Build.icmp(type: 8, id: 9)), .ipv6)
        XCTAssertEqual(odd.outcome, .ip)
        XCTAssertEqual(odd.icmpEchoID, 0)
    }

    func testEightExtensionHeadersAreFineNineAreTooMany() {
        func chain(_ count: Int) -> [UInt8] {
            var bytes: [UInt8] = []
            for i in 0..<count { bytes += Build.extensionHeader(next: i == count - 1 ? 17 : 60) }
            return Build.ipv6(next: 60, bytes + Build.udp(src: 7, dst: 8))
        }
        let eight = decode(chain(8), .ipv6)
        XCTAssertEqual(eight.outcome, .ip)
        XCTAssertEqual(eight.srcPort, 7)
        let nine = decode(chain(9), .ipv6)
        XCTAssertEqual(nine.outcome, .malformed)
        XCTAssertEqual(nine.anomaly, .ipv6TooManyExtensions)
        XCTAssertEqual(nine.ipVersion, 6)
        assertConsistent(nine)
    }

    func testExtensionTruncated() {
        // A destination options header that claims 16 bytes with 8 present.
        let p = decode(Build.ipv6(next: 60, [17, 1, 1, 4, 0, 0, 0, 0]), .ipv6)
        XCTAssertEqual(p.outcome, .malformed)
        XCTAssertEqual(p.anomaly, .ipv6ExtensionTruncated)
        // The payload length bounds the chain: a fragment header cut by it.
        let cut = decode(
            Build.ipv6(next: 44, payloadLength: 6, Build.fragmentHeader(next: 17, offset: 0, more: true, id: 1)), .ipv6)
        XCTAssertEqual(cut.anomaly, .ipv6ExtensionTruncated)
        // One byte of a hop-by-hop header.
        XCTAssertEqual(decode(Build.ipv6(next: 0, [17]), .ipv6).anomaly, .ipv6ExtensionTruncated)
    }

    func testPayloadLengthBoundsAndZero() {
        // Payload length 4: the UDP header is cut.
        let cut = decode(Build.ipv6(next: 17, payloadLength: 4, Build.udp(src: 1, dst: 2)), .ipv6)
        XCTAssertEqual(cut.anomaly, .udpTruncated)
        // Longer than captured: a snaplen cut, fine.
        let snap = decode(Build.ipv6(next: 17, payloadLength: 1400, Build.udp(src: 1, dst: 2, length: 1400)), .ipv6)
        XCTAssertEqual(snap.outcome, .ip)
        XCTAssertEqual(snap.dstPort, 2)
        // Zero (jumbogram or offload): as captured.
        let zero = decode(Build.ipv6(next: 6, payloadLength: 0, Build.tcp(src: 3, dst: 4, flags: 0x10)), .ipv6)
        XCTAssertEqual(zero.outcome, .ip)
        XCTAssertEqual(zero.srcPort, 3)
    }

    func testTruncatedFixedHeader() {
        let packet = Build.ipv6(next: 17, Build.udp())
        for length in 0..<40 {
            let p = decode(Array(packet.prefix(length)), .ipv6)
            XCTAssertEqual(p.anomaly, .ipv6Truncated, "length \(length)")
            XCTAssertEqual(p.ipVersion, 0)
        }
        XCTAssertEqual(decode(Array(packet.prefix(40)), .ipv6).anomaly, .udpTruncated)
    }

    func testWalkExtensionsDirectly() {
        let bytes =
            Build.extensionHeader(next: 44) + Build.fragmentHeader(next: 58, offset: 2, more: true, id: 9) + [1, 2]
        bytes.withUnsafeBytes { raw in
            var c = ByteCursor(raw)
            let chain = IPv6Decoder.walkExtensions(&c, nextHeader: 0)
            XCTAssertNil(chain.anomaly)
            XCTAssertEqual(chain.proto, 58)
            XCTAssertTrue(chain.isNonFirstFragment)
            XCTAssertEqual(chain.fragmentID, 9)
            XCTAssertEqual(c.offset, 16)
        }
    }
}
