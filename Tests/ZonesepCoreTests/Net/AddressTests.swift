import Glibc
import XCTest
import ZonesepTestSupport

@testable import ZonesepCore

final class AddressTests: XCTestCase {
    func testIPv4RoundTrip() {
        let a = IPAddress("10.20.3.4")
        XCTAssertEqual(a?.isIPv4, true)
        XCTAssertEqual(a?.v4, 0x0A14_0304)
        XCTAssertEqual(a?.description, "10.20.3.4")
        XCTAssertNil(IPAddress("10.20.3"))
        XCTAssertNil(IPAddress("10.20.3.256"))
        XCTAssertNil(IPAddress("10.20..4"))
    }

    func testIPv6ParsingAndRFC5952Text() {
        XCTAssertEqual(IPAddress("fd00:10::1")?.description, "fd00:10::1")
        XCTAssertEqual(IPAddress("2001:DB8:0:0:0:0:0:1")?.description, "2001:db8::1")
        XCTAssertEqual(IPAddress("::")?.description, "::")
        XCTAssertEqual(IPAddress("::1")?.description, "::1")
        XCTAssertEqual(IPAddress("fe80::1:2")?.rawValue, 0xfe80_0000_0000_0000_0000_0000_0001_0002)
        XCTAssertEqual(IPAddress("1:0:0:2:0:0:0:3")?.description, "1:0:0:2::3")
        XCTAssertEqual(IPAddress("::ffff:1.2.3.4"), IPAddress("1.2.3.4"))
        XCTAssertNil(IPAddress("1::2::3"))
        XCTAssertNil(IPAddress("12345::"))
        XCTAssertNil(IPAddress(":1:2"))
        XCTAssertNil(IPAddress("1:2:3:4:5:6:7:8:9"))
    }

    func testPrefixes() throws {
        let p = try XCTUnwrap(IPPrefix("10.20.0.0/16"))
        XCTAssertTrue(p.contains(IPAddress("10.20.255.1")!))
        XCTAssertFalse(p.contains(IPAddress("10.21.0.1")!))
        XCTAssertFalse(p.contains(IPAddress("::a14:1")!))  // IPv4-compatible (not mapped) is IPv6
        XCTAssertEqual(p.description, "10.20.0.0/16")
        XCTAssertFalse(p.hadHostBits)
        XCTAssertEqual(IPPrefix("10.1.2.3/16")?.hadHostBits, true)
        XCTAssertEqual(IPPrefix("10.1.2.3")?.description, "10.1.2.3")
        XCTAssertEqual(IPPrefix("fd00:10::/48")?.displayLength, 48)
        XCTAssertNil(IPPrefix("10.0.0.0/33"))
        XCTAssertNil(IPPrefix("10.0.0.0/"))
        XCTAssertNil(IPPrefix("fd00::/129"))
        XCTAssertEqual(IPPrefix("0.0.0.0/0")?.contains(IPAddress("8.8.8.8")!), true)
        XCTAssertEqual(IPPrefix("0.0.0.0/0")?.contains(IPAddress("2001:db8::1")!), false)
    }

    /// An IPv6 prefix wide enough to take in the IPv4-mapped block, where IPv4 addresses are kept, holds
    /// none of them; its parts (what the tables compile) are exactly the rest of it. A prefix written inside
    /// the block is the IPv4 prefix it spells.
    func testIPv6PrefixesHoldNoIPv4Address() throws {
        let v4 = ["8.8.8.8", "10.0.0.1", "0.0.0.0", "255.255.255.255"].map { IPAddress($0)! }
        for text in ["::/0", "::/1", "::/64", "::/80", "::ffff:0:0/95", "::fffe:0:0/80"] {
            let p = try XCTUnwrap(IPPrefix(text))
            XCTAssertTrue(p.coversIPv4Block, text)
            for a in v4 { XCTAssertFalse(p.contains(a), "\(text) holds \(a)") }
            XCTAssertTrue(p.contains(IPAddress(rawValue: p.first)), text)
            // From ::/80 in, the block is the prefix's top: its last address is 255.255.255.255.
            XCTAssertEqual(p.contains(IPAddress(rawValue: p.last)), p.length < 80, text)
            XCTAssertTrue(p.contains(IPAddress(rawValue: IPAddress.v4MappedPrefix - 1)), text)
            // The parts: disjoint, outside the block, inside the prefix, and together all of it but the block.
            let parts = p.matchedParts.sorted { $0.first < $1.first }
            XCTAssertEqual(parts.count, 96 - p.length, text)
            var size: UInt128 = 0
            for (k, q) in parts.enumerated() {
                XCTAssertFalse(q.coversIPv4Block || q.isIPv4, "\(text): \(q)")
                XCTAssertTrue(p.first <= q.first && q.last <= p.last, "\(text): \(q)")
                if k > 0 { XCTAssertLessThan(parts[k - 1].last, q.first, "\(text): \(q)") }
                for a in [q.first, q.last] { XCTAssertTrue(p.contains(IPAddress(rawValue: a)), "\(text): \(q)") }
                size &+= q.last &- q.first &+ 1
            }
            XCTAssertEqual(size, (p.last &- p.first) &- (1 << 32) &+ 1, "\(text): all but the block's 2^32")
        }
        for text in ["fd00::/8", "2001:db8::/32", "::1/128", "::/96", "::ffff:0:0/96", "10.0.0.0/8"] {
            let p = try XCTUnwrap(IPPrefix(text))
            XCTAssertFalse(p.coversIPv4Block, text)
            XCTAssertEqual(p.matchedParts, [p], text)
        }
        XCTAssertTrue(IPPrefix("::/0")!.contains(IPAddress("2001:db8::1")!))
        XCTAssertTrue(IPPrefix("::/64")!.contains(IPAddress("::1:2:3:4")!))
        XCTAssertFalse(IPPrefix("::/96")!.contains(IPAddress("10.0.0.1")!), "IPv4-compatible, not mapped")
        // Written inside the block: the IPv4 prefix it spells.
        let mapped = try XCTUnwrap(IPPrefix("::ffff:10.0.0.0/104"))
        XCTAssertEqual(mapped, IPPrefix("10.0.0.0/8"))
        XCTAssertEqual(mapped.description, "10.0.0.0/8")
        XCTAssertTrue(mapped.contains(IPAddress("10.200.0.1")!))
        XCTAssertFalse(mapped.contains(IPAddress("fd00::1")!))
        XCTAssertEqual(IPPrefix("::ffff:0:0/96"), IPPrefix("0.0.0.0/0"))
        XCTAssertEqual(IPPrefix("::ffff:10.0.0.1"), IPPrefix("10.0.0.1"))
    }

    func testMAC() {
        XCTAssertEqual(MACAddress("02:00:00:00:01:05")?.rawValue, 0x0200_0000_0105)
        XCTAssertEqual(MACAddress("02-00-00-00-01-0A")?.description, "02:00:00:00:01:0a")
        XCTAssertNil(MACAddress("02:00:00:00:01"))
        XCTAssertNil(MACAddress("02:00:00:00:01:zz"))
    }

    func testPortSpecs() {
        XCTAssertEqual(try PortSpec.parse("tcp/443").get(), .tcp(443...443))
        XCTAssertEqual(try PortSpec.parse("udp/3478-3481").get(), .udp(3478...3481))
        XCTAssertEqual(try PortSpec.parse("icmp").get(), .icmp)
        XCTAssertEqual(try PortSpec.parse("any").get(), .any)
        for bad in ["tcp/", "tcp/70000", "sctp/1", "tcp/5-1", "tcp/1-2-3", "443"] {
            XCTAssertThrowsError(try PortSpec.parse(bad).get(), bad)
        }
        XCTAssertTrue(PortSpec.tcp(3478...3481).matches(proto: 6, port: 3480))
        XCTAssertFalse(PortSpec.tcp(3478...3481).matches(proto: 17, port: 3480))
        XCTAssertFalse(PortSpec.udp(53...53).matches(proto: 17, port: nil))
        XCTAssertTrue(PortSpec.icmp.matches(proto: 58, port: nil))
        XCTAssertTrue(PortSpec.any.matches(proto: 47, port: nil))
    }

    /// The byte reader answers as the string-splitting reading it replaced (`ReferenceAddressText`), on
    /// near-valid IPv4 and IPv6 text and on noise, except where that reading was lax: a `+` or `-` sign
    /// before a hex group (`Int(_:radix:)` takes one) and an IPv4 tail that is not the last two groups.
    func testByteReaderAgreesWithTheStringReading() {
        var rng = SplitMix64(seed: 5)
        func next() -> Int { Int(rng.next() >> 33) }
        let alphabet = Array("0123456789abcdefABCDEF./:+- ".utf8)
        var accepted = (v4: 0, v6: 0)
        for n in 0..<60_000 {
            var bytes: [UInt8] = []
            switch n % 3 {
            case 0:
                // Near-valid IPv4: four octets of 1-4 digits, maybe a slash and 0-3 digits.
                for k in 0..<4 {
                    if k > 0 { bytes.append(UInt8(ascii: ".")) }
                    for _ in 0..<(1 + next() % 4) { bytes.append(UInt8(ascii: "0") + UInt8(next() % 10)) }
                }
            case 1:
                // Near-valid IPv6: 1-9 groups of 0-5 hex digits, a `::` somewhere, maybe an IPv4 tail.
                let groups = 1 + next() % 9
                let gap = next() % (groups + 2)
                for k in 0..<groups {
                    if k > 0 { bytes += k == gap ? Array("::".utf8) : [UInt8(ascii: ":")] }
                    for _ in 0..<(next() % 6) { bytes.append(alphabet[next() % 22]) }
                }
                if gap == groups { bytes += Array("::".utf8) }
                if next() % 4 == 0 { bytes += Array(":10.\(next() % 300).3.4".utf8) }
            default:
                for _ in 0..<(next() % 24) { bytes.append(alphabet[next() % alphabet.count]) }
            }
            if n % 3 != 2 && next() % 2 == 0 {
                bytes.append(UInt8(ascii: "/"))
                for _ in 0..<(next() % 4) { bytes.append(UInt8(ascii: "0") + UInt8(next() % 10)) }
            }
            if !bytes.isEmpty && next() % 8 == 0 { bytes[next() % bytes.count] = alphabet[next() % alphabet.count] }
            let text = String(decoding: bytes, as: UTF8.self)
            let reference = ReferenceAddressText.prefix(text)
            let got = IPPrefix(text)
            if reference != nil && ReferenceAddressText.isLax(text) {
                continue
            }
            XCTAssertEqual(got?.address, reference?.prefix.address, text)
            XCTAssertEqual(got?.length, reference?.prefix.length, text)
            XCTAssertEqual(got?.hadHostBits, reference?.hadHostBits, text)
            if let got { got.isIPv4 && !text.contains(":") ? (accepted.v4 += 1) : (accepted.v6 += 1) }
        }
        XCTAssertGreaterThan(accepted.v4, 1_000, "near-valid IPv4 text must be read")
        XCTAssertGreaterThan(accepted.v6, 1_000, "near-valid IPv6 text must be read")
    }

    /// IPv6 text against the C library's `inet_pton`, an independent reader, on the same kinds of text.
    func testIPv6ReaderAgreesWithInetPton() {
        var rng = SplitMix64(seed: 11)
        func next() -> Int { Int(rng.next() >> 33) }
        let hex = Array("0123456789abcdefABCDEF".utf8)
        var accepted = 0
        for _ in 0..<30_000 {
            var bytes: [UInt8] = []
            let groups = 1 + next() % 9
            let gap = next() % (groups + 2)
            for k in 0..<groups {
                if k > 0 { bytes += k == gap ? Array("::".utf8) : [UInt8(ascii: ":")] }
                for _ in 0..<(next() % 6) { bytes.append(hex[next() % hex.count]) }
            }
            if gap == groups { bytes += Array("::".utf8) }
            // An IPv4 tail without leading zeros (inet_pton refuses them; zones.conf reads them as decimal).
            if next() % 4 == 0 { bytes += Array(":\(next() % 300).\(next() % 10).3.4".utf8) }
            let text = String(decoding: bytes, as: UTF8.self)
            var raw = in6_addr()
            let c = inet_pton(AF_INET6, text, &raw) == 1
            let ours = IPAddress(text)
            XCTAssertEqual(ours != nil, c, text)
            if c, let ours {
                let expected = withUnsafeBytes(of: raw) { $0.reduce(UInt128(0)) { $0 << 8 | UInt128($1) } }
                XCTAssertEqual(ours.rawValue, expected, text)
                accepted += 1
            }
        }
        XCTAssertGreaterThan(accepted, 1_000)
    }

    /// The usual port spellings read from bytes give what the general reading gives; the rest go to it.
    func testPortFastPathAgreesWithTheGeneralReading() {
        var rng = SplitMix64(seed: 3)
        func next() -> Int { Int(rng.next() >> 33) }
        let alphabet = Array("0123456789-/tcpudanyimTCP ".utf8)
        var fast = 0
        for n in 0..<40_000 {
            var bytes: [UInt8] = []
            if n % 2 == 0 {
                bytes = Array(["tcp/", "udp/", "TCP/", "icmp", "any", "sctp/"][next() % 6].utf8)
                for _ in 0..<(next() % 7) { bytes.append(UInt8(ascii: "0") + UInt8(next() % 10)) }
                if next() % 3 == 0 {
                    bytes.append(UInt8(ascii: "-"))
                    for _ in 0..<(next() % 7) { bytes.append(UInt8(ascii: "0") + UInt8(next() % 10)) }
                }
                if next() % 8 == 0 { bytes[next() % bytes.count] = alphabet[next() % alphabet.count] }
            } else {
                for _ in 0..<(next() % 14) { bytes.append(alphabet[next() % alphabet.count]) }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            let general = try? PortSpec.general(text).get()
            if let quick = withUTF8Bytes(text, PortSpec.common) {
                fast += 1
                XCTAssertEqual(quick, general, text)
            }
            XCTAssertEqual(try? PortSpec.parse(text).get(), general, text)
        }
        XCTAssertGreaterThan(fast, 3_000, "the fast path must take the common case")
    }
}

/// The hand-written text forms against the obvious definitions, over many values.
final class AddressTextTests: XCTestCase {
    func testIPv4AndMACTextMatchTheirDefinitions() {
        var r = SplitMix64(seed: 4)
        let edges: [UInt32] = [0, 1, 9, 10, 99, 100, 255, 0x0a00_0001, 0xffff_ffff, 0x6464_6464, 0x0909_0909]
        for v in edges + (0..<5_000).map({ _ in UInt32.random(in: .min ... .max, using: &r) }) {
            let expected = [24, 16, 8, 0].map { String(v >> UInt32($0) & 0xff) }.joined(separator: ".")
            XCTAssertEqual(IPAddress(v4: v).description, expected)
        }
        for m in [0, 0xffff_ffff_ffff, 0x0200_0020_0304]
            + (0..<2_000).map({ _ in UInt64.random(in: 0...0xffff_ffff_ffff, using: &r) })
        {
            let expected = (0..<6).reversed().map { i -> String in
                let b = UInt8(truncatingIfNeeded: m >> (UInt64(i) * 8))
                return b < 16 ? "0" + String(b, radix: 16) : String(b, radix: 16)
            }.joined(separator: ":")
            XCTAssertEqual(MACAddress(rawValue: m).description, expected)
        }
    }
}
