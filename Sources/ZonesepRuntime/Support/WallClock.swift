#if canImport(Glibc)
    import Glibc
#endif

/// The wall clock, used only for what must be said in calendar time: exceptions already expired when
/// zones.conf is loaded, the stats records' time, an exporter's clock offset and sFlow samples' arrival.
/// It can step, so nothing waits by it (`Monotonic`); verdicts always use packet time.
public enum WallClock {
    public static func nowMicros() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000
    }
}
