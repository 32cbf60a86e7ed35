import Foundation
import XCTest
import ZonesepTestSupport

@testable import ZonesepCore

/// Base64 against RFC 4648's test vectors (section 10), every padding case, and Foundation's encoder.
final class Base64Tests: XCTestCase {
    func testRFC4648Vectors() {
        let vectors = [
            ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ]
        for (plain, encoded) in vectors {
            XCTAssertEqual(Base64.encode(Array(plain.utf8)), encoded, plain)
        }
    }

    func testHighBytes() {
        XCTAssertEqual(Base64.encode([0xff, 0xfe, 0xfd, 0xfc]), "//79/A==")
    }

    /// The pointer encoder against Foundation's on random bytes of every length 0...64 (each padding case,
    /// the 20-byte Community ID digest among them), and every byte value in each position of a group.
    func testMatchesFoundationOnRandomInputsOfEveryLength() {
        var rng = SplitMix64(seed: 64)
        for length in 0...64 {
            for _ in 0..<40 {
                let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
                XCTAssertEqual(Base64.encode(bytes), Data(bytes).base64EncodedString(), "\(bytes)")
            }
        }
        for value in 0...255 {
            for position in 0..<3 {
                for length in position + 1...position + 3 {
                    var bytes = [UInt8](repeating: 0x5a, count: length)
                    bytes[position] = UInt8(value)
                    XCTAssertEqual(Base64.encode(bytes), Data(bytes).base64EncodedString(), "\(bytes)")
                }
            }
        }
    }

    /// `append` adds the text after what the destination holds, and writes only the encoded characters
    /// into a larger buffer (nothing past them).
    func testAppendAndEncodeIntoLargerBuffer() {
        var out = Array("1:".utf8)
        let digest: [UInt8] = (0..<20).map { UInt8($0 * 13) }
        digest.withUnsafeBytes { Base64.append($0, to: &out) }
        XCTAssertEqual(String(decoding: out, as: UTF8.self), "1:" + Data(digest).base64EncodedString())

        var buffer = [UInt8](repeating: 0xee, count: 12)
        ([0x01, 0x02, 0x03, 0x04] as [UInt8]).withUnsafeBytes { src in
            buffer.withUnsafeMutableBufferPointer { Base64.encode(src, into: $0) }
        }
        XCTAssertEqual(String(decoding: buffer.prefix(8), as: UTF8.self), "AQIDBA==")
        XCTAssertEqual(Array(buffer.suffix(4)), [0xee, 0xee, 0xee, 0xee])
    }
}
