import ZonesepOutput

#if canImport(Glibc)
    import Glibc
#endif

/// Diagnostics go to stderr at once, prefixed so they stand apart from alerts in a terminal.
public enum Diagnostics {
    public static func error(_ message: String) { emit("zonesep: error: \(message)\n") }
    public static func warning(_ message: String) { emit("zonesep: warning: \(message)\n") }
    public static func note(_ message: String) { emit("zonesep: \(message)\n") }

    private static func emit(_ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress, $0.count) }
            if n <= 0 { return }
            offset += n
        }
        bytes.removeAll()
    }
}
