import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A /proc file read to its end: procfs reports a size of 0, and a reader that trusts it (Foundation's
/// `String(contentsOfFile:)`) may stop after the first page, missing sockets further down the table.
public enum ProcFile {
    public static func read(_ path: String) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return "" }
        defer { close(fd) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            out += buffer[0..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }
}
