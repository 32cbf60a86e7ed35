import XCTest

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

    /// The dotted-quad fast path answers exactly as the general parser on every text, or leaves it to it.
    func testDottedQuadFastPathAgreesWithTheGeneralParser() {
        var state: UInt64 = 5
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        let alphabet = Array("0123456789./:a ".utf8)
        var fast = 0
        for n in 0..<40_000 {
            var bytes: [UInt8] = []
            if n % 2 == 0 {
                // Near-valid: four octets of 1-4 digits, maybe a slash and 0-3 digits.
                for k in 0..<4 {
                    if k > 0 { bytes.append(UInt8(ascii: ".")) }
                    for _ in 0..<(1 + Int(next() % 4)) { bytes.append(UInt8(ascii: "0") + UInt8(next() % 10)) }
                }
                if next() % 2 == 0 {
                    bytes.append(UInt8(ascii: "/"))
                    for _ in 0..<Int(next() % 4) { bytes.append(UInt8(ascii: "0") + UInt8(next() % 10)) }
                }
                if next() % 8 == 0 { bytes[Int(next()) % bytes.count] = alphabet[Int(next()) % alphabet.count] }
            } else {
                for _ in 0..<Int(next() % 20) { bytes.append(alphabet[Int(next()) % alphabet.count]) }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            let quick = IPPrefix.dottedQuad(text.utf8)
            let general = IPPrefix.parsed(text)
            if let quick {
                fast += 1
                XCTAssertEqual(quick, general, text)
                XCTAssertEqual(quick.hadHostBits, general?.hadHostBits, text)
            }
            XCTAssertEqual(IPPrefix(text), general, text)
        }
        XCTAssertGreaterThan(fast, 1_000, "the fast path must take the common case")
    }
}

/// The hand-written text forms against the obvious definitions, over many values.
final class AddressTextTests: XCTestCase {
    func testIPv4AndMACTextMatchTheirDefinitions() {
        var r = SystemRandomNumberGenerator()
        let edges: [UInt32] = [0, 1, 9, 10, 99, 100, 255, 0x0a00_0001, 0xffff_ffff, 0x6464_6464, 0x0909_0909]
        for v in edges + (0..<5_000).map({ _ in UInt32.random(in: .min ... .max, using: &r) }) {
            let expected = [24, 16, 8, 0].map { String(v >> UInt32($0) & 0xff) }.joined(separator: ".")
            XCTAssertEqual(IPAddress(v4: v).description, expected)
        }
        for m in [0, 0xffff_ffff_ffff, 0x0200_0020_0304]
            + (0..<2_000).map({ _ in UInt64.random(in: 0...0xffff_ffff_ffff) })
        {
            let expected = (0..<6).reversed().map { i -> String in
                let b = UInt8(truncatingIfNeeded: m >> (UInt64(i) * 8))
                return b < 16 ? "0" + String(b, radix: 16) : String(b, radix: 16)
            }.joined(separator: ":")
            XCTAssertEqual(MACAddress(rawValue: m).description, expected)
        }
    }
}
