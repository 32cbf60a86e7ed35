#if canImport(Glibc)
    import Glibc
#endif

/// Writes lines to a file descriptor through a buffer of its own (a write per alert would dominate a
/// replay with many alerts), and flushes when asked: per line for a live `--alerts` file, at the end
/// for a replay.
public final class LineWriter {
    public let fd: Int32
    var buffer: [UInt8] = []
    let limit: Int
    /// Flush after every line (for `tail -f` on a live alerts file).
    public var flushEachLine: Bool
    /// The first write error (errno text), if any: the caller decides whether it is fatal.
    public private(set) var failure: String?

    public init(fd: Int32, bufferSize: Int = 1 << 16, flushEachLine: Bool = false) {
        self.fd = fd
        self.limit = bufferSize
        self.flushEachLine = flushEachLine
        buffer.reserveCapacity(bufferSize + 4096)
    }

    public static let standardOutput = 1
    public static let standardError = 2

    public func write(line: String) {
        buffer.append(contentsOf: line.utf8)
        buffer.append(0x0a)
        if flushEachLine || buffer.count >= limit { flush() }
    }

    public func flush() {
        var offset = 0
        while offset < buffer.count {
            let n = buffer[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                if failure == nil { failure = String(cString: strerror(errno)) }
                break
            }
            offset += n
        }
        buffer.removeAll(keepingCapacity: true)
    }

    deinit { flush() }
}
