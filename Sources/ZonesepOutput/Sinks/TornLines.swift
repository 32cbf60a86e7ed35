import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Lines a failed write left cut in a regular file because the cut could not be taken back (`ftruncate`
/// refused: an append-only file, `chattr +a`, as audit logs are often hardened). "No output ever holds half
/// a record" does not hold for such a file, so each one is counted and said, naming the file and the byte
/// where the cut line begins, and the run's closing lines give the count.
public enum TornLines {
    private struct State {
        var count: UInt64 = 0
        var report: (@Sendable (String) -> Void)?
    }
    private static let state = Mutex(State())

    /// Where each torn line is said (stderr, set by the executable); nil: only counted.
    public static func report(to sink: @escaping @Sendable (String) -> Void) {
        state.withLock { $0.report = sink }
    }

    /// Torn lines so far in this process.
    public static var count: UInt64 { state.withLock { $0.count } }

    /// A cut line that stays in the file open as `fd`: its bytes start at `offset`, and `ftruncate` failed
    /// with `error`.
    static func record(fd: Int32, offset: off_t, error: Int32) {
        let message =
            "\(path(of: fd)): a write cut short could not be taken back (ftruncate: \(String(cString: strerror(error)))):"
            + " the file holds part of a record from byte \(offset), and the next record starts on a new line"
        let sink = state.withLock { s -> (@Sendable (String) -> Void)? in
            s.count &+= 1
            return s.report
        }
        sink?(message)
    }

    /// The path `fd` was opened with, as the kernel gives it; `descriptor N` where it does not.
    static func path(of fd: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/fd/\(fd)", &buffer, buffer.count - 1)
        guard n > 0 else { return "descriptor \(fd)" }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
