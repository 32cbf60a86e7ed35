#if canImport(Glibc)
    import Glibc
#endif

/// A file read or written whole through the system calls themselves: the report command's inputs and its
/// output. A failure names the call and the system's reason, as the sinks' messages do.
public enum WholeFile {
    /// Why a file could not be read or written: the call that failed and the system's text for `errno`.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var call: String
        public var reason: String
        public var description: String { "\(call): \(reason)" }
        init(_ call: String, _ code: Int32) {
            self.call = call
            reason = String(cString: strerror(code))
        }
    }

    /// Every byte of the file at `path`.
    public static func read(path: String) throws(Failure) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure("open", errno) }
        defer { close(fd) }
        return try read(fd: fd)
    }

    /// Every byte left on `fd` (standard input: until its end).
    public static func read(fd: Int32) throws(Failure) -> [UInt8] {
        var bytes: [UInt8] = []
        try forEachPiece(fd: fd) { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// Calls `body` with each piece of the file at `path` in turn, 64 KiB at most (a digest of a file of
    /// any size).
    public static func forEachPiece(path: String, _ body: (UnsafeRawBufferPointer) -> Void) throws(Failure) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure("open", errno) }
        defer { close(fd) }
        try forEachPiece(fd: fd, body)
    }

    /// The pieces left on `fd`, in order, until its end.
    static func forEachPiece(fd: Int32, _ body: (UnsafeRawBufferPointer) -> Void) throws(Failure) {
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure("read", errno)
            }
            if n == 0 { return }
            chunk.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
    }

    /// Writes `bytes` to a temporary file beside `path`, flushed to disk, and renames it into place: a
    /// reader sees the old file or the whole new one, never half of it.
    ///
    /// A `path` that names something other than a regular file (`/dev/null`, `/dev/stdout`, a FIFO) is
    /// written into as it is: renamed over, the device or pipe would be replaced by a file, and run as
    /// root that turns `/dev/null` into a regular file for the whole machine.
    ///
    /// A symbolic link is followed: the file it leads to is replaced, and the link stays.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws(Failure) {
        if isOtherThanRegularFile(path) { return try writeInPlace(bytes, to: path) }
        let path = destination(of: path)
        let temporary = path + ".tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure("open \(temporary)", errno) }
        if let code = writeAll(bytes, fd) {
            close(fd)
            unlink(temporary)
            throw Failure("write \(temporary)", code)
        }
        if fsync(fd) != 0 {
            let code = errno
            close(fd)
            unlink(temporary)
            throw Failure("fsync \(temporary)", code)
        }
        if close(fd) != 0 {
            let code = errno
            unlink(temporary)
            throw Failure("close \(temporary)", code)
        }
        if rename(temporary, path) != 0 {
            let code = errno
            unlink(temporary)
            throw Failure("rename \(temporary) to \(path)", code)
        }
    }

    /// The file a write to `path` replaces: the end of its chain of symbolic links when it is one whose
    /// target exists, else `path` itself.
    public static func destination(of path: String) -> String {
        var st = stat()
        guard lstat(path, &st) == 0, st.st_mode & S_IFMT == S_IFLNK, let real = realpath(path, nil) else { return path }
        defer { free(real) }
        return String(cString: real)
    }

    /// Whether `path` exists (followed through symbolic links) and is not a regular file.
    public static func isOtherThanRegularFile(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && st.st_mode & S_IFMT != S_IFREG
    }

    /// `bytes` written into the device or pipe at `path`, opened as it is (no creation, no truncation).
    static func writeInPlace(_ bytes: [UInt8], to path: String) throws(Failure) {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure("open \(path)", errno) }
        if let code = writeAll(bytes, fd) {
            close(fd)
            throw Failure("write \(path)", code)
        }
        if close(fd) != 0 { throw Failure("close \(path)", errno) }
    }

    /// Writes every byte to `fd`; the error code when that fails (ENOSPC for a write that took nothing).
    static func writeAll(_ bytes: [UInt8], _ fd: Int32) -> Int32? {
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, $0.count - written) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return n < 0 ? errno : ENOSPC }
            written += n
        }
        return nil
    }
}
