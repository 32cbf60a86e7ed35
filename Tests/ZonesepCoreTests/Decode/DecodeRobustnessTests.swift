import XCTest
import ZonesepCore
import ZonesepTestSupport

/// Anomaly coverage, every-prefix truncation and random bytes: the decoder's "never traps, never lies".
final class DecodeRobustnessTests: XCTestCase {
    /// Kinds that other stages record (the fragment table, the capture reader), never the decoder.
    static let notFromTheDecoder: Set<DecodeAnomaly> = [.fragmentOrphan, .captureTruncated, .timestampOutOfRange]

    /// Kinds only a tunnel reaches: `TunnelDecoderTests` reaches each of them.
    static let tunnelAnomalies: Set<DecodeAnomaly> = [
        .encapsulationTooDeep, .eTagTruncated, .vnTagTruncated, .mplsTruncated, .pppoeTruncated, .pppoeBadHeader,
        .pppTruncated, .greTruncated, .greBadVersion, .erspanTruncated, .erspanBadVersion, .vxlanTruncated,
        .geneveTruncated, .geneveBadVersion, .sctpTruncated, .etheripTruncated, .etheripBadVersion, .cmdTruncated,
        .hsrTruncated,
    ]

    static let tcp4 = Build.ipv4(proto: 6, Build.tcp(flags: 2))

    /// One frame per anomaly the decoder records.
    static let anomalyCases: [(DecodeAnomaly, LinkType, [UInt8])] = [
        (.linkTruncated, .ethernet, [0x02, 0, 0]),
        (.vlanTruncated, .ethernet, Build.ethernet(type: 0x8100, [0x00])),
        (
            .vlanTooManyTags, .ethernet,
            Build.ethernet(tags: (1...9).map { (0x8100, UInt16($0)) }, type: 0x0800, tcp4)
        ),
        (.ipv4Truncated, .ethernet, Build.ethernet(type: 0x0800, Array(tcp4.prefix(19)))),
        (.ipv4BadVersion, .ipv4, Build.ipv4(proto: 6, version: 7, Build.tcp(flags: 2))),
        (.ipv4BadHeaderLength, .ipv4, Build.ipv4(proto: 6, ihl: 2, Build.tcp(flags: 2))),
        (.ipv4BadTotalLength, .ipv4, Build.ipv4(proto: 6, totalLength: 12, Build.tcp(flags: 2))),
        (.ipv6Truncated, .ipv6, Array(Build.ipv6(next: 17, Build.udp()).prefix(30))),
        (.ipv6BadVersion, .ipv6, Build.ipv6(next: 17, version: 4, Build.udp())),
        (.ipv6ExtensionTruncated, .ipv6, Build.ipv6(next: 43, [17, 2, 0, 0])),
        (.ipv6TooManyExtensions, .ipv6, Build.ipv6(next: 0, [UInt8](repeating: 0, count: 9 * 8))),
        (.tcpTruncated, .ipv4, Build.ipv4(proto: 6, [0, 80, 1])),
        (.tcpBadHeaderLength, .ipv4, Build.ipv4(proto: 6, Build.tcp(flags: 2, dataOffset: 3))),
        (.udpTruncated, .ipv4, Build.ipv4(proto: 17, [0, 53])),
        (.udpBadLength, .ipv4, Build.ipv4(proto: 17, Build.udp(length: 4))),
        (.icmpTruncated, .ipv4, Build.ipv4(proto: 1, [8, 0, 0])),
        (.icmpv6Truncated, .ipv6, Build.ipv6(next: 58, [128])),
        (.unknownAddressFamily, .null, Build.be32(0x1234_5678) + tcp4),
        (
            .arpTruncated, .ethernet,
            Build.ethernet(type: 0x0806, Array(Build.arp(senderIP: "10.0.0.1", targetIP: "10.0.0.2").prefix(27)))
        ),
        (.llcTruncated, .ethernet, Build.ethernet(type: 46, [0xaa, 0xaa, 0x03, 0, 0])),
        (.ahTruncated, .ipv4, Build.ipv4(proto: 51, Array(Build.authenticationHeader(next: 6).prefix(20)))),
        (
            .neighborAdvertisementTruncated, .ipv6,
            Build.ipv6(next: 58, Array(Build.neighborAdvertisement(target: "fd00::1").prefix(23)))
        ),
    ]

    func testEveryDecoderAnomalyIsReachable() {
        var seen = Set<DecodeAnomaly>()
        for (expected, link, frame) in Self.anomalyCases {
            let p = decode(frame, link)
            XCTAssertEqual(p.outcome, .malformed, expected.name)
            XCTAssertEqual(p.anomaly, expected, expected.name)
            assertConsistent(p, expected.name)
            seen.insert(expected)
        }
        XCTAssertEqual(
            seen, Set(DecodeAnomaly.allCases).subtracting(Self.notFromTheDecoder).subtracting(Self.tunnelAnomalies))
    }

    func testAnomalyNamesAreKebabCase() {
        for anomaly in DecodeAnomaly.allCases {
            XCTAssertTrue(anomaly.name.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "-" }, anomaly.name)
            XCTAssertEqual(anomaly.description, anomaly.name)
        }
    }

    /// Valid frames of every shape the decoder handles.
    static var validFrames: [(String, LinkType, [UInt8])] {
        let icmpError = Build.ipv4(
            src: "10.30.0.1", dst: "10.20.3.4", proto: 1,
            Build.icmp(
                type: 3, code: 3,
                Build.ipv4(
                    src: "10.20.3.4", dst: "10.30.7.8", proto: 17, options: [1, 1, 1, 0],
                    Build.udp(src: 5000, dst: 161, [1, 2, 3, 4]))))
        let icmpv6Error = Build.ipv6(
            next: 58,
            Build.icmp(
                type: 1, code: 0,
                Build.ipv6(next: 0, Build.extensionHeader(next: 6) + Build.tcp(src: 40001, dst: 443, flags: 2))))
        let v6Chain = Build.ipv6(
            next: 0,
            Build.extensionHeader(next: 60) + Build.extensionHeader(next: 44, units: 1)
                + Build.fragmentHeader(next: 17, offset: 0, more: true, id: 42)
                + Build.udp(src: 500, dst: 4500, [9, 9]))
        return [
            (
                "eth-tcp4", .ethernet,
                Build.ethernet(type: 0x0800, Build.ipv4(proto: 6, Build.tcp(src: 1, dst: 2, flags: 0x12, [7])))
            ),
            (
                "eth-qinq-udp6", .ethernet,
                Build.ethernet(tags: [(0x88a8, 100), (0x8100, 200)], type: 0x86dd, Build.ipv6(next: 17, Build.udp()))
            ),
            ("eth-icmp-error", .ethernet, Build.ethernet(type: 0x0800, icmpError)),
            ("eth-icmpv6-error", .ethernet, Build.ethernet(tags: [(0x8100, 5)], type: 0x86dd, icmpv6Error)),
            ("eth-v6-chain", .ethernet, Build.ethernet(type: 0x86dd, v6Chain)),
            (
                "eth-v4-options-fragment", .ethernet,
                Build.ethernet(
                    type: 0x0800,
                    Build.ipv4(proto: 6, options: [1, 1, 1, 0], moreFragments: true, Build.tcp(flags: 0x18, [1, 2])))
            ),
            (
                "eth-v4-later-fragment", .ethernet,
                Build.ethernet(type: 0x0800, Build.ipv4(proto: 17, fragmentOffset: 3, [1, 2, 3, 4]))
            ),
            (
                "eth-snap-tcp4", .ethernet,
                Build.ethernet(
                    type: 48, [0xaa, 0xaa, 0x03, 0, 0, 0, 0x08, 0x00] + Build.ipv4(proto: 6, Build.tcp(flags: 2)))
            ),
            ("eth-arp", .ethernet, Build.ethernet(type: 0x0806, [UInt8](repeating: 1, count: 28))),
            (
                "sll-echo", .linuxSLL,
                Build.sll(proto: 0x0800, Build.ipv4(proto: 1, Build.icmp(type: 8, id: 77, [1, 2])))
            ),
            ("sll2-echo6", .linuxSLL2, Build.sll2(proto: 0x86dd, Build.ipv6(next: 58, Build.icmp(type: 128, id: 78)))),
            ("null-tcp4", .null, Build.le32(2) + Build.ipv4(proto: 6, Build.tcp(flags: 2))),
            ("loop-udp6", .loop, Build.be32(24) + Build.ipv6(next: 17, Build.udp())),
            (
                "raw-gre-pptp", .raw,
                Build.ipv4(proto: 47, [0x30, 0x01, 0x88, 0x0b, 0, 4, 0, 7, 0, 0, 0, 1, 0xff, 3, 0, 0x21])
            ),
            ("raw-v6-icmpv6-error", .raw, icmpv6Error),
            ("ipv4-icmp-error", .ipv4, icmpError),
            ("ipv6-chain", .ipv6, v6Chain),
        ]
    }

    /// Every prefix of a valid frame decodes to a valid outcome or a truncation anomaly, and whatever it
    /// reports agrees with the whole frame: a cut never invents values.
    func testTruncationSweep() {
        for (name, link, frame) in Self.validFrames {
            let full = decode(frame, link)
            XCTAssertNotEqual(full.outcome, .malformed, name)
            XCTAssertNil(full.anomaly, name)
            var becameValid = false
            for length in 0..<frame.count {
                let p = decode(Array(frame.prefix(length)), link)
                let what = "\(name) cut at \(length)"
                assertConsistent(p, what)
                if let anomaly = p.anomaly {
                    XCTAssertTrue(anomaly.name.hasSuffix("-truncated"), "\(what): \(anomaly.name)")
                    XCTAssertFalse(becameValid, "\(what): malformed after a shorter prefix decoded")
                } else {
                    becameValid = true
                    XCTAssertEqual(p.outcome, full.outcome, what)
                }
                if p.ipVersion != 0 {
                    XCTAssertEqual(p.src, full.src, what)
                    XCTAssertEqual(p.dst, full.dst, what)
                }
                if p.hasPorts {
                    XCTAssertEqual(p.srcPort, full.srcPort, what)
                    XCTAssertEqual(p.dstPort, full.dstPort, what)
                    // A header cut before its flags says none (0), never other ones.
                    XCTAssertEqual(p.tcpFlags, p.tcpFlagsCut ? 0 : full.tcpFlags, what)
                }
                if p.hasInner {
                    XCTAssertEqual(p.innerSrc, full.innerSrc, what)
                    XCTAssertEqual(p.innerDst, full.innerDst, what)
                    XCTAssertEqual(p.innerProto, full.innerProto, what)
                }
                if p.innerHasPorts {
                    XCTAssertEqual(p.innerSrcPort, full.innerSrcPort, what)
                    XCTAssertEqual(p.innerDstPort, full.innerDstPort, what)
                }
                XCTAssertEqual(p.srcMAC == nil || p.srcMAC == full.srcMAC, true, what)
            }
        }
    }

    func testTruncationSweepExactAnomalies() {
        // Ethernet (14) + IPv4 (20) + TCP (4 needed for the ports, 14 for the flags, of 20).
        let frame = Build.ethernet(type: 0x0800, Build.ipv4(proto: 6, Build.tcp(src: 1, dst: 2, flags: 2)))
        for length in 0...frame.count {
            let p = decode(Array(frame.prefix(length)))
            switch length {
            case 0..<14: XCTAssertEqual(p.anomaly, .linkTruncated, "\(length)")
            case 14..<34: XCTAssertEqual(p.anomaly, .ipv4Truncated, "\(length)")
            case 34..<38: XCTAssertEqual(p.anomaly, .tcpTruncated, "\(length)")
            case 38..<48:
                XCTAssertEqual(p.outcome, .ip, "\(length)")
                XCTAssertTrue(p.tcpFlagsCut, "\(length)")
                XCTAssertEqual(p.dstPort, 2)
            default:
                XCTAssertEqual(p.outcome, .ip, "\(length)")
                XCTAssertEqual(p.dstPort, 2)
            }
        }
    }

    /// Random bytes and random corruptions of valid frames, on every link type: no trap, invariants hold.
    func testRandomAndCorruptedFrames() {
        var rng = SplitMix64(seed: 0x5eed_dfbe_823c)
        let frames = Self.validFrames
        var outcomes: [DecodedPacket.Outcome: Int] = [:]
        for i in 0..<30_000 {
            let link = LinkType.allCases[Int(rng.next() % UInt64(LinkType.allCases.count))]
            var bytes: [UInt8]
            if i % 3 == 0 {
                bytes = (0..<Int(rng.next() % 120)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            } else {
                bytes = frames[Int(rng.next() % UInt64(frames.count))].2
                for _ in 0..<(1 + Int(rng.next() % 4)) where !bytes.isEmpty {
                    bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next())
                }
                if rng.next() % 2 == 0 { bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count + 1)))) }
            }
            let p = decode(bytes, link)
            outcomes[p.outcome, default: 0] += 1
            assertConsistent(p, "random frame \(i) on \(link.name): \(bytes)")
        }
        // The corpus exercised every outcome.
        XCTAssertEqual(outcomes.count, 4, "\(outcomes)")
    }
}
