/// Packet times as text. Never the wall clock: the same capture gives the same text.
public enum Timestamp {
    /// RFC 3339 in UTC with microseconds: `2026-11-21T00:12:03.512004Z`.
    public static func rfc3339(_ micros: Int64) -> String {
        let f = Fields(micros)
        guard (0...9999).contains(f.year) else {
            return "\(pad(f.year, 4))-\(pad(f.month, 2))-\(pad(f.day, 2))T\(pad(f.second / 3600, 2)):"
                + "\(pad(f.second / 60 % 60, 2)):\(pad(f.second % 60, 2)).\(pad(f.micros, 6))Z"
        }
        // Digit by digit into 27 bytes: every alert and record carries one, and interpolation cost more
        // than the rest of an alert's fields together.
        return String(unsafeUninitializedCapacity: 27) { f.write(into: $0) }
    }

    /// Appends `rfc3339(micros)` to `out`; years 0-9999 digit by digit, with no `String` made.
    public static func append(_ micros: Int64, to out: inout [UInt8]) {
        let f = Fields(micros)
        guard (0...9999).contains(f.year) else {
            out.append(contentsOf: rfc3339(micros).utf8)
            return
        }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 27) { b in
            _ = f.write(into: b)
            out.append(contentsOf: UnsafeBufferPointer(b))
        }
    }

    /// A packet time split into its calendar fields in UTC (floor division: times before 1970 count back).
    struct Fields {
        var year: Int64, month: Int64, day: Int64
        /// Seconds into the day, and microseconds into the second.
        var second: Int64, micros: Int64

        init(_ t: Int64) {
            var secs = t / 1_000_000
            var frac = t % 1_000_000
            if frac < 0 {
                frac += 1_000_000
                secs -= 1
            }
            var days = secs / 86_400
            var rem = secs % 86_400
            if rem < 0 {
                rem += 86_400
                days -= 1
            }
            (year, month, day) = Timestamp.civil(fromDays: days)
            second = rem
            micros = frac
        }

        /// Writes the 27 bytes of a year 0-9999 time into `b` and returns 27.
        func write(into b: UnsafeMutableBufferPointer<UInt8>) -> Int {
            func put(_ v: Int64, _ width: Int, at start: Int) {
                var v = v
                for i in stride(from: start + width - 1, through: start, by: -1) {
                    b[i] = UInt8(ascii: "0") &+ UInt8(v % 10)
                    v /= 10
                }
            }
            put(year, 4, at: 0)
            b[4] = UInt8(ascii: "-")
            put(month, 2, at: 5)
            b[7] = UInt8(ascii: "-")
            put(day, 2, at: 8)
            b[10] = UInt8(ascii: "T")
            put(second / 3600, 2, at: 11)
            b[13] = UInt8(ascii: ":")
            put(second / 60 % 60, 2, at: 14)
            b[16] = UInt8(ascii: ":")
            put(second % 60, 2, at: 17)
            b[19] = UInt8(ascii: ".")
            put(micros, 6, at: 20)
            b[26] = UInt8(ascii: "Z")
            return 27
        }
    }

    /// Year, month, day of a count of days since 1970-01-01 (Howard Hinnant's civil_from_days).
    public static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    static func pad(_ v: Int64, _ width: Int) -> String {
        let s = String(v)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}
