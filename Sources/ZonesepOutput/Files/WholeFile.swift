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
    /// A path that `writesInPlace` (`/dev/null`, `/dev/stdout`, a FIFO) is written into as it is: renamed
    /// over, the device or pipe would be replaced by a file, and run as root that turns `/dev/null` into a
    /// regular file for the whole machine.
    ///
    /// A symbolic link to an existing file is followed: that file is replaced, and the link stays.
    public static func writeAtomically(_ bytes: [UInt8], to path: String) throws(Failure) {
        if writesInPlace(path) { return try writeInPlace(bytes, to: path) }
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

    /// Whether a write to `path` goes into what is there rather than replacing it: one that exists and is
    /// not a regular file (a device, a FIFO), or one that leads through `/proc` (`/dev/stdout` and
    /// `/dev/fd/N` lead through `/proc/self/fd` to whatever the shell redirected, which may be a regular
    /// file given with `>>`).
    public static func writesInPlace(_ path: String) -> Bool {
        var st = stat()
        if stat(path, &st) == 0 && st.st_mode & S_IFMT != S_IFREG { return true }
        return leadsThroughProc(path)
    }

    /// Whether `path`, its directories resolved and its symbolic links followed one by one, reaches `/proc`.
    static func leadsThroughProc(_ path: String) -> Bool {
        var p = path
        for _ in 0..<40 {  // the kernel's own limit of links followed
            let slash = p.lastIndex(of: "/")
            let dir = slash.map { $0 == p.startIndex ? "/" : String(p[..<$0]) } ?? "."
            let name = slash.map { String(p[p.index(after: $0)...]) } ?? p
            guard let real = realpath(dir, nil) else { return false }
            let resolvedDir = String(cString: real)
            free(real)
            p = (resolvedDir == "/" ? "" : resolvedDir) + "/" + name
            if p.hasPrefix("/proc/") { return true }
            var st = stat()
            guard lstat(p, &st) == 0, st.st_mode & S_IFMT == S_IFLNK else { return false }
            var target = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = readlink(p, &target, target.count - 1)
            guard n > 0 else { return false }
            let link = String(decoding: target[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            p = link.hasPrefix("/") ? link : (resolvedDir == "/" ? "" : resolvedDir) + "/" + link
        }
        return false
    }

    /// `bytes` written into the device, pipe or open file at `path`, opened as it is: not created, not
    /// truncated, and appended to (a file redirected with `>>` keeps what it held).
    static func writeInPlace(_ bytes: [UInt8], to path: String) throws(Failure) {
        let fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC)
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
