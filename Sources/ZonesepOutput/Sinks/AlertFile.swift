#if canImport(Glibc)
    import Glibc
#endif

/// `--alerts FILE`: alert records appended as lines (one by one, or a batch's together: the same bytes
/// either way), rotated by size or by day, and reopened on request after logrotate has moved the file.
///
/// Rotation happens between two lines: the file is renamed (`FILE.N`, or `FILE.YYYYMMDD` for the day its
/// lines belong to) and a new one created, so no line is ever split or lost. Days are taken from packet
/// time (UTC, like the records' timestamps), so a replay rotates the same way every time.
///
/// A record is written whole or not at all. A write that fails part-way (a full disk, an I/O error) is
/// taken back; the records that could not be written are counted, the outage is reported once through
/// `onEvent`, and the first record that goes in again is preceded by a `sink_gap` record saying how many
/// were lost, on a line of its own.
///
/// Nothing here waits for another process to open a FIFO: with no reader the open fails at once, records
/// are counted as lost, and the open is tried again for each record. A file removed while open is found
/// before the next write (its link count is 0) and made again at its path, rather than writing on into a
/// file no one can read.
public final class AlertFile {
    public enum Rotation: Equatable, Sendable {
        case none
        /// Rotate before a line would take the file past this many bytes.
        case size(UInt64)
        /// Rotate when a record's packet time falls on a later UTC day than the file's lines.
        case day

        /// `size:N` with an optional `K`, `M` or `G` (powers of 1024), or `day`; nil for anything else.
        public static func parse(_ text: String) -> Rotation? {
            if text == "day" { return .day }
            guard text.hasPrefix("size:"), let n = ByteSize.parse(String(text.dropFirst(5))), n > 0 else {
                return nil
            }
            return .size(n)
        }
    }

    public let path: String
    public let rotation: Rotation
    var fd: Int32 = -1
    var size: UInt64 = 0
    /// Days since the epoch of the lines in the current file (nil: none yet).
    var day: Int64?
    /// The path names a file of its own, not one `WholeFile.writesInPlace` (`/dev/null`, a FIFO,
    /// `/dev/stdout`, whose rename would move the device, the pipe or the link itself): only that is rotated.
    var regularFile = true
    /// The first error (open, write, rename), for the caller to report once.
    public private(set) var failure: String?
    /// The last error met, and when (wall clock, µs): an outage that is over is still told in the summary.
    public private(set) var lastError: (text: String, wallMicros: Int64)?
    /// A write (or open) error not yet followed by a good write, and a rotation error not yet followed by a
    /// good rotation: what the summary says is wrong at the end.
    var writeError: String?
    var rotationError: String?
    /// The error in force: nil once writing, and rotating, work again.
    public var currentError: String? { writeError ?? rotationError }
    /// Records written (`sink_gap` records not counted).
    public private(set) var lines: UInt64 = 0
    public private(set) var rotations: UInt64 = 0
    /// Rotations that failed (a rename refused): the file then grows past its limit. The first of a run of
    /// failures is said through `onEvent`; rotation is tried again no sooner than `rotationRetryNanos`
    /// later, or at `reopen()`, not before every line.
    public private(set) var rotationFailures: UInt64 = 0
    /// Times the file was found removed while open and made again at its path.
    public private(set) var recreated: UInt64 = 0
    /// A rotation failed and none has succeeded since: said once, when it begins.
    var rotationFailing = false
    /// While rotation fails: the monotonic time (ns) before which it is not tried again.
    var rotationRetryAt: UInt64?
    var rotationRetryNanos: UInt64 = 60_000_000_000
    /// The last open failed because the path is a FIFO no process has open for reading.
    var lastOpenFoundNoReader = false
    /// That has been said already (at start or at a reopen): the outage it begins is not said again.
    var noReaderSaid = false
    /// Records that could not be written, over the whole run.
    public private(set) var lost: UInt64 = 0
    /// `sink_gap` records written.
    public private(set) var gaps: UInt64 = 0
    /// Of `lines`, those written to an earlier day's file (`appendToItsDay`).
    public private(set) var earlierDayLines: UInt64 = 0
    /// Told when an outage begins and when writing works again (once each), for stderr.
    public var onEvent: (String) -> Void = { _ in }
    /// The `sensor` field of `sink_gap` records (left out when nil).
    public var sensor: String?
    /// The records lost since the last `sink_gap` record: how many, their packet times, the error.
    var pending: (count: UInt64, first: Int64, last: Int64, error: String)?
    /// The file ends inside a line (a cut write that could not be taken back, or an earlier run's): the
    /// next write starts with a newline.
    var endsMidLine = false
    /// The bytes of the line being written (with a `sink_gap` record before it when one is due), kept
    /// between lines so that a line costs no allocation.
    var scratch: [UInt8] = []

    /// The `sink` value of this sink's `sink_gap` records.
    public static let sinkName = "alerts-file"
    /// This file's `sink` value (`flows-file` for `--flows`, which uses the same writer).
    public var sinkName = AlertFile.sinkName

    /// `onEvent` is given here too so that a FIFO without a reader at start is said then, not at the first
    /// record lost; the run goes on (a collector that starts after zonesep is the ordinary case).
    public init(path: String, rotation: Rotation = .none, onEvent: @escaping (String) -> Void = { _ in })
        throws(AlertFileError)
    {
        self.path = path
        self.rotation = rotation
        self.onEvent = onEvent
        if let why = open() {
            guard lastOpenFoundNoReader else { throw AlertFileError(path: path, reason: why) }
            noReaderSaid = true
            onEvent("\(path): \(why)\(AlertFile.noReaderSaid)")
        }
    }

    deinit { close() }

    /// Appends one line (a newline is added), whole or not at all. `timestampMicros` is the record's
    /// packet time, for day rotation and for the `sink_gap` record that may precede it.
    public func write(line: String, timestampMicros: Int64) {
        var line = line
        line.withUTF8 { write(line: $0, timestampMicros: timestampMicros) }
    }

    public func write(line: [UInt8], timestampMicros: Int64) {
        line.withUnsafeBufferPointer { write(line: $0, timestampMicros: timestampMicros) }
    }

    /// As `write(line:timestampMicros:)`, the line given as its UTF-8 bytes (a rendered record). The
    /// bytes go out through a buffer the file keeps, so a line costs no allocation.
    public func write(line: UnsafeBufferPointer<UInt8>, timestampMicros: Int64) {
        reopenIfRemoved()
        writeOne(line: line, timestampMicros: timestampMicros)
    }

    /// `write(line:timestampMicros:)` without the check for a removed file (done once for a batch).
    func writeOne(line: UnsafeBufferPointer<UInt8>, timestampMicros: Int64) {
        let lineDay = AlertFile.day(of: timestampMicros)
        scratch.removeAll(keepingCapacity: true)
        if let p = pending {
            scratch.append(contentsOf: gapRecord(p, at: timestampMicros).utf8)
            scratch.append(0x0a)
        }
        scratch.append(contentsOf: line)
        scratch.append(0x0a)
        if rotation == .day, pending == nil, regularFile, let d = day, lineDay < d {
            appendToItsDay(lineDay, at: timestampMicros)
            return
        }
        switch rotation {
        case .none: break
        case .size(let limit):
            if size > 0 && size + UInt64(scratch.count) > limit && !rotationHeldBack { rotate(suffix: nil) }
        case .day:
            if let d = day, lineDay > d, size > 0, !rotationHeldBack { rotate(suffix: AlertFile.dayName(d)) }
        }
        if rotation == .day && (day == nil || lineDay > day! || size == 0) { day = lineDay }
        if fd < 0, let why = open() {
            lose(at: timestampMicros, why: why)
            return
        }
        noReaderSaid = false
        if endsMidLine { scratch.insert(0x0a, at: 0) }
        // The gap record and the record go in together or not at all: a gap record written alone, on a disk
        // with room for it but not for the record, would only start another outage.
        let outcome = scratch.withUnsafeBytes { WholeLines.write(fd: fd, $0, allOrNothing: true) }
        size += UInt64(outcome.kept)
        if outcome.error == nil {
            endsMidLine = false
            if let p = pending { recovered(p) }
            writeError = nil
            lines += 1
            return
        }
        if outcome.kept > 0 { endsMidLine = outcome.endsMidLine }
        lose(at: timestampMicros, why: "write: " + WholeLines.errorText(outcome.error ?? EIO))
    }

    /// Several records in as few `write(2)`s as the file allows, with what writing them one by one by
    /// `write(line:)` would leave: the same bytes in the same files, the same records counted as lost. A
    /// sensor's records come by the dozen a batch (alerts, evidence records, flow records by the hundred):
    /// one system call for them rather than one each.
    ///
    /// The lines go out in runs of those that nothing has to come between: a run ends before a line that
    /// rotates the file. A line is written alone (as `write(line:)` writes it) when a `sink_gap` record is
    /// due before it, the file is not open, or the file ends inside a line. When a run's write fails, its
    /// whole lines stay (`WholeLines` cuts the one it broke back off), that line is lost as its own write
    /// would have been, and the lines after it go on one by one.
    public func write(lines batch: [(line: String, timestampMicros: Int64)]) {
        var lines = LineBatch()
        for l in batch { lines.append(line: l.line, timestampMicros: l.timestampMicros) }
        write(lines)
    }

    /// As `write(lines:)`, for lines rendered straight into the batch's bytes.
    public func write(_ batch: LineBatch) {
        reopenIfRemoved()
        var next = 0
        while next < batch.count {
            guard pending == nil, fd >= 0, !endsMidLine else {
                batch.forEachLine(from: next, count: 1) { writeOne(line: $0, timestampMicros: $1) }
                next += 1
                continue
            }
            // While rotation fails, no line rotates the file (each would be written alone, to try it again).
            let heldBack = rotationHeldBack
            let first = next
            let start = batch.start(of: first)
            // The lines up to the first that rotates the file, with the day each sets as `write(line:)` would
            // (only the first of a run can: after it the file holds a line, and a later day rotates).
            var end = first
            while end < batch.count {
                // The file's size before this line, and the line's with its newline.
                let ahead = size + UInt64(batch.start(of: end) - start)
                let length = UInt64(batch.ends[end] - batch.start(of: end))
                let lineDay = AlertFile.day(of: batch.timestamps[end])
                var rotates = false
                switch rotation {
                case .none: break
                case .size(let limit): rotates = ahead > 0 && ahead + length > limit && !heldBack
                case .day:
                    // A line of an earlier day than the file's goes to its day's file, alone (`writeOne`).
                    let later = day.map { lineDay > $0 && ahead > 0 } ?? false
                    let earlier = day.map { lineDay < $0 && regularFile } ?? false
                    rotates = later && !heldBack || earlier
                }
                if rotates { break }
                if rotation == .day && (day == nil || lineDay > day! || ahead == 0) { day = lineDay }
                end += 1
            }
            if end == first {
                // This line rotates the file: written alone, after the rotation.
                batch.forEachLine(from: first, count: 1) { writeOne(line: $0, timestampMicros: $1) }
                next += 1
                continue
            }
            let stop = batch.ends[end - 1]
            let outcome = batch.bytes.withUnsafeBytes {
                WholeLines.write(fd: fd, UnsafeRawBufferPointer(rebasing: $0[start..<stop]))
            }
            size += UInt64(outcome.kept)
            guard let error = outcome.error else {
                lines += UInt64(end - first)
                next = end
                continue
            }
            // Whole lines written stay: the first line not (wholly) written is the first whose end lies past
            // what was kept. It is lost, as its own write would have lost it; the file may end inside it only
            // where the cut could not be taken back.
            let broken = (first..<end).first { batch.ends[$0] - start > outcome.kept } ?? end
            lines += UInt64(broken - first)
            endsMidLine = outcome.endsMidLine
            guard broken < end else {
                next = end
                continue
            }
            lose(at: batch.timestamps[broken], why: "write: " + WholeLines.errorText(error))
            next = broken + 1
        }
    }

    /// A record (in `scratch`) of an earlier UTC day than the file's lines, under day rotation: a flow record
    /// written when its flow idled out after midnight, or packets merged out of time order. It goes to the
    /// file of its own day, `FILE.YYYYMMDD` (made if that day had none), so that a day's file holds all of
    /// its day's records, as an auditor who takes one day's file expects. Opened for the one line: rare.
    func appendToItsDay(_ lineDay: Int64, at micros: Int64) {
        let target = "\(path).\(AlertFile.dayName(lineDay))"
        let f = Glibc.open(target, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard f >= 0 else {
            lose(at: micros, why: "cannot open \(target) for a record of its day: \(String(cString: strerror(errno)))")
            return
        }
        defer { Glibc.close(f) }
        // A file an earlier run left ending inside a line: the record starts on a line of its own.
        if WholeLines.endsMidLine(path: target) { scratch.insert(0x0a, at: 0) }
        let outcome = scratch.withUnsafeBytes { WholeLines.write(fd: f, $0, allOrNothing: true) }
        if let error = outcome.error {
            lose(at: micros, why: "write to \(target): " + WholeLines.errorText(error))
            return
        }
        lines += 1
        earlierDayLines += 1
    }

    /// One record not written: counted, and the outage reported when it begins.
    func lose(at micros: Int64, why: String) {
        lost &+= 1
        writeError = "\(path): \(why)"
        if var p = pending {
            p.count &+= 1
            p.last = max(p.last, micros)
            pending = p
        } else {
            pending = (1, micros, micros, why)
            // A FIFO without a reader said at start or at the reopen is not said again for its first record.
            if !(noReaderSaid && why == AlertFile.noReader) {
                onEvent("\(path): \(why); records are counted as lost until it can be written again")
            }
        }
        note(why)
    }

    func recovered(_ p: (count: UInt64, first: Int64, last: Int64, error: String)) {
        pending = nil
        gaps &+= 1
        onEvent("\(path): writing again; \(p.count) records lost (a sink_gap record says so in the file)")
    }

    /// `{"timestamp":…,"event_type":"sink_gap","sink":"alerts-file","lost":N,…}`: the records lost
    /// before the one it precedes (whose packet time it carries), the first and last of their packet
    /// times, and the error that stopped them.
    func gapRecord(_ p: (count: UInt64, first: Int64, last: Int64, error: String), at micros: Int64) -> String {
        var o = JSONObject()
        o.add("timestamp", Timestamp.rfc3339(micros))
        o.add("event_type", "sink_gap")
        o.add("sink", sinkName)
        o.add("lost", p.count)
        o.add("first_lost", Timestamp.rfc3339(p.first))
        o.add("last_lost", Timestamp.rfc3339(p.last))
        o.add("error", p.error)
        if let sensor { o.add("sensor", sensor) }
        return o.json
    }

    /// Closes and opens the path again: after logrotate renamed the file, new lines go to a new file
    /// instead of following the old one. Returns the error, if any.
    @discardableResult
    public func reopen() -> String? {
        close()
        rotationRetryAt = nil  // a failed rotation is tried again now (the operator may have fixed its cause)
        guard let why = open() else { return nil }
        guard lastOpenFoundNoReader else { return "\(path): \(why)" }
        noReaderSaid = true
        return "\(path): \(why)\(AlertFile.noReaderSaid)"
    }

    /// A file removed while open (its link count 0: deleted by hand, or by a cleanup job on a full disk)
    /// would take every later record to a file no one can read, and free no space: said, and made again at
    /// its path. One `fstat` a batch: nothing cheaper finds the removal before the batch's write. Not a file
    /// renamed (logrotate's move waits for `SIGHUP`), nor a device or FIFO.
    ///
    /// The same `fstat` gives the file's size, which size rotation goes by: a file cut short by another
    /// process (`copytruncate`, `: > FILE`) is then not rotated early for bytes it no longer holds.
    func reopenIfRemoved() {
        guard fd >= 0, regularFile else { return }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return }
        guard st.st_nlink == 0 else {
            size = UInt64(max(0, st.st_size))
            return
        }
        recreated &+= 1
        close()
        let why = open()
        onEvent(
            "\(path): the file was removed while being written; "
                + (why.map { "it cannot be made again: \($0)" } ?? "made again at its path"))
    }

    public func close() {
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
    }

    /// Why a FIFO cannot be opened for writing: no process has it open for reading (ENXIO).
    static let noReader = "no process has this FIFO open for reading"
    /// What is said of it at start and at a reopen.
    static let noReaderSaid = "; records are counted as lost until one opens it (tried again at each record)"

    /// Opens (creating) the path for appending, and learns the size and the day of its last line. Returns
    /// why it could not (also kept in `failure`).
    ///
    /// `O_NONBLOCK` so that a FIFO with no reader fails at once (ENXIO) instead of blocking the run: at
    /// start, or in `watch` after `SIGHUP`, where it held the engine and `SIGTERM` until a reader came. It is
    /// cleared once open: a write then waits for a slow reader rather than cutting a line it cannot take back.
    func open() -> String? {
        let f = Glibc.open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK, 0o640)
        lastOpenFoundNoReader = f < 0 && errno == ENXIO
        if lastOpenFoundNoReader {
            note(AlertFile.noReader)
            return AlertFile.noReader
        }
        if f < 0 {
            let why = "cannot open: \(String(cString: strerror(errno)))"
            note(why)
            return why
        }
        let flags = fcntl(f, F_GETFL)
        if flags >= 0 { _ = fcntl(f, F_SETFL, flags & ~O_NONBLOCK) }
        fd = f
        var st = stat()
        let isFile = fstat(f, &st) == 0 && st.st_mode & S_IFMT == S_IFREG
        size = isFile ? UInt64(st.st_size) : 0
        regularFile = !WholeFile.writesInPlace(path)
        endsMidLine = isFile && WholeLines.endsMidLine(path: path)
        day = size > 0 && rotation == .day ? lastLineDay() : nil
        return nil
    }

    /// The UTC day of the last `"timestamp":"YYYY-MM-DD` in the file's tail: the day its lines belong to.
    func lastLineDay() -> Int64? {
        let r = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        if r < 0 { return nil }
        defer { Glibc.close(r) }
        let want = 8192
        let from = size > UInt64(want) ? off_t(size) - off_t(want) : 0
        var buffer = [UInt8](repeating: 0, count: want)
        let n = buffer.withUnsafeMutableBytes { pread(r, $0.baseAddress, want, from) }
        guard n > 0 else { return nil }
        let key = Array("\"timestamp\":\"".utf8)
        var at = n - key.count - 10
        while at >= 0 && !buffer[at..<at + key.count].elementsEqual(key) { at -= 1 }
        guard at >= 0 else { return nil }
        let digits = buffer[(at + key.count)..<(at + key.count + 10)]
        let date = String(decoding: digits, as: UTF8.self).split(separator: "-").compactMap { Int64($0) }
        guard date.count == 3 else { return nil }
        return AlertFile.days(year: date[0], month: date[1], day: date[2])
    }

    /// Renames the current file out of the way and opens a new one; on failure keeps writing where it was.
    /// A path that is not a regular file (`/dev/null`, a FIFO) is never rotated: renaming it would move
    /// the device or pipe itself, and the new "file" would be a regular file in its place.
    ///
    /// A rename refused (a directory that takes no new names, a name too long) is said once through
    /// `onEvent` and counted; rotation is then held back for `rotationRetryNanos` (or until `reopen()`), so
    /// that every line does not close, rename and reopen the file again.
    func rotate(suffix: String?) {
        guard regularFile else { return }
        close()
        let target = suffix.map { freeName("\(path).\($0)", numbered: false) } ?? freeName(path, numbered: true)
        if rename(path, target) != 0 {
            let why = "cannot rotate to \(target): \(String(cString: strerror(errno)))"
            rotationError = note(why)
            rotationFailures &+= 1
            if !rotationFailing {
                rotationFailing = true
                onEvent(
                    "\(path): \(why); the file grows past its limit until a rotation succeeds "
                        + "(tried again once a minute, and at SIGHUP)")
            }
            rotationRetryAt = AlertFile.monotonicNanos() &+ rotationRetryNanos
        } else {
            rotations += 1
            rotationRetryAt = nil
            rotationError = nil
            if rotationFailing {
                rotationFailing = false
                onEvent("\(path): rotated again, to \(target)")
            }
        }
        _ = open()
    }

    /// Whether a rotation due now waits: a recent one failed.
    var rotationHeldBack: Bool {
        guard let at = rotationRetryAt else { return false }
        return AlertFile.monotonicNanos() < at
    }

    static func monotonicNanos() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// `base` itself if free (for day names), else `base.1`, `base.2`, …: for size rotation the number
    /// after the highest one present, so older files keep lower numbers and nothing is renamed twice.
    func freeName(_ base: String, numbered: Bool) -> String {
        if !numbered && access(base, F_OK) != 0 { return base }
        var highest = 0
        let slash = base.lastIndex(of: "/")
        let dir = slash.map { String(base[..<$0]) } ?? "."
        let prefix = (slash.map { String(base[base.index(after: $0)...]) } ?? base) + "."
        if let d = opendir(dir.isEmpty ? "/" : dir) {
            while let e = readdir(d) {
                let name = withUnsafeBytes(of: e.pointee.d_name) { raw in
                    String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                }
                if name.hasPrefix(prefix), let n = Int(name.dropFirst(prefix.count)) { highest = max(highest, n) }
            }
            closedir(d)
        }
        return "\(base).\(highest + 1)"
    }

    @discardableResult
    func note(_ why: String) -> String {
        let message = "\(path): \(why)"
        if failure == nil { failure = message }
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        lastError = (message, Int64(ts.tv_sec) &* 1_000_000 &+ Int64(ts.tv_nsec / 1000))
        return message
    }

    static func day(of micros: Int64) -> Int64 {
        // Floor divisions without a subtraction that could overflow on a crafted packet time near Int64.min.
        let (q, r) = micros.quotientAndRemainder(dividingBy: 1_000_000)
        let s = r < 0 ? q - 1 : q
        let (d, rd) = s.quotientAndRemainder(dividingBy: 86_400)
        return rd < 0 ? d - 1 : d
    }

    /// `YYYYMMDD` of a day count.
    static func dayName(_ day: Int64) -> String {
        let (y, m, d) = Timestamp.civil(fromDays: day)
        return Timestamp.pad(y, 4) + Timestamp.pad(m, 2) + Timestamp.pad(d, 2)
    }

    /// Days since 1970-01-01 of a civil date (Howard Hinnant's days_from_civil).
    static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}

public struct AlertFileError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { reason.hasPrefix(path) ? reason : "\(path): \(reason)" }
}

/// Byte counts as written on the command line: `500`, `64K`, `10M`, `2G` (powers of 1024).
public enum ByteSize {
    public static func parse(_ text: String) -> UInt64? {
        guard let last = text.last else { return nil }
        // A switch, not a dictionary: every run parses --evidence-max-bytes, and a [Character: UInt64]
        // costs start-up a conformance scan to build.
        let suffix: UInt64? =
            switch last {
            case "K", "k": 1 << 10
            case "M", "m": 1 << 20
            case "G", "g": 1 << 30
            default: nil
            }
        let (digits, unit) = suffix.map { (text.dropLast(), $0) } ?? (Substring(text), 1)
        guard let n = UInt64(digits) else { return nil }
        let (v, overflow) = n.multipliedReportingOverflow(by: unit)
        return overflow ? nil : v
    }
}
