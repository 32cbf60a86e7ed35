#if canImport(Glibc)
    import Glibc
#endif

/// The monotonic clock in µs, which no NTP step or VM resume moves: when to report stats and publish
/// snapshots, and how long held export data and exporter sessions have waited; never what is judged.
public enum Monotonic {
    public static func nowMicros() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000
    }
}
