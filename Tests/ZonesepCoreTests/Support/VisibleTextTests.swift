import XCTest

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
}
