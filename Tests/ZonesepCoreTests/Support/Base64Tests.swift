import XCTest

@testable import ZonesepCore

/// Base64 against RFC 4648's test vectors (section 10), every padding case.
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
}
