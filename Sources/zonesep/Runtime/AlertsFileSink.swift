import ZonesepOutput

#if canImport(Glibc)
    import Glibc
#endif

/// The `--alerts` file: JSON Lines appended and flushed line by line, so `tail -f` (or a SIEM shipper)
/// sees each alert the moment it is raised. Kept in one place so rotation or syslog can replace it.
final class AlertsFileSink {
    let path: String
    private let descriptor: Int32
    private let writer: LineWriter
    private var reportedFailure = false

    /// Opens (creating, mode 0640) `path` for appending; a message naming the file when that fails.
    init(path: String) throws(OpenError) {
        self.path = path
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
        guard fd >= 0 else {
            throw OpenError(
                description: "\(path): cannot open the alerts file: \(String(cString: strerror(errno)))")
        }
        descriptor = fd
        writer = LineWriter(fd: fd, bufferSize: 1 << 12, flushEachLine: true)
    }

    deinit {
        writer.flush()
        close(descriptor)
    }

    /// Appends one JSON record; the first write error is reported once on stderr (alerts still reach stdout).
    func write(line: String) {
        writer.write(line: line)
        if let failure = writer.failure, !reportedFailure {
            reportedFailure = true
            Diagnostics.error("\(path): cannot write to the alerts file: \(failure); alerts still go to stdout")
        }
    }
}

extension AlertsFileSink {
    struct OpenError: Error, CustomStringConvertible {
        var description: String
    }
}
