import Foundation
import XCTest
import ZonesepTestSupport

/// `collect --output text` ends with the declarations table of replay's text summary: what each declaration
/// allowed, and an exception's flows after its expiry. The JSON summary had `declarations`, the text one
/// none (REVIEW-148 F12b).
extension CollectTests {
    func testTheTextSummaryTablesTheDeclarations() throws {
        let x = Self.maintenanceExpiry
        let run = try collect(output: "text", extra: ["--stats-interval", "0"]) { c in
            try Self.sendMaintenance(
                Late(port: 51001, flags: 0x02, start: x - 600_000, end: x - 300_000), sequence: 0, to: c.port)
            try Self.sendMaintenance(
                Late(port: 51001, flags: 0x10, start: x + 30_000, end: x + 60_000), sequence: 1, to: c.port)
        }
        let text = String(decoding: run.stdout, as: UTF8.self)
        XCTAssertTrue(text.contains("\nDeclarations (flows each allowed; unused and expiring ones to review)\n"), text)
        let rows = text.split(separator: "\n").filter { $0.hasPrefix("  exception ") || $0.hasPrefix("  conduit ") }
        XCTAssertEqual(rows.count, 4, text)
        let row = try XCTUnwrap(rows.first { $0.contains(" vendor-remote-maintenance ") }, text)
        let cells = row.split(separator: " ", omittingEmptySubsequences: true)
        XCTAssertEqual(Array(cells.prefix(3)), ["exception", "vendor-remote-maintenance", "1"], String(row))
        XCTAssertTrue(row.hasSuffix("2026-06-15T15:01:00.000000Z expired, 1 flows after expiry"), String(row))
        let web = try XCTUnwrap(rows.first { $0.contains(" web-conference ") }, text)
        XCTAssertTrue(web.hasSuffix(" unused"), "valid at the latest record time: \(web)")
    }
}
