#if canImport(Glibc)
    import Glibc
#endif

/// Writes lines to a file descriptor so that a reader never finds one cut: when a write fails part-way
/// (a full disk, an I/O error), the bytes of the line it cut are taken back by truncating the file to
/// where that line began. Where that cannot be done (a pipe, a truncate that fails too), the caller is
/// told the output ends inside a line, and starts its next write with a newline; a regular file that keeps
/// a cut line is said through `TornLines`.
enum WholeLines {
    struct Outcome {
        /// Bytes of `bytes` that stay written: whole lines only, unless `endsMidLine`.
        var kept: Int
        /// errno of the failed write; nil when everything was written.
        var error: Int32?
        /// The output ends inside a line that could not be taken back.
        var endsMidLine: Bool
    }

    /// Writes every byte of `bytes` (lines, each ending in a newline), retrying after EINTR and after
    /// short writes; on an error, keeps only the whole lines written, or with `allOrNothing` none of them
    /// (lines that belong together, such as a `sink_gap` record and the record it precedes).
    static func write(fd: Int32, _ bytes: UnsafeRawBufferPointer, allOrNothing: Bool = false) -> Outcome {
        let (written, error) = writePiece(fd: fd, bytes)
        if let error { return takeBack(fd: fd, bytes, written: written, error: error, allOrNothing: allOrNothing) }
        return Outcome(kept: written, error: nil, endsMidLine: false)
    }

    /// One line written from where it lies, its newline after it (`line` holds none): a line larger than
    /// a writer's buffer (a summary of megabytes) is not copied into it. The same guarantee as `write`:
    /// on an error the bytes of the line that went out are taken back, or the output ends inside a line.
    /// `kept` counts the newline.
    static func write(fd: Int32, line: UnsafeRawBufferPointer) -> Outcome {
        var newline = UInt8(0x0a)
        let total = line.count + 1
        var offset = 0
        while offset < total {
            let n = withUnsafeMutablePointer(to: &newline) { nl -> Int in
                guard offset < line.count, let base = line.baseAddress else { return Glibc.write(fd, nl, 1) }
                var parts = (
                    iovec(iov_base: UnsafeMutableRawPointer(mutating: base + offset), iov_len: line.count - offset),
                    iovec(iov_base: UnsafeMutableRawPointer(nl), iov_len: 1)
                )
                return withUnsafeMutablePointer(to: &parts) {
                    $0.withMemoryRebound(to: iovec.self, capacity: 2) { writev(fd, $0, 2) }
                }
            }
            if n < 0 {
                let e = errno
                if e == EINTR { continue }
                return takeBackLine(fd: fd, written: offset, error: e)
            }
            if n == 0 { return takeBackLine(fd: fd, written: offset, error: EIO) }
            offset += n
        }
        return Outcome(kept: total, error: nil, endsMidLine: false)
    }

    /// Every byte of `bytes`, retrying after EINTR and short writes; on an error, how many went out, for
    /// the caller to take back (`write`'s lines, or with `takeBackLine` the line whose piece this is:
    /// `LineWriter.writeLine(inPieces:)`).
    static func writePiece(fd: Int32, _ bytes: UnsafeRawBufferPointer) -> (written: Int, error: Int32?) {
        var offset = 0
        while offset < bytes.count {
            let n = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                let e = errno
                if e == EINTR { continue }
                return (offset, e)
            }
            if n == 0 { return (offset, EIO) }
            offset += n
        }
        return (offset, nil)
    }

    /// After a failed write of part of one line (`written` bytes of it, its newline not among them).
    static func takeBackLine(fd: Int32, written: Int, error: Int32) -> Outcome {
        if written == 0 || truncate(fd: fd, by: written) { return Outcome(kept: 0, error: error, endsMidLine: false) }
        return Outcome(kept: written, error: error, endsMidLine: true)
    }

    /// After a failed write of which `written` bytes went out: truncates the file back to the end of the
    /// last whole line (or to where the write began), when the output is a regular file and those bytes
    /// are its last.
    static func takeBack(
        fd: Int32, _ bytes: UnsafeRawBufferPointer, written: Int, error: Int32, allOrNothing: Bool
    ) -> Outcome {
        var whole = allOrNothing ? 0 : written
        while whole > 0 && bytes[whole - 1] != 0x0a { whole -= 1 }
        let partial = written - whole
        if partial == 0 { return Outcome(kept: written, error: error, endsMidLine: false) }
        if truncate(fd: fd, by: partial) { return Outcome(kept: whole, error: error, endsMidLine: false) }
        return Outcome(kept: written, error: error, endsMidLine: bytes[written - 1] != 0x0a)
    }

    /// Takes the last `partial` bytes written back off the file, when it is a regular file and they are
    /// its last; false when that cannot be done (a pipe, a failing truncate).
    static func truncate(fd: Int32, by partial: Int) -> Bool {
        var st = stat()
        let position = lseek(fd, 0, SEEK_CUR)
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG, position >= partial, st.st_size == position
        else { return false }
        let end = position - off_t(partial)
        guard ftruncate(fd, end) == 0 else {
            // A regular file that keeps the cut line: the caller's next line starts after a newline, but a
            // reader meets half a record here, which must not go unsaid.
            TornLines.record(fd: fd, offset: end, error: errno)
            return false
        }
        _ = lseek(fd, end, SEEK_SET)
        return true
    }

    /// Whether the file at `path` ends inside a line (its last byte is not a newline): a run that died
    /// mid-write, or a truncate that failed, left it so.
    static func endsMidLine(path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG, st.st_size > 0 else { return false }
        var last: UInt8 = 0
        return pread(fd, &last, 1, st.st_size - 1) == 1 && last != 0x0a
    }

    static func errorText(_ e: Int32) -> String { String(cString: strerror(e)) }
}
