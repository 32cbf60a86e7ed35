import XCTest
import ZonesepCrypto

/// SHA-256 against the FIPS 180-4 examples (NIST's "SHA256.pdf" and the long-message vector), padding
/// boundaries, and streaming in pieces of every size.
final class SHA256Tests: XCTestCase {
    func hex(_ s: String) -> String { SHA256.hex(SHA256.digest(Array(s.utf8))) }

    func testFIPS180Examples() {
        XCTAssertEqual(hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(
            hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(
            hex(
                "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrs"
                    + "mnopqrstnopqrstu"),
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
    }

    func testEmptyMessage() {
        XCTAssertEqual(hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    /// One million 'a', fed 1000 bytes at a time: the streaming path over many blocks.
    func testMillionAStreamed() {
        var hasher = SHA256()
        let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 { hasher.update(chunk) }
        let digest = hasher.finalize()
        XCTAssertEqual(SHA256.hex(digest), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Lengths around the 55/56/64-byte padding boundaries (reference values from Python's hashlib).
    func testPaddingBoundaries() {
        let expected: [(Int, String)] = [
            (55, "463eb28e72f82e0a96c0a4cc53690c571281131f672aa229e0d45ae59b598b59"),
            (56, "da2ae4d6b36748f2a318f23e7ab1dfdf45acdc9d049bd80e59de82a60895f562"),
            (63, "29af2686fd53374a36b0846694cc342177e428d1647515f078784d69cdb9e488"),
            (64, "fdeab9acf3710362bd2658cdc9a29e8f9c757fcf9811603a8c447cd1d9151108"),
            (65, "4bfd2c8b6f1eec7a2afeb48b934ee4b2694182027e6d0fc075074f2fabb31781"),
            (119, "da18797ed7c3a777f0847f429724a2d8cd5138e6ed2895c3fa1a6d39d18f7ec6"),
            (120, "f52b23db1fbb6ded89ef42a23ce0c8922c45f25c50b568a93bf1c075420bbb7c"),
            (1000, "4e4c294b331f7a2099a379bec34b9f9fc03dc46ab465d998f4d683da53487e6d"),
        ]
        for (n, digest) in expected {
            let message = (0..<n).map { UInt8($0 % 251) }
            XCTAssertEqual(SHA256.hex(SHA256.digest(message)), digest, "length \(n)")
        }
    }

    /// Any split of the message into two or three pieces gives the one-shot digest.
    func testSplitUpdatesMatchOneShot() {
        let message = (0..<300).map { UInt8(($0 * 7 + 3) % 256) }
        let whole = SHA256.digest(message)
        for cut in [0, 1, 55, 63, 64, 65, 128, 200, 299, 300] {
            for second in [cut, min(cut + 1, 300), min(cut + 64, 300), 300] {
                var hasher = SHA256()
                hasher.update(Array(message[0..<cut]))
                hasher.update(Array(message[cut..<second]))
                hasher.update(Array(message[second...]))
                let digest = hasher.finalize()
                XCTAssertEqual(digest, whole, "cuts at \(cut), \(second)")
            }
        }
        var byteAtATime = SHA256()
        for b in message { byteAtATime.update([b]) }
        let digest = byteAtATime.finalize()
        XCTAssertEqual(digest, whole)
    }

    func testHexIsLowerCaseAndTwoDigitsPerByte() {
        XCTAssertEqual(SHA256.hex([0x00, 0x0f, 0xa0, 0xff]), "000fa0ff")
    }
}
