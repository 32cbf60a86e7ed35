import Foundation
import XCTest
import ZonesepCore

@testable import ZonesepOutput

/// The summary says what the host table's bounds cost: MACs evicted and addresses not kept.
final class HostTableSummaryTests: XCTestCase {
    func testHostTableCountsInJSONAndText() throws {
        var s = ReportFixture.summary(policy: ReportFixture.policy())
        let quiet = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(s.json().utf8)) as? [String: Any])
        XCTAssertEqual(
            quiet["host_table"] as? [String: Int], ["macs_evicted": 0, "addresses_dropped": 0, "findings_forgotten": 0])
        XCTAssertFalse(s.text().contains("host table"))

        s.counters.hostMACsEvicted = 3
        s.counters.hostAddressesDropped = 2
        s.counters.hostFindingsForgotten = 7
        let full = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(s.json().utf8)) as? [String: Any])
        XCTAssertEqual(
            full["host_table"] as? [String: Int], ["macs_evicted": 3, "addresses_dropped": 2, "findings_forgotten": 7])
        let text = s.text()
        XCTAssertTrue(text.contains("MACs evicted (host table full)"), text)
        XCTAssertTrue(text.contains("addresses not kept (host table: per MAC)"), text)
        XCTAssertTrue(text.contains("host findings forgotten (may be raised again)"), text)
    }
}
