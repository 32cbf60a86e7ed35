import Foundation
import XCTest
import ZonesepCore

@testable import ZonesepOutput

/// Packets whose times did not fit the run's clock: in the summary's `coverage`, a line each of the text
/// summary and, for a lone jump ahead, the stderr warning with the first one's time; nothing said when there
/// are none.
final class PacketTimeSummaryTests: XCTestCase {
    func coverage(_ s: ReplaySummary) throws -> [String: Any] {
        let o = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(s.json().utf8)) as? [String: Any])
        return try XCTUnwrap(o["coverage"] as? [String: Any])
    }

    func testEachCountIsShownAndNoneSaysNothing() throws {
        var s = ReportFixture.summary(policy: ReportFixture.policy())
        XCTAssertEqual(try coverage(s)["time_back_in_flow"] as? Int, 0)
        XCTAssertEqual(try coverage(s)["time_jumps_ignored"] as? Int, 0)
        XCTAssertNil(PacketTimeReport.warning(s.counters))
        XCTAssertFalse(s.text().contains("stamped"))

        s.counters.timesBackInFlow = 3
        s.counters.timeJumpsIgnored = 2
        s.counters.firstTimeJumpIgnoredMicros = 1_781_488_801_000_000
        XCTAssertEqual(try coverage(s)["time_back_in_flow"] as? Int, 3)
        XCTAssertEqual(try coverage(s)["time_jumps_ignored"] as? Int, 2)
        XCTAssertEqual(
            PacketTimeReport.warning(s.counters),
            "2 packets were stamped more than 10 s ahead of the packets before and after them (the first at "
                + "2026-06-15T02:00:01.000000Z): each was judged at its own time, but no other flow was ended as "
                + "idle at it (a timestamp glitch, or a sensor or interface whose clock is off)")
        let text = s.text()
        XCTAssertTrue(text.contains("packets stamped before their flow's last"), text)
        XCTAssertTrue(text.contains("packets stamped far ahead, not followed"), text)
    }
}
