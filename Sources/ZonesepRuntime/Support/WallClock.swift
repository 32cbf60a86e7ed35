#if canImport(Glibc)
    import Glibc
#endif

/// The wall clock, used only to warn about exceptions that have already expired when zones.conf is
/// checked or loaded; verdicts always use packet time.
public enum WallClock {
    public static func nowMicros() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000
    }
}
