import XCTest
import ZonesepCore
import ZonesepTestSupport

@testable import ZonesepConfig

/// The byte reader of IPv4 prefixes gives what `IPPrefix(String)` gives (the prefix and its host-bits
/// flag) for every IPv4 text that reading accepts, and declines everything else, on edge cases and on
/// tens of thousands of generated and mutated texts.
final class IPv4PrefixTextTests: XCTestCase {
    /// Checks one text both ways; returns whether `IPPrefix(String)` read it as IPv4.
    @discardableResult
    private func check(_ s: String, file: StaticString = #filePath, line: UInt = #line) -> Bool {
        let fast = IPv4PrefixText.parse(s)
        let reference = IPPrefix(s)
        guard let reference, reference.isIPv4, !s.contains(":") else {
            XCTAssertNil(fast, "'\(s)' is not IPv4 text, yet the byte reader read it", file: file, line: line)
            return false
        }
        guard let fast else {
            XCTFail("'\(s)' is IPv4 (\(reference)) but the byte reader declined it", file: file, line: line)
            return false
        }
        XCTAssertEqual(fast.prefix.address, reference.address, s, file: file, line: line)
        XCTAssertEqual(fast.prefix.length, reference.length, s, file: file, line: line)
        XCTAssertEqual(fast.hadHostBits, reference.hadHostBits, s, file: file, line: line)
        XCTAssertFalse(fast.prefix.hadHostBits, s, file: file, line: line)
        return true
    }

    func testEdgeCases() {
        let valid = [
            "0.0.0.0", "255.255.255.255", "10.30.1.208", "198.18.195.0/28", "10.0.0.0/8", "0.0.0.0/0",
            "10.1.2.3/16", "10.1.2.3/32", "10.1.2.3/31", "1.2.3.4/1", "128.0.0.0/1", "255.255.255.255/0",
            "010.001.000.9", "1.2.3.4/032", "1.2.3.4/00", "1.2.3.4/0000000032", "9.9.9.9/24",
        ]
        for s in valid { XCTAssertTrue(check(s), s) }
        let invalid = [
            "", "1", "1.2.3", "1.2.3.4.5", "1.2.3.", ".1.2.3", "1..2.3", "256.1.1.1", "1.2.3.256", "1.2.3.999",
            "0001.2.3.4", "1.2.3.0004", "1.2.3.4/", "1.2.3.4/33", "1.2.3.4/100", "1.2.3.4//8", "1.2.3.4/8/8",
            "1.2.3.4/-1", "1.2.3.4/+8", "+1.2.3.4", "1.2.3.4 ", " 1.2.3.4", "1.2.3.4/ 8", "1.2.3.a", "a.b.c.d",
            "::1", "::ffff:1.2.3.4", "1.2.3.4::", "fd00::/64", "1.2.3.4/8 ", "１.2.3.4", "1.2.3.4\u{0}",
            "/8", "1.2.3.4/٣",
        ]
        for s in invalid { XCTAssertFalse(check(s), s) }
    }

    func testGeneratedAndMutatedTexts() {
        var rng = SplitMix64(seed: 0x9E37_79B9_7F4A_7C15)
        func next() -> Int { Int(rng.next() >> 33) }
        let alphabet = Array("0123456789./:a 9".utf8)
        var validCount = 0
        for _ in 0..<40_000 {
            var text: [UInt8]
            switch next() % 3 {
            case 0:
                // A well-formed prefix, with octets and lengths near and beyond their limits.
                let octets = (0..<4).map { _ in String(next() % 2 == 0 ? next() % 256 : next() % 300) }
                text = Array(octets.joined(separator: ".").utf8)
                if next() % 2 == 0 { text += Array("/\(next() % 36)".utf8) }
            case 1:
                // A well-formed prefix with one byte changed, inserted or removed.
                text = Array("\(next() % 256).\(next() % 256).\(next() % 256).\(next() % 256)/\(next() % 33)".utf8)
                let at = next() % text.count
                switch next() % 3 {
                case 0: text[at] = alphabet[next() % alphabet.count]
                case 1: text.insert(alphabet[next() % alphabet.count], at: at)
                default: text.remove(at: at)
                }
            default:
                // Bytes of the alphabet at random.
                text = (0..<(next() % 20)).map { _ in alphabet[next() % alphabet.count] }
            }
            if check(String(decoding: text, as: UTF8.self)) { validCount += 1 }
        }
        // Both kinds were exercised in numbers.
        XCTAssertGreaterThan(validCount, 10_000)
        XCTAssertLessThan(validCount, 30_000)
    }
}
