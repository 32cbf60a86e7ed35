import XCTest
import ZonesepCrypto

/// SHA-1 against FIPS 180-4's examples (NIST's "SHA1.pdf"): the Community ID depends on nothing else.
final class SHA1Tests: XCTestCase {
    func hex(_ s: String) -> String { Hex.encode(SHA1.digest(Array(s.utf8))) }

    func testFIPS180Examples() {
        XCTAssertEqual(hex("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d")
        XCTAssertEqual(
            hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"), "84983e441c3bd26ebaae4aa1f95129e5e54670f1")
        XCTAssertEqual(hex(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709")
    }

    func testMillionA() {
        XCTAssertEqual(
            Hex.encode(SHA1.digest([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))),
            "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
    }
}
