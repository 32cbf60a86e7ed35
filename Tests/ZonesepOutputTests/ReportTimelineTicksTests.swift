import XCTest

@testable import ZonesepOutput

/// The timeline's axis: over a span of years (a sensor whose clock was wrong for one file) each label must
/// name its own year, not a month and day that repeat (REVIEW-130 F7).
final class ReportTimelineTicksTests: XCTestCase {
    /// 2012-09-07 to 2026-06-15 (UTC), the review's directory of the demo and one 2012-stamped capture.
    func testFourteenYearsAreLabelledByDistinctYears() throws {
        let t0 = try XCTUnwrap(ReportText.micros(rfc3339: "2012-09-07T03:00:00Z"))
        let t1 = try XCTUnwrap(ReportText.micros(rfc3339: "2026-06-15T00:15:00Z"))
        let ticks = ReportTimeline.ticks(from: t0, span: t1 - t0)
        let labels = ticks.times.map(ticks.label)
        XCTAssertTrue((5...10).contains(labels.count), "\(labels)")
        XCTAssertEqual(Set(labels).count, labels.count, "distinct labels: \(labels)")
        for (t, label) in zip(ticks.times, labels) {
            XCTAssertTrue(t >= t0 && t <= t1, label)
            // Each tick is the first of a year in JST, labelled by that year.
            XCTAssertEqual(ReportText.jst(t), label + "-01-01 00:00:00")
        }
    }

    /// A span of days that crosses New Year: the dates carry their year.
    func testDaysAcrossNewYearCarryTheYear() throws {
        let t0 = try XCTUnwrap(ReportText.micros(rfc3339: "2025-12-28T00:00:00+09:00"))
        let t1 = try XCTUnwrap(ReportText.micros(rfc3339: "2026-01-04T00:00:00+09:00"))
        let ticks = ReportTimeline.ticks(from: t0, span: t1 - t0)
        let labels = ticks.times.map(ticks.label)
        XCTAssertEqual(labels.first, "2025-12-28")
        XCTAssertEqual(labels.last, "2026-01-04")
    }

    /// Within one day the labels stay clock times.
    func testWithinADayTheLabelsAreClockTimes() throws {
        let t0 = try XCTUnwrap(ReportText.micros(rfc3339: "2026-06-15T08:30:00+09:00"))
        let ticks = ReportTimeline.ticks(from: t0, span: 45 * 60_000_000)
        XCTAssertEqual(ticks.times.map(ticks.label).first, "08:30")
    }
}
