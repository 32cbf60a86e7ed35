import XCTest
import ZonesepCore

final class TransportDecoderTests: XCTestCase {
    typealias Flag = DecodedPacket.TCPFlag

    // MARK: TCP

    func testTCPFlags() {
        let cases: [UInt8] = [
            Flag.syn, Flag.syn | Flag.ack, Flag.ack, Flag.psh | Flag.ack, Flag.fin | Flag.ack, Flag.rst,
            Flag.rst | Flag.ack, Flag.syn | Flag.ece | Flag.cwr, Flag.urg | Flag.ack, 0, 0xff,
        ]
        for flags in cases {
            let p = decode(Build.ipv4(proto: 6, Build.tcp(src: 1234, dst: 80, flags: flags)), .ipv4)
            XCTAssertEqual(p.outcome, .ip)
            XCTAssertEqual(p.tcpFlags, flags)
            XCTAssertEqual(p.srcPort, 1234)
            XCTAssertEqual(p.dstPort, 80)
        }
    }

    func testTCPWithOptions() {
        let options: [UInt8] = [2, 4, 0x05, 0xb4, 1, 3, 3, 7, 4, 2, 1, 1]  // MSS, NOP, WS, SACK-permitted
        let p = decode(Build.ipv4(proto: 6, Build.tcp(src: 50000, dst: 3389, flags: Flag.syn, options: options)), .ipv4)
        XCTAssertEqual(p.outcome, .ip)
        XCTAssertEqual(p.dstPort, 3389)
    }

    func testTCPNeedsFourBytesAndFourteenForItsFlags() {
        let segment = Build.tcp(src: 8080, dst: 60000, flags: Flag.syn | Flag.ack)
        for length in 0..<4 {
            let p = decode(Build.ipv4(proto: 6, Array(segment.prefix(length))), .ipv4)
            XCTAssertEqual(p.outcome, .malformed)
            XCTAssertEqual(p.anomaly, .tcpTruncated, "length \(length)")
            assertConsistent(p)
        }
        // The ports without the flags (a snap length that short, a tiny first fragment): judged on the ports.
        for length in 4..<14 {
            let p = decode(Build.ipv4(proto: 6, Array(segment.prefix(length))), .ipv4)
            XCTAssertEqual(p.outcome, .ip, "length \(length)")
            XCTAssertEqual(p.srcPort, 8080)
            XCTAssertEqual(p.dstPort, 60000)
            XCTAssertTrue(p.tcpFlagsCut, "length \(length)")
            XCTAssertEqual(p.tcpFlags, 0, "length \(length)")
            assertConsistent(p)
        }
        for length in 14...20 {
            let p = decode(Build.ipv4(proto: 6, Array(segment.prefix(length))), .ipv4)
            XCTAssertEqual(p.outcome, .ip, "length \(length)")
            XCTAssertEqual(p.srcPort, 8080)
            XCTAssertEqual(p.dstPort, 60000)
            XCTAssertEqual(p.tcpFlags, Flag.syn | Flag.ack)
            XCTAssertFalse(p.tcpFlagsCut)
        }
        // Byte 12 alone still holds the data offset, which can be wrong.
        let bad = Build.tcp(flags: Flag.syn, dataOffset: 3)
        XCTAssertEqual(decode(Build.ipv4(proto: 6, Array(bad.prefix(13))), .ipv4).anomaly, .tcpBadHeaderLength)
    }

    func testTCPSequenceNumber() {
        var segment = Build.tcp(src: 50000, dst: 445, flags: Flag.syn)
        segment.replaceSubrange(4..<8, with: [0xde, 0xad, 0xbe, 0xef])
        XCTAssertEqual(decode(Build.ipv4(proto: 6, segment), .ipv4).tcpSequence, 0xdead_beef)
    }

    func testTCPBadDataOffset() {
        for offset: UInt8 in [0, 1, 4] {
            let p = decode(Build.ipv4(proto: 6, Build.tcp(flags: Flag.syn, dataOffset: offset)), .ipv4)
            XCTAssertEqual(p.outcome, .malformed)
            XCTAssertEqual(p.anomaly, .tcpBadHeaderLength)
            XCTAssertEqual(p.ipVersion, 4)
            assertConsistent(p)
        }
        // A data offset beyond the captured bytes is a snaplen cut.
        let long = decode(Build.ipv4(proto: 6, Build.tcp(src: 1, dst: 2, flags: Flag.ack, dataOffset: 15)), .ipv4)
        XCTAssertEqual(long.outcome, .ip)
        XCTAssertEqual(long.srcPort, 1)
    }

    // MARK: UDP

    func testUDP() {
        let p = decode(
            Build.ipv4(src: "10.20.5.10", dst: "10.30.5.10", proto: 17, Build.udp(src: 3389, dst: 51000, [1, 2, 3])),
            .ipv4)
        XCTAssertEqual(p.outcome, .ip)
        XCTAssertEqual(p.proto, 17)
        XCTAssertEqual(p.srcPort, 3389)
        XCTAssertEqual(p.dstPort, 51000)
        XCTAssertEqual(p.tcpFlags, 0)
        assertConsistent(p)
    }

    func testUDPBadLength() {
        for length: UInt16 in [0, 1, 7] {
            let p = decode(Build.ipv4(proto: 17, Build.udp(length: length)), .ipv4)
            XCTAssertEqual(p.outcome, .malformed)
            XCTAssertEqual(p.anomaly, .udpBadLength, "length \(length)")
            assertConsistent(p)
        }
        // Zero over IPv6 is a jumbogram's UDP length.
        let jumbo = decode(Build.ipv6(next: 17, Build.udp(src: 5, dst: 6, length: 0)), .ipv6)
        XCTAssertEqual(jumbo.outcome, .ip)
        XCTAssertEqual(jumbo.srcPort, 5)
        XCTAssertEqual(decode(Build.ipv6(next: 17, Build.udp(length: 7)), .ipv6).anomaly, .udpBadLength)
        // Zero over IPv4 whose total length is 0 too: BIG TCP's offload (tcpdump's bigtcp-ipv4-vxlan-ipv4.pcap).
        let offload = decode(Build.ipv4(proto: 17, totalLength: 0, Build.udp(src: 5, dst: 6, length: 0)), .ipv4)
        XCTAssertEqual(offload.outcome, .ip)
        XCTAssertEqual(offload.dstPort, 6)
        assertConsistent(offload)
        XCTAssertEqual(
            decode(Build.ipv4(proto: 17, totalLength: 0, Build.udp(length: 7)), .ipv4).anomaly, .udpBadLength)
    }

    func testUDPTruncated() {
        for length in 0..<8 {
            let p = decode(Build.ipv4(proto: 17, Array(Build.udp().prefix(length))), .ipv4)
            XCTAssertEqual(p.anomaly, .udpTruncated, "length \(length)")
            assertConsistent(p)
        }
    }

    // MARK: ICMP

    func testICMPEcho() {
        let request = decode(Build.ipv4(proto: 1, Build.icmp(type: 8, id: 0x4d2, seq: 1, [0x61, 0x62])), .ipv4)
        XCTAssertEqual(request.outcome, .ip)
        XCTAssertEqual(request.proto, 1)
        XCTAssertEqual(request.icmpType, 8)
        XCTAssertEqual(request.icmpCode, 0)
        XCTAssertEqual(request.icmpEchoID, 0x4d2)
        XCTAssertFalse(request.hasPorts)
        XCTAssertFalse(request.hasInner)
        assertConsistent(request)

        let reply = decode(Build.ipv4(proto: 1, Build.icmp(type: 0, id: 0xfffe, seq: 9)), .ipv4)
        XCTAssertEqual(reply.icmpType, 0)
        XCTAssertEqual(reply.icmpEchoID, 0xfffe)

        // Not an echo: the identifier word is not an echo id.
        let timestamp = decode(
            Build.ipv4(proto: 1, Build.icmp(type: 13, id: 5, [UInt8](repeating: 0, count: 12))), .ipv4)
        XCTAssertEqual(timestamp.outcome, .ip)
        XCTAssertEqual(timestamp.icmpType, 13)
        XCTAssertEqual(timestamp.icmpEchoID, 0)
    }

    func testICMPUnreachableQuotesTCP() {
        // 10.30.7.8 answers 10.20.3.4's SYN to port 445 with port unreachable... from a router 10.30.0.1.
        let quoted = Build.ipv4(
            src: "10.20.3.4", dst: "10.30.7.8", proto: 6, totalLength: 60,
            Array(Build.tcp(src: 51512, dst: 445, flags: Flag.syn).prefix(8)))
        let p = decode(
            Build.ipv4(src: "10.30.0.1", dst: "10.20.3.4", proto: 1, Build.icmp(type: 3, code: 13, quoted)), .ipv4)
        XCTAssertEqual(p.outcome, .ip)
        XCTAssertEqual(p.icmpType, 3)
        XCTAssertEqual(p.icmpCode, 13)
        XCTAssertEqual(p.src, Build.address("10.30.0.1"))
        XCTAssertTrue(p.hasInner)
        XCTAssertEqual(p.innerSrc, Build.address("10.20.3.4"))
        XCTAssertEqual(p.innerDst, Build.address("10.30.7.8"))
        XCTAssertEqual(p.innerProto, 6)
        XCTAssertTrue(p.innerHasPorts)
        XCTAssertEqual(p.innerSrcPort, 51512)
        XCTAssertEqual(p.innerDstPort, 445)
        XCTAssertFalse(p.hasPorts)
        XCTAssertEqual(p.icmpEchoID, 0)
        assertConsistent(p)
    }

    func testICMPUnreachableQuotesSCTP() {
        // SCTP's common header starts with the ports, as TCP's and UDP's do: the error travels with the
        // association's flow, whose key has them (it used to be keyed without ports, a flow of its own).
        let sctp: [UInt8] = [0x0b, 0x59, 0x0b, 0x59, 0, 0, 0, 0]  // 2905 -> 2905, verification tag 0
        let quoted = Build.ipv4(src: "10.20.3.4", dst: "10.30.7.8", proto: 132, totalLength: 80, sctp)
        let p = decode(
            Build.ipv4(src: "10.30.0.1", dst: "10.20.3.4", proto: 1, Build.icmp(type: 3, code: 13, quoted)), .ipv4)
        XCTAssertEqual(p.outcome, .ip)
        XCTAssertEqual(p.innerProto, 132)
        XCTAssertTrue(p.innerHasPorts)
        XCTAssertEqual(p.innerSrcPort, 2905)
        XCTAssertEqual(p.innerDstPort, 2905)
        assertConsistent(p)
    }

    func testICMPErrorsQuoteUDPWithOptions() {
        for type: UInt8 in [3, 4, 5, 11, 12] {
            let quoted = Build.ipv4(
                src: "10.20.1.1", dst: "198.51.100.7", proto: 17, options: [0x94, 4, 0, 0],
                Build.udp(src: 33434, dst: 33435))
            let p = decode(
                Build.ipv4(src: "10.0.0.1", dst: "10.20.1.1", proto: 1, Build.icmp(type: type, code: 0, quoted)), .ipv4)
            XCTAssertEqual(p.outcome, .ip, "type \(type)")
            XCTAssertTrue(p.hasInner, "type \(type)")
            XCTAssertEqual(p.innerProto, 17)
            XCTAssertEqual(p.innerDst, Build.address("198.51.100.7"))
            XCTAssertEqual(p.innerSrcPort, 33434)
            XCTAssertEqual(p.innerDstPort, 33435)
        }
    }

    func testICMPErrorInnerWithoutPorts() {
        // Only the quoted IP header: the tuple without ports.
        let headerOnly = Build.ipv4(src: "10.20.1.1", dst: "10.30.1.1", proto: 6, totalLength: 40, [])
        let p = decode(Build.ipv4(proto: 1, Build.icmp(type: 11, headerOnly)), .ipv4)
        XCTAssertEqual(p.outcome, .ip)
        XCTAssertTrue(p.hasInner)
        XCTAssertEqual(p.innerProto, 6)
        XCTAssertFalse(p.innerHasPorts)
        XCTAssertEqual(p.innerSrcPort, 0)
        // A quoted non-first fragment has no ports to report.
        let fragment = Build.ipv4(proto: 17, fragmentOffset: 100, Build.udp(src: 1, dst: 2))
        let f = decode(Build.ipv4(proto: 1, Build.icmp(type: 3, code: 4, fragment)), .ipv4)
        XCTAssertTrue(f.hasInner)
        XCTAssertFalse(f.innerHasPorts)
        // A quoted echo request: ICMP, no ports, but its identifier, which keys the echo's flow.
        let echo = Build.ipv4(proto: 1, Build.icmp(type: 8, id: 3))
        let e = decode(Build.ipv4(proto: 1, Build.icmp(type: 11, echo)), .ipv4)
        XCTAssertTrue(e.hasInner)
        XCTAssertEqual(e.innerProto, 1)
        XCTAssertFalse(e.innerHasPorts)
        XCTAssertEqual(e.innerEchoID, 3)
        XCTAssertEqual(e.icmpEchoID, 0, "the error's own header has no identifier")
        assertConsistent(e)
    }

    /// Only an echo request or reply has an identifier: any other quoted ICMP message keys with 0, as its
    /// own flow does; an echo quoted too short to hold one has none.
    func testICMPErrorQuotingOtherICMPHasNoEchoIdentifier() {
        for type: UInt8 in [0, 8, 13, 3] {
            let quoted = Build.ipv4(proto: 1, Build.icmp(type: type, id: 0x5151))
            let p = decode(Build.ipv4(proto: 1, Build.icmp(type: 3, code: 1, quoted)), .ipv4)
            XCTAssertEqual(p.innerEchoID, type == 0 || type == 8 ? 0x5151 : 0, "quoted type \(type)")
        }
        let cut = Array(Build.ipv4(proto: 1, Build.icmp(type: 8, id: 0x5151)).prefix(25))
        let p = decode(Build.ipv4(proto: 1, Build.icmp(type: 11, cut)), .ipv4)
        XCTAssertTrue(p.hasInner)
        XCTAssertEqual(p.innerEchoID, 0)
    }

    func testICMPErrorUnreadableInnerIsNotAnAnomaly() {
        let quotes: [[UInt8]] = [
            [],  // nothing quoted
            [0x45, 0, 0, 20],  // cut IPv4 header
            Build.ipv6(next: 17, Build.udp()),  // wrong version for ICMPv4
            Build.ipv4(proto: 6, ihl: 3, Build.tcp(flags: 2)),  // bad IHL
            Array(Build.ipv4(proto: 6, options: [1, 1, 1, 1], Build.tcp(flags: 2)).prefix(22)),  // options cut
        ]
        for quoted in quotes {
            let p = decode(Build.ipv4(proto: 1, Build.icmp(type: 3, code: 1, quoted)), .ipv4)
            XCTAssertEqual(p.outcome, .ip)
            XCTAssertNil(p.anomaly)
            XCTAssertEqual(p.icmpType, 3)
            XCTAssertFalse(p.hasInner)
            assertConsistent(p)
        }
    }

    func testICMPTruncated() {
        let message = Build.icmp(type: 8, id: 1)
        for length in 0..<8 {
            let p = decode(Build.ipv4(proto: 1, Array(message.prefix(length))), .ipv4)
            XCTAssertEqual(p.anomaly, .icmpTruncated, "length \(length)")
            XCTAssertEqual(p.icmpType, 0)
            assertConsistent(p)
        }
    }

    // MARK: ICMPv6

    func testICMPv6Echo() {
        let request = decode(Build.ipv6(next: 58, Build.icmp(type: 128, id: 0x1234, seq: 1)), .ipv6)
        XCTAssertEqual(request.outcome, .ip)
        XCTAssertEqual(request.proto, 58)
        XCTAssertEqual(request.icmpType, 128)
        XCTAssertEqual(request.icmpEchoID, 0x1234)
        XCTAssertFalse(request.hasPorts)
        let reply = decode(Build.ipv6(next: 58, Build.icmp(type: 129, id: 0x4321)), .ipv6)
        XCTAssertEqual(reply.icmpType, 129)
        XCTAssertEqual(reply.icmpEchoID, 0x4321)
        // Neighbour solicitation after a hop-by-hop header: type and code only.
        let ns = decode(
            Build.ipv6(
                next: 0, Build.extensionHeader(next: 58) + Build.icmp(type: 135, [UInt8](repeating: 0, count: 16))),
            .ipv6)
        XCTAssertEqual(ns.outcome, .ip)
        XCTAssertEqual(ns.proto, 58)
        XCTAssertEqual(ns.icmpType, 135)
        XCTAssertEqual(ns.icmpEchoID, 0)
        XCTAssertFalse(ns.hasInner)
    }

    func testICMPv6ErrorsQuoteUDPAndTCP() {
        let quotedUDP = Build.ipv6(
            src: "fd00:20::9", dst: "2001:db8::53", next: 17, Build.udp(src: 40000, dst: 53, [1, 2]))
        let unreachable = decode(
            Build.ipv6(src: "2001:db8::1", dst: "fd00:20::9", next: 58, Build.icmp(type: 1, code: 4, quotedUDP)), .ipv6)
        XCTAssertEqual(unreachable.outcome, .ip)
        XCTAssertEqual(unreachable.icmpType, 1)
        XCTAssertEqual(unreachable.icmpCode, 4)
        XCTAssertTrue(unreachable.hasInner)
        XCTAssertEqual(unreachable.innerSrc, Build.address("fd00:20::9"))
        XCTAssertEqual(unreachable.innerDst, Build.address("2001:db8::53"))
        XCTAssertEqual(unreachable.innerProto, 17)
        XCTAssertTrue(unreachable.innerHasPorts)
        XCTAssertEqual(unreachable.innerSrcPort, 40000)
        XCTAssertEqual(unreachable.innerDstPort, 53)
        assertConsistent(unreachable)

        let quotedTCP = Build.ipv6(
            src: "fd00:10::5", dst: "fd00:30::8", next: 60,
            Build.extensionHeader(next: 6)
                + Build.tcp(src: 50123, dst: 22, flags: Flag.ack, [UInt8](repeating: 0, count: 64)))
        for type: UInt8 in [2, 3, 4] {
            let p = decode(Build.ipv6(next: 58, Build.icmp(type: type, id: 0, seq: 1280, quotedTCP)), .ipv6)
            XCTAssertTrue(p.hasInner, "type \(type)")
            XCTAssertEqual(p.innerProto, 6)
            XCTAssertEqual(p.innerSrcPort, 50123)
            XCTAssertEqual(p.innerDstPort, 22)
            XCTAssertEqual(p.icmpEchoID, 0)
        }
    }

    func testICMPv6ErrorQuotingAnEchoHasItsIdentifier() {
        for type: UInt8 in [128, 129] {
            let quoted = Build.ipv6(next: 58, Build.icmp(type: type, id: 4321, seq: 1))
            let p = decode(Build.ipv6(next: 58, Build.icmp(type: 3, quoted)), .ipv6)
            XCTAssertTrue(p.hasInner, "type \(type)")
            XCTAssertEqual(p.innerProto, 58)
            XCTAssertFalse(p.innerHasPorts)
            XCTAssertEqual(p.innerEchoID, 4321, "type \(type)")
            assertConsistent(p)
        }
        // An ICMPv4 echo type (8) inside ICMPv6 is no echo there.
        let other = Build.ipv6(next: 58, Build.icmp(type: 8, id: 4321))
        XCTAssertEqual(decode(Build.ipv6(next: 58, Build.icmp(type: 1, other)), .ipv6).innerEchoID, 0)
    }

    func testICMPv6ErrorQuotingAFragment() {
        let first = Build.ipv6(
            next: 44, Build.fragmentHeader(next: 17, offset: 0, more: true, id: 3) + Build.udp(src: 9, dst: 10))
        let f = decode(Build.ipv6(next: 58, Build.icmp(type: 3, code: 1, first)), .ipv6)
        XCTAssertTrue(f.hasInner)
        XCTAssertEqual(f.innerProto, 17)
        XCTAssertEqual(f.innerDstPort, 10)
        let later = Build.ipv6(next: 44, Build.fragmentHeader(next: 17, offset: 8, more: true, id: 3) + [1, 2, 3, 4])
        let l = decode(Build.ipv6(next: 58, Build.icmp(type: 3, code: 1, later)), .ipv6)
        XCTAssertTrue(l.hasInner)
        XCTAssertEqual(l.innerProto, 17)
        XCTAssertFalse(l.innerHasPorts)
        // The outer packet is not a fragment because the quoted one is.
        XCTAssertFalse(l.isFragment)
    }

    func testICMPv6ErrorUnreadableInner() {
        let quotes: [[UInt8]] = [
            [],
            Array(Build.ipv6(next: 17, Build.udp()).prefix(39)),
            Build.ipv4(proto: 17, Build.udp()),
            Build.ipv6(next: 60, [17, 3, 0, 0]),  // cut extension header
        ]
        for quoted in quotes {
            let p = decode(Build.ipv6(next: 58, Build.icmp(type: 1, quoted)), .ipv6)
            XCTAssertEqual(p.outcome, .ip)
            XCTAssertFalse(p.hasInner)
            assertConsistent(p)
        }
    }

    func testICMPv6Truncated() {
        for length in 0..<8 {
            let p = decode(Build.ipv6(next: 58, Array(Build.icmp(type: 128, id: 1).prefix(length))), .ipv6)
            XCTAssertEqual(p.anomaly, .icmpv6Truncated, "length \(length)")
            assertConsistent(p)
        }
    }
}
