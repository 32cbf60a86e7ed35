import XCTest
import ZonesepTestSupport

@testable import ZonesepConfig

final class UTF8TextTests: XCTestCase {
    /// The word-at-a-time check agrees with the standard library's on random bytes: mostly ASCII with
    /// runs of high bytes (valid characters, broken ones, stray continuations) at every alignment.
    func testAgreesWithTheStandardLibrary() {
        var rng = SplitMix64(seed: 0x9e37_79b9_7f4a_7c15)
        func next() -> UInt64 { rng.next() >> 33 }
        let pieces: [[UInt8]] = [
            Array("第一".utf8), Array("é".utf8), Array("🙂".utf8), [0xC3], [0x80], [0xE3, 0x81], [0xF4, 0x90, 0x80, 0x80],
            [0xED, 0xA0, 0x80], [0xC0, 0xAF], [0xFF],
        ]
        var invalid = 0
        for _ in 0..<20_000 {
            var bytes: [UInt8] = []
            for _ in 0..<Int(next() % 40) {
                if next() % 4 == 0 {
                    bytes += pieces[Int(next() % UInt64(pieces.count))]
                } else {
                    bytes.append(UInt8(next() % 0x80))
                }
            }
            let expected = String(validating: bytes, as: UTF8.self) != nil
            if !expected { invalid += 1 }
            XCTAssertEqual(UTF8Text.isValid(bytes), expected, "\(bytes)")
            // The byte named in the diagnostic: everything before it is UTF-8, and no character starts there.
            if let bad = UTF8Text.firstInvalidByte(bytes) {
                XCTAssertNotNil(String(validating: bytes[..<bad], as: UTF8.self), "\(bytes) before \(bad)")
                for end in (bad + 1)...min(bad + 4, bytes.count) {
                    XCTAssertNil(String(validating: bytes[..<end], as: UTF8.self), "\(bytes) up to \(end)")
                }
            }
        }
        XCTAssertGreaterThan(invalid, 1_000)
        XCTAssertTrue(UTF8Text.isValid([]))
    }
}
