#if canImport(Glibc)
    import Glibc
#endif

/// Writes lines to a file descriptor through a buffer of its own (a write per alert would dominate a
/// replay with many alerts), and flushes when asked: per line for a live `--alerts` file, at the end
/// for a replay.
public final class LineWriter {
    public let fd: Int32
    /// Used by one thread at a time (its owner holds a lock around every call, or owns it alone): not
    /// checked for exclusive access at run time, which cost some 130 instructions a line.
    @exclusivity(unchecked) var buffer: [UInt8] = []
    let limit: Int
    /// Flush after every line (for `tail -f` on a live alerts file). Read for every line, so not checked at
    /// run time either.
    @exclusivity(unchecked) public var flushEachLine: Bool
    /// The first write error (errno text), if any: the caller decides whether it is fatal.
    public private(set) var failure: String?
    /// Lines that could not be written (a full disk under a redirected stdout, a closed pipe).
    public private(set) var lostLines: UInt64 = 0
    /// Told the first write error when it happens (a daemon says it then, as the alerts file does).
    public var onFirstFailure: ((String) -> Void)?
    /// The output ends inside a line that could not be taken back: the next write starts a new line.
    var endsMidLine = false
    /// Lines handed to `write(line:)` or rendered by `writeLine` (those lost included); counted for every
    /// line, so not checked at run time either.
    @exclusivity(unchecked) public private(set) var lines: UInt64 = 0
    /// Whether a line handed over in pieces may go out in several writes as it is rendered: not into a
    /// regular file opened for appending (`>>`, systemd's `append:`), where the kernel keeps each write
    /// whole against other processes appending to the same file, so a line must be one write there.
    let streamsPieces: Bool

    public init(fd: Int32, bufferSize: Int = 1 << 16, flushEachLine: Bool = false) {
        self.fd = fd
        self.limit = bufferSize
        self.flushEachLine = flushEachLine
        streamsPieces = !LineWriter.appendsToRegularFile(fd)
        buffer.reserveCapacity(bufferSize + 4096)
    }

    /// Whether `fd` is a regular file opened with `O_APPEND`.
    static func appendsToRegularFile(_ fd: Int32) -> Bool {
        var st = stat()
        let flags = fcntl(fd, F_GETFL)
        return fstat(fd, &st) == 0 && st.st_mode & S_IFMT == S_IFREG && flags >= 0 && flags & O_APPEND != 0
    }

    public static let standardOutput = 1
    public static let standardError = 2

    public func write(line: String) {
        var line = line
        line.withUTF8 { write(line: $0) }
    }

    /// A line given as its UTF-8 bytes (a rendered record): copied into the buffer, with no `String` made.
    public func write(line: UnsafeBufferPointer<UInt8>) {
        // A line larger than the buffer (a summary after a scan: megabytes) goes out from where it lies,
        // after the lines before it: copied into the buffer it would only grow it, page by page.
        if line.count >= limit {
            flush()
            if !endsMidLine {
                lines &+= 1
                lost(WholeLines.write(fd: fd, line: UnsafeRawBufferPointer(line)))
                return
            }
        }
        lines &+= 1
        buffer.append(contentsOf: line)
        buffer.append(0x0a)
        if flushEachLine || buffer.count >= limit { flush() }
    }

    public func write(line: [UInt8]) { line.withUnsafeBufferPointer { write(line: $0) } }

    /// A line that `render` hands over in pieces as it makes them (a summary of megabytes), written as
    /// `write(line:)` writes the whole (the same bytes, counts and taking back), with no array holding
    /// all of it: each piece goes out as it comes once a buffer's worth has. `pieceSize` is the size
    /// `render` should hand over. Into a file opened for appending (`streamsPieces` false) the pieces are
    /// gathered and the line goes out in one write, as `write(line:)` sends it.
    public func writeLine(inPieces render: (_ pieceSize: Int, (UnsafeBufferPointer<UInt8>) -> Void) -> Void) {
        guard streamsPieces else {
            var whole: [UInt8] = []
            render(limit) { whole.append(contentsOf: $0) }
            return write(line: whole)
        }
        var pending: [UInt8] = []
        var streaming = false
        var wholeLine = false  // the output ends inside a line: the line goes through the buffer, whole
        var written = 0  // bytes of the line that went out
        var failed = false
        render(limit) { piece in
            if streaming {
                guard !failed else { return }
                let part = WholeLines.writePiece(fd: fd, UnsafeRawBufferPointer(piece))
                written += part.written
                if let e = part.error {
                    failed = true
                    lost(WholeLines.takeBackLine(fd: fd, written: written, error: e))
                }
                return
            }
            pending.append(contentsOf: piece)
            guard !wholeLine, pending.count >= limit else { return }
            flush()  // the lines before it first, as `write(line:)` does
            if endsMidLine {
                wholeLine = true
                return
            }
            streaming = true
            lines &+= 1
            let part = pending.withUnsafeBytes { WholeLines.writePiece(fd: fd, $0) }
            written = part.written
            pending = []
            if let e = part.error {
                failed = true
                lost(WholeLines.takeBackLine(fd: fd, written: written, error: e))
            }
        }
        guard streaming else { return write(line: pending) }
        guard !failed else { return }
        if let e = withUnsafeBytes(of: UInt8(0x0a), { WholeLines.writePiece(fd: fd, $0) }).error {
            lost(WholeLines.takeBackLine(fd: fd, written: written, error: e))
        }
    }

    /// Counts the line `write(line:)` or `writeLine(inPieces:)` could not write whole.
    private func lost(_ outcome: WholeLines.Outcome) {
        guard let e = outcome.error else { return }
        noteFailure(e)
        lostLines &+= 1
        endsMidLine = outcome.endsMidLine
    }

    /// A line that `render` appends to the buffer itself (without its newline): rendered in place, with
    /// no array of its own and no copy.
    public func writeLine(_ render: (inout [UInt8]) -> Void) {
        lines &+= 1
        render(&buffer)
        buffer.append(0x0a)
        if flushEachLine || buffer.count >= limit { flush() }
    }

    /// Writes the buffered lines; a line the output could not take whole is taken back and, with every
    /// line after it, counted in `lostLines`.
    public func flush() {
        if buffer.isEmpty { return }
        let lead = endsMidLine ? 1 : 0
        if endsMidLine { buffer.insert(0x0a, at: 0) }
        let outcome = buffer.withUnsafeBytes { WholeLines.write(fd: fd, $0) }
        if let e = outcome.error {
            noteFailure(e)
            lostLines &+= UInt64(buffer[max(outcome.kept, lead)...].lazy.filter { $0 == 0x0a }.count)
            if outcome.kept > 0 || !endsMidLine { endsMidLine = outcome.endsMidLine }
        } else {
            endsMidLine = false
        }
        buffer.removeAll(keepingCapacity: true)
    }

    private func noteFailure(_ e: Int32) {
        guard failure == nil else { return }
        let text = WholeLines.errorText(e)
        failure = text
        onFirstFailure?(text)
    }

    deinit { flush() }
}
