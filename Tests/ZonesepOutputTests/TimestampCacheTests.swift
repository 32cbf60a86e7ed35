import XCTest
import ZonesepCore
import ZonesepTestSupport

@testable import ZonesepOutput

/// Times written through a `TimestampCache` (the text of the last day, kept across records) are the
/// times written without one, whatever the order: across a second, a minute, a day, a month, a leap day,
/// a year, before 1970 and outside years 0-9999 (written the long way, never cached).
final class TimestampCacheTests: XCTestCase {
    /// Each time written alone through the cache, as a record writer writes a record's time.
    func viaCache(_ times: [Int64], _ clock: inout TimestampCache) -> [String] {
        times.map { t in
            var out: [UInt8] = []
            RecordWriter.writing(into: &out, clock: &clock) { w in w.timestamp(t) }
            return String(decoding: out, as: UTF8.self)
        }
    }

    func expected(_ times: [Int64]) -> [String] { times.map { "\"" + Timestamp.rfc3339($0) + "\"" } }

    /// Microseconds of a calendar second (UTC).
    func at(_ y: Int, _ mo: Int, _ d: Int, _ h: Int, _ mi: Int, _ s: Int) -> Int64 {
        let days = Self.daysFromCivil(y, mo, d)
        return (Int64(days) * 86_400 + Int64(h * 3600 + mi * 60 + s)) * 1_000_000
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (the inverse of `Timestamp.civil`).
    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    func testTimesAcrossEveryBoundaryMatchTheUncachedText() {
        let edges: [Int64] = [
            at(2026, 12, 6, 7, 19, 59), at(2026, 12, 6, 23, 59, 59), at(2026, 12, 31, 23, 59, 59),
            at(2024, 2, 28, 23, 59, 59), at(2024, 2, 29, 23, 59, 59), at(2100, 2, 28, 23, 59, 59),
            at(2000, 2, 28, 23, 59, 59), at(1999, 12, 31, 23, 59, 59), at(1969, 12, 31, 23, 59, 59),
            at(9999, 12, 31, 23, 59, 59), at(0, 1, 1, 0, 0, 0) - 1_000_000,
        ]
        var times: [Int64] = []
        for e in edges {
            // Within the second, its last microsecond, the next second's first, and back again.
            times += [e, e + 1, e + 999_999, e + 1_000_000, e + 1_000_001, e + 999_999, e, e + 2_000_000]
        }
        times += [Int64.min, Int64.max, 0, -1, 1, -1_000_000, -999_999]
        var clock = TimestampCache()
        XCTAssertEqual(viaCache(times, &clock), expected(times))
        // The leap day itself and the day after a year without one.
        XCTAssertEqual(viaCache([at(2024, 2, 29, 0, 0, 0)], &clock), ["\"2024-02-29T00:00:00.000000Z\""])
        XCTAssertEqual(viaCache([at(2100, 2, 28, 23, 59, 59) + 1_000_000], &clock), ["\"2100-03-01T00:00:00.000000Z\""])
    }

    func testASequenceInTimeOrderAndShuffledMatchesTheUncachedText() {
        var times: [Int64] = []
        var t = at(2026, 12, 31, 23, 58, 0)
        // A flood: many records a second, across minutes, the day and the year.
        var rng = SplitMix64(seed: 0x9E37_79B9_7F4A_7C15)
        for _ in 0..<20_000 {
            t += Int64(rng.next() >> 44)  // up to about a second apart
            times.append(t)
        }
        var clock = TimestampCache()
        XCTAssertEqual(viaCache(times, &clock), expected(times))
        var shuffled = times
        for i in shuffled.indices.reversed() {
            shuffled.swapAt(i, Int(rng.next() >> 33) % (i + 1))
        }
        XCTAssertEqual(viaCache(shuffled, &clock), expected(shuffled))
    }

    /// A flow record writes its end twice, the second time copied (`timestamp(again:)`): also from a
    /// time that came from the cache.
    func testATimeWrittenAgainAfterACacheHitIsTheSameText() {
        var clock = TimestampCache()
        let t = at(2026, 12, 6, 7, 0, 0) + 123_456
        _ = viaCache([t - 100_000], &clock)
        var out: [UInt8] = []
        RecordWriter.writing(into: &out, clock: &clock) { w in
            w.timestamp(t, remember: true)
            w.literal(",")
            w.timestamp(t - 5)
            w.literal(",")
            w.timestamp(again: t)
        }
        let s = "\"" + Timestamp.rfc3339(t) + "\""
        XCTAssertEqual(String(decoding: out, as: UTF8.self), s + ",\"" + Timestamp.rfc3339(t - 5) + "\"," + s)
    }
}
