import Foundation
import XCTest
import ZonesepCore

@testable import ZonesepOutput

/// The summary's `declarations`, written straight into bytes, are exactly the objects `JSONObject` writes
/// for each declaration: every kind, used and unused, expired, expiring and never expiring, and names
/// that need escaping.
final class DeclarationsJSONTests: XCTestCase {
    /// An exception a flow came after is expired, not "valid, expiring", though the last packet read came
    /// before its expiry (a file out of time order): a row that said both contradicted itself (REVIEW-147 F6).
    func testAnExceptionAFlowCameAfterIsExpiredWhateverTheLastPacketRead() {
        let last: Int64 = 1_782_788_400_000_000
        let after = DeclarationUse(kind: .exception, name: "x", expiresAtMicros: last + 60_000_000, flowsAfterExpiry: 1)
        XCTAssertTrue(after.expired(at: last))
        XCTAssertFalse(after.expiring(at: last))
        let none = DeclarationUse(kind: .exception, name: "y", expiresAtMicros: last + 60_000_000)
        XCTAssertFalse(none.expired(at: last))
        XCTAssertTrue(none.expiring(at: last))
    }

    /// A run that read no packet has no time to judge an expiry by: `expired` and `expiring` are null in
    /// both writers, and the text row says so, where they read false, "still valid" (REVIEW-148 F12c). An
    /// exception without an expiry still never expires.
    func testNoPacketTimeJudgesNoExpiry() throws {
        var s = ReportFixture.summary(policy: ReportFixture.policy())
        s.counters.lastPacketMicros = nil
        s.declarations = [
            DeclarationUse(kind: .exception, name: "past", expiresAtMicros: 1_000_000),
            DeclarationUse(kind: .exception, name: "no-expiry"),
        ]
        let expected = "[" + s.declarations.map { s.declarationJSON($0) }.joined(separator: ",") + "]"
        XCTAssertEqual(s.declarationsJSON(), expected)
        let ds = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(expected.utf8)) as? [[String: Any]])
        XCTAssertTrue(ds[0]["expired"] is NSNull, "\(ds[0])")
        XCTAssertTrue(ds[0]["expiring"] is NSNull, "\(ds[0])")
        XCTAssertEqual(ds[1]["expired"] as? Bool, false)
        let rows = ReplaySummary.declarationRows(s.declarations, lastPacket: nil, unit: "record")
        XCTAssertEqual(rows.map { $0[6] }, ["unused, expiry not judged (no record time)", "unused"])
    }

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

    /// Written through a stage of `StagedJSON.capacity` bytes: names longer than the stage, pieces that
    /// cross its end, the largest counts and times outside the years 0-9999 come out as the object writer
    /// writes them.
    func testBytesMatchTheObjectWriterAcrossTheStage() throws {
        var s = ReportFixture.summary(policy: ReportFixture.policy())
        let last = try XCTUnwrap(s.counters.lastPacketMicros)
        var uses = [
            DeclarationUse(
                kind: .conduit, name: String(repeating: "n", count: StagedJSON.capacity * 3), flows: .max,
                packets: .max, bytes: 0, macNotVerified: .max),
            DeclarationUse(
                kind: .gateway, name: String(repeating: "\"", count: StagedJSON.capacity), flows: 1, packets: 1,
                bytes: 1, firstSeenMicros: -62_135_596_800_000_001, lastSeenMicros: 253_402_300_800_000_000),
            DeclarationUse(kind: .exception, name: "far", expiresAtMicros: .min, flowsAfterExpiry: .max),
        ]
        for n in 0..<200 {
            uses.append(
                DeclarationUse(
                    kind: .exception, name: "exception-\(n)", flows: UInt64(n), packets: UInt64(n * 7),
                    bytes: UInt64(n) << 40, firstSeenMicros: n == 0 ? nil : last - Int64(n),
                    lastSeenMicros: n == 0 ? nil : last, expiresAtMicros: last + Int64(n) * 86_400_000_000))
        }
        s.declarations = uses
        let expected = "[" + s.declarations.map { s.declarationJSON($0) }.joined(separator: ",") + "]"
        XCTAssertGreaterThan(expected.utf8.count, StagedJSON.capacity * 20)
        XCTAssertEqual(s.declarationsJSON(), expected)
        // After what the buffer already holds.
        var out = Array("x".utf8)
        s.appendDeclarations(to: &out)
        XCTAssertEqual(String(decoding: out, as: UTF8.self), "x" + expected)
    }
}
