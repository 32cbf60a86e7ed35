#if canImport(Glibc)
    import Glibc
#endif

/// A non-blocking pipe that wakes a thread waiting in poll(2): written by other threads or by a signal
/// handler, drained by the thread that owns it. A full pipe means a wake-up is already pending.
public final class Wakeup: Sendable {
    public let readDescriptor: Int32
    public let writeDescriptor: Int32

    public init?() {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return nil }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        readDescriptor = fds[0]
        writeDescriptor = fds[1]
    }

    deinit {
        close(readDescriptor)
        close(writeDescriptor)
    }

    /// Wakes the owner (async-signal-safe: one write).
    public func wake(_ byte: UInt8 = 0) {
        var b = byte
        _ = write(writeDescriptor, &b, 1)
    }

    /// Everything written since the last drain.
    public func drain() -> [UInt8] {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 64)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(readDescriptor, $0.baseAddress, $0.count) }
            if n > 0 {
                out += buffer[0..<n]
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                return out
            }
        }
    }
}
