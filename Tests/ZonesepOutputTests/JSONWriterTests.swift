import Foundation
import XCTest

@testable import ZonesepOutput

final class JSONWriterTests: XCTestCase {
    func testPlainStringsPassThroughWhole() {
        XCTAssertEqual(JSONObject.string("10.20.3.4"), #""10.20.3.4""#)
        XCTAssertEqual(JSONObject.string("LGWAN接続系 10.20.3.4 → 10.30.7.8"), "\"LGWAN接続系 10.20.3.4 → 10.30.7.8\"")
        XCTAssertFalse(JSONObject.needsEscaping("→ 〇〇町役場 \u{2027}\u{202A}"))
    }

    func testEscapes() {
        XCTAssertEqual(JSONObject.string("a\"b\\c"), #""a\"b\\c""#)
        XCTAssertEqual(JSONObject.string("l1\nl2\r\t"), #""l1\nl2\r\t""#)
        XCTAssertEqual(JSONObject.string("\u{1}\u{1f}\u{7f}"), #""\u0001\u001f\u007f""#)
        XCTAssertEqual(JSONObject.string("→\u{2028}x\u{2029}"), #""→\u2028x\u2029""#)
    }

    /// Whatever the input, the output parses back to the same string.
    func testRoundTripThroughJSONSerialization() throws {
        let samples = ["", "plain", "日本語\u{2028}", "\"\\\u{0}\u{7}", "→→\u{e2}", String(repeating: "é\n", count: 50)]
        for s in samples {
            var o = JSONObject()
            o.add("k", s)
            let parsed = try JSONSerialization.jsonObject(with: Data(o.json.utf8)) as? [String: String]
            XCTAssertEqual(parsed?["k"], s)
        }
    }
}
