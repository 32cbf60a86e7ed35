#if canImport(Glibc)
    import Glibc
#endif

/// Diagnostics go to stderr, prefixed so they stand apart from alerts in a terminal.
enum Diagnostics {
    static func error(_ message: String) { fputs("zonesep: error: \(message)\n", stderr) }
    static func warning(_ message: String) { fputs("zonesep: warning: \(message)\n", stderr) }
    static func note(_ message: String) { fputs("zonesep: \(message)\n", stderr) }
}

/// Buffered standard output (one write per line would dominate a replay with many alerts).
enum StandardOutput {
    static func write(_ line: String) {
        fputs(line, stdout)
        fputs("\n", stdout)
    }

    static func flush() { fflush(stdout) }
}
