/// The text of the day a record writer last wrote a time in, kept between records: the calendar
/// arithmetic of a time (days to a year, a month and a day) cost most of writing it, and the records of a
/// run (flow records, alerts, the summary's violations) fall on few days. A hit copies the 12 bytes
/// `"YYYY-MM-DDT` and writes the time of day and the microseconds alone.
///
/// A value owned by one writer at a time (a sink's batch, a session): it holds no reference.
public struct TimestampCache: Sendable {
    /// The day (floor of seconds / 86,400) whose text `date` holds; `Int64.min` when none.
    var day = Int64.min
    /// The opening quote and `YYYY-MM-DDT`, in memory order (12 bytes: 8 and 4).
    var date: (UInt64, UInt32) = (0, 0)

    public init() {}

    /// The day since 1970-01-01, the second into it and the microsecond into the second of a packet time
    /// (floor division: times before 1970 count back).
    @inline(__always)
    static func split(_ micros: Int64) -> (day: Int64, second: Int64, micros: Int64) {
        var (secs, us) = micros.quotientAndRemainder(dividingBy: 1_000_000)
        if us < 0 {
            us += 1_000_000
            secs -= 1
        }
        var (day, second) = secs.quotientAndRemainder(dividingBy: 86_400)
        if second < 0 {
            second += 86_400
            day -= 1
        }
        return (day, second, us)
    }
}
