import Glibc
import XCTest
import ZonesepCore
import ZonesepTestSupport

@testable import ZonesepOutput

/// Packet times as text, held to the C library's calendar (`gmtime_r`) rather than to our own arithmetic.
final class TimestampTests: XCTestCase {
    /// What `gmtime_r` and `snprintf` make of `micros` (floor division for times before 1970).
    private func reference(_ micros: Int64) -> String {
        var secs = micros / 1_000_000
        var frac = micros % 1_000_000
        if frac < 0 {
            frac += 1_000_000
            secs -= 1
        }
        var t = time_t(secs)
        var tm = Glibc.tm()
        XCTAssertNotNil(gmtime_r(&t, &tm))
        let year = Int(tm.tm_year) + 1900
        let text = String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", year, Int(tm.tm_mon) + 1, Int(tm.tm_mday),
            Int(tm.tm_hour), Int(tm.tm_min), Int(tm.tm_sec), Int(frac))
        return text
    }

    func testTimesMatchTheCLibrarysCalendar() {
        var rng = SplitMix64(seed: 1970)
        var times: [Int64] = [
            0, -1, 1, 999_999, -1_000_000, 1_764_201_600_000_000, 951_782_400_000_000,  // 2000-02-29
            4_107_542_400_000_000, -62_167_219_200_000_000,  // 2100-03-01, 0000-01-01
            253_402_300_799_999_999,  // 9999-12-31T23:59:59.999999
        ]
        for _ in 0..<20_000 {
            times.append(Int64.random(in: -62_167_219_200_000_000...253_402_300_799_999_999, using: &rng))
        }
        for t in times {
            let expected = reference(t)
            XCTAssertEqual(Timestamp.rfc3339(t), expected, "\(t)")
            var bytes: [UInt8] = [0x41]
            Timestamp.append(t, to: &bytes)
            XCTAssertEqual(String(decoding: bytes.dropFirst(), as: UTF8.self), expected, "\(t)")
        }
    }

    func testYearsPastFourDigitsAreStillWrittenWhole() {
        // 10000-01-01T00:00:00.000001Z: outside the 27-byte form, through the padded one.
        let t: Int64 = 253_402_300_800_000_001
        XCTAssertEqual(Timestamp.rfc3339(t), "10000-01-01T00:00:00.000001Z")
        var bytes: [UInt8] = []
        Timestamp.append(t, to: &bytes)
        XCTAssertEqual(String(decoding: bytes, as: UTF8.self), "10000-01-01T00:00:00.000001Z")
    }

    /// `PacketTime`'s bounds are exactly the first and last instants with a four-digit year: a capture
    /// reader takes out every packet beyond them, so every time written is RFC 3339 and reads back.
    func testPacketTimeBoundsAreTheFourDigitYears() {
        XCTAssertEqual(Timestamp.rfc3339(PacketTime.earliest), "0000-01-01T00:00:00.000000Z")
        XCTAssertEqual(Timestamp.rfc3339(PacketTime.latest), "9999-12-31T23:59:59.999999Z")
        XCTAssertEqual(Timestamp.rfc3339(PacketTime.latest + 1), "10000-01-01T00:00:00.000000Z")
        for t in [PacketTime.earliest, 0, 1_795_132_800_000_000, PacketTime.latest] {
            XCTAssertTrue(PacketTime.isWritable(t), "\(t)")
            XCTAssertEqual(ReportText.micros(rfc3339: Timestamp.rfc3339(t)), t)
        }
        for t in [PacketTime.earliest - 1, PacketTime.latest + 1, Int64.min, Int64.max] {
            XCTAssertFalse(PacketTime.isWritable(t), "\(t)")
        }
    }
}
