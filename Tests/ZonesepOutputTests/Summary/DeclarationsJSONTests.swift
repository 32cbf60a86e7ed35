import Foundation
import XCTest
import ZonesepCore

@testable import ZonesepOutput

/// The summary's `declarations`, written straight into bytes, are exactly the objects `JSONObject` writes
/// for each declaration: every kind, used and unused, expired, expiring and never expiring, and names
/// that need escaping.
final class DeclarationsJSONTests: XCTestCase {
    func testBytesMatchTheObjectWriterForEveryShapeOfDeclaration() throws {
        var s = ReportFixture.summary(policy: ReportFixture.policy())
        let last = try XCTUnwrap(s.counters.lastPacketMicros)
        let day: Int64 = 86_400 * 1_000_000
        s.declarations = [
            DeclarationUse(kind: .conduit, name: "jukiki-to-lgwan"),
            DeclarationUse(
                kind: .sanitisation, name: "mail \"relay\"\\ｍａｉｌ", flows: 3, packets: 40, bytes: 5_000,
                firstSeenMicros: last - day, lastSeenMicros: last),
            DeclarationUse(kind: .gateway, name: "proxy\u{1}\u{2028}"),
            DeclarationUse(kind: .exception, name: "never-used", expiresAtMicros: last + 400 * day),
            DeclarationUse(
                kind: .exception, name: "expiring", flows: 1, packets: 2, bytes: 3,
                firstSeenMicros: last, lastSeenMicros: last, expiresAtMicros: last + 2 * day),
            DeclarationUse(kind: .exception, name: "expired", expiresAtMicros: last - day, flowsAfterExpiry: 9),
            DeclarationUse(kind: .exception, name: "no-expiry"),
            DeclarationUse(kind: .exception, name: "year-10000", expiresAtMicros: 253_402_300_800_000_000),
        ]
        let expected = "[" + s.declarations.map { s.declarationJSON($0) }.joined(separator: ",") + "]"
        XCTAssertEqual(s.declarationsJSON(), expected)
        // And they are what the summary record carries, readable as JSON.
        let record = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(s.json().utf8)) as? [String: Any])
        let ds = try XCTUnwrap(record["declarations"] as? [[String: Any]])
        XCTAssertEqual(ds.count, 8)
        XCTAssertEqual(ds[1]["name"] as? String, "mail \"relay\"\\ｍａｉｌ")
        XCTAssertEqual(ds[5]["flows_after_expiry"] as? Int, 9)
        XCTAssertEqual(ds[4]["expiring"] as? Bool, true)

        s.declarations = []
        XCTAssertEqual(s.declarationsJSON(), "[]")
    }
}
