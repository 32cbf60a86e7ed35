import XCTest
import ZonesepTestSupport

@testable import ZonesepCore

final class VisibleTextTests: XCTestCase {
    func testControlAndLayoutCharactersAreEscaped() {
        XCTAssertEqual(VisibleText.escape("a\nb\rc\td"), "a\\nb\\rc\\td")
        XCTAssertEqual(VisibleText.escape("\u{1B}[31mred\u{7F}\u{85}"), "\\u{1B}[31mred\\u{7F}\\u{85}")
        XCTAssertEqual(VisibleText.escape("x\u{2028}y\u{202E}z\u{2066}"), "x\\u{2028}y\\u{202E}z\\u{2066}")
        XCTAssertEqual(VisibleText.escape("\u{0}"), "\\u{0}")
    }

    func testOrdinaryTextIsUnchanged() {
        for s in ["", "lgwan", "LGWAN接続系", "マイナンバー利用事務系", "C:\\path", "e\u{301}", "🙂"] {
            XCTAssertEqual(VisibleText.escape(s), s)
        }
    }

    func testNoEscapedTextHoldsALineBreak() {
        var all = String.UnicodeScalarView()
        for v in 0..<0x3000 { if let u = Unicode.Scalar(v) { all.append(u) } }
        let escaped = VisibleText.escape(String(all))
        XCTAssertFalse(escaped.contains { $0.isNewline })
        XCTAssertFalse(escaped.unicodeScalars.contains(where: VisibleText.needsEscape))
        XCTAssertEqual(VisibleText.escape(escaped), escaped, "escaping twice changes nothing")
    }

    /// The check of a text's bytes, eight at a time where they are printable ASCII, against the same check
    /// byte by byte (as it was): texts of every length and alignment, each kind of byte that may need
    /// escaping (C0, DEL, C1, the separators, the bidirectional controls, ARABIC LETTER MARK) at every place.
    func testTheWordAtATimeCheckIsTheByteCheck() {
        func reference(_ b: [UInt8]) -> Bool {
            for i in b.indices {
                let c = b[i]
                if c < 0x20 || c == 0x7F { return true }
                let next: UInt8 = i + 1 < b.count ? b[i + 1] : 0
                if c == 0xC2 && next >= 0x80 && next <= 0x9F { return true }
                if c == 0xD8 && next == 0x9C { return true }
                if c == 0xE2 && (next == 0x80 || next == 0x81) { return true }
            }
            return false
        }
        let odd: [[UInt8]] = [
            [0x00], [0x1F], [0x0A], [0x7F], [0xC2, 0x85], [0xC2, 0xA0], [0xD8, 0x9C], [0xE2, 0x80, 0xA8],
            [0xE2, 0x81, 0xA6], [0xE3, 0x83, 0x9E], [0x20], [0x7E], [0x80], [0xFF],
        ]
        var rng = SplitMix64(seed: 0x9E37_79B9_7F4A_7C15)
        func next() -> Int { Int(truncatingIfNeeded: rng.next() >> 33) }
        var flagged = 0
        var plain = 0
        for length in 0..<40 {
            for at in 0...length {
                for o in odd {
                    // Printable ASCII around one odd sequence, after 0-7 bytes of offset.
                    let offset = next() % 8
                    var bytes = (0..<(offset + length)).map { _ in UInt8(0x20 + next() % 0x5F) }
                    bytes.insert(contentsOf: o, at: offset + at)
                    let got = bytes.withUnsafeBufferPointer {
                        VisibleText.mayNeedEscape(UnsafeBufferPointer(rebasing: $0[offset...]))
                    }
                    let want = reference(Array(bytes[offset...]))
                    XCTAssertEqual(got, want, "\(bytes[offset...].map { $0 })")
                    if want { flagged += 1 } else { plain += 1 }
                }
            }
        }
        XCTAssertGreaterThan(flagged, 1000)
        XCTAssertGreaterThan(plain, 1000)
        for length in 0..<64 {
            let bytes = (0..<length).map { _ in UInt8(0x20 + next() % 0x5F) }
            XCTAssertFalse(bytes.withUnsafeBufferPointer { VisibleText.mayNeedEscape($0) }, "\(bytes)")
        }
    }
}
