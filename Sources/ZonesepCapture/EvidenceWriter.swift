import CPcap
import ZonesepCore
import ZonesepCrypto

#if canImport(Glibc)
    import Glibc
#endif

/// Evidence captures (証拠保全): the packets of each violating flow, from its first, in a pcap file of
/// its own written with libpcap's dumper in the link type of the capture they came from.
///
/// A file holds at most `perFlowPackets` packets and is closed when its flow ends, when the cap is
/// reached, or at the end of the run; closing reports the SHA-256 of the bytes written to it, so that
/// `sha256sum` can later show the file untouched. At most `maxOpenFiles` descriptors are held: beyond
/// them the least recently written file's is closed, and the file is opened again (appended to) at its
/// flow's next packet, so a scan of many ports never cuts the evidence of a long flow. All evidence
/// files together stay within `maxBytes`: the oldest (by flow start) are deleted first, but never a file
/// whose flow started within the last `keepRecentMicros` of packet time, nor one still being written;
/// when nothing can go, new packets are skipped and counted instead. Only files named as zonesep names them (`YYYYMMDDTHHMMSS.ffffffZ_….pcap`,
/// the flow's start first) are ever counted or deleted.
///
/// The file header comes from libpcap (written once per link type into memory, so the files are what
/// `pcap_dump` writes); the records are written by the writer itself. A file's header is written when it
/// is opened (a full disk shows there), its packets are gathered in a buffer of its own and written in one
/// `write(2)` when the next record would take the buffer past `bufferBytes` or the file closes, and hashed
/// as they go out: one system call for dozens of packets, and no reading back to hash (a flush and a read
/// a packet were most of what evidence cost).
///
/// A file is hashed only when it holds every packet given to it: every write is checked, and at the close
/// the file must still be at its name (not removed, moved or replaced) and its size what was written. A
/// file that failed (a full disk, an I/O error) is cut back to its last whole packet and closed with an
/// `error` and no hash; the packets that did not reach the disk, and its later ones up to the cap, are
/// counted as lost. An earlier run's file of the same name is replaced only by a whole file: the new one
/// is written under a temporary name and renamed over it when it closes whole. Each cause of an outage
/// (the system's reason) is reported once, and the first success after it with what the outage cost:
/// files that cannot be created and writes that fail are two outages (with inodes exhausted, the files
/// already open are still written to), each ended only by a success of its own kind.
public final class EvidenceWriter {
    public struct Limits: Sendable {
        public var perFlowPackets: Int
        /// 0: no budget.
        public var maxBytes: UInt64
        public var keepRecentMicros: Int64 = 3_600_000_000
        /// Descriptors held at once; opening one more file sets aside the least recently written one (its
        /// descriptor closed), opened again in append mode at its flow's next packet. A run takes
        /// `openFileBudget()`.
        public var maxOpenFiles: Int = 256
        /// Evidence files kept in the directory (closed and open): a flood of distinct violating flows makes
        /// one each, and the writer remembers each. Beyond it the oldest go first, as for the byte budget;
        /// when all are recent, new alerts get no file (counted in `skippedFiles`).
        public var maxFiles: Int = EvidenceWriter.defaultMaxFiles

        public init(perFlowPackets: Int, maxBytes: UInt64) {
            self.perFlowPackets = perFlowPackets
            self.maxBytes = maxBytes
        }
    }

    /// The evidence descriptors a run holds at once: 1,024, or half the process's descriptor limit where
    /// that is less (the rest stays for the captures, sockets and output files). Below the limit, a scan's
    /// hundreds of violating flows would set files aside and reopen them thousands of times. The soft limit
    /// is first raised to the hard one, as a daemon does: systemd's default soft limit is 1,024.
    public static func openFileBudget() -> Int {
        var r = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &r) == 0 else { return 256 }
        if r.rlim_cur != rlim_t.max && r.rlim_cur < r.rlim_max {
            var raised = r
            raised.rlim_cur = r.rlim_max
            if setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &raised) == 0 { r = raised }
        }
        let soft = r.rlim_cur == rlim_t.max ? Int.max : Int(clamping: r.rlim_cur)
        return max(16, min(EvidenceWriter.mostOpenFiles, soft / 2))
    }

    /// The most evidence descriptors held at once, however high the descriptor limit: each open file may
    /// hold up to `bufferBytes` of packets not yet written.
    public static let mostOpenFiles = 1_024

    public enum CloseReason: String, Sendable {
        case flowEnd = "flow-end"
        case packetCap = "packet-cap"
        case endOfRun = "end-of-run"
    }

    /// A file that was closed: its name in the directory, what it holds and its SHA-256 (hex).
    public struct Closed: Sendable {
        public var serial: UInt64
        public var file: String
        public var packets: UInt64
        public var bytes: UInt64
        /// nil when the file is incomplete or could not be read back.
        public var sha256: String?
        public var reason: CloseReason
        /// Why the file is incomplete (or could not be hashed); nil for a whole, hashed file.
        public var error: String?
        /// Packets of the flow left out of the file for their link type (`Stats.otherLinkTypePackets`): the
        /// file is whole as written, but it is not all of the flow.
        public var leftOut: UInt64 = 0
        /// Packets of the flow the byte budget kept out of the file (`Stats.skippedPackets`): a file whose
        /// hash vouches only for what it holds, not for all of the flow.
        public var skipped: UInt64 = 0
        /// This run's file is not there but the earlier run's file of its name was kept in its place (whole,
        /// vouched for by that run's record): not a file to distrust, and not one missing.
        public var keptEarlier = false
    }

    /// What this writer counted; the summary reports the same struct.
    public typealias Stats = EvidenceCounts

    /// A file being written. A class: it holds its hasher, which cannot be copied.
    /// What each packet touches comes first, so that it shares the object's first cache lines.
    final class OpenFile {
        /// Whole records not written yet, `pendingPackets` of them (memory from the first one on).
        var pending = RecordBuffer()
        var pendingPackets: UInt64 = 0
        /// The first write error: no more packets go in, and the file closes without a hash.
        var error: String?
        /// Packets given to the file that did not reach it (its write failed): with `packets`, what the
        /// per-flow cap counts, so a failed file is closed where a whole one would have been.
        var lost: UInt64 = 0
        /// Packets of the flow in another link type than the file's, left out (`Closed.leftOut`).
        var leftOut: UInt64 = 0
        /// Packets of the flow the budget kept out (`Closed.skipped`).
        var skipped: UInt64 = 0
        /// Packets and bytes given to the file (header included), on disk or still in `pending`.
        var packets: UInt64 = 0
        var bytes: UInt64
        /// When it was last opened or written to (`EvidenceWriter.uses`): the least recent is set aside
        /// first, so the flows still sending keep their descriptors.
        var order: UInt64
        let linkType: Int32
        /// -1 while set aside for the open-file limit (`EvidenceWriter.setAside`).
        var fd: Int32
        /// The file's name, hashed once for the name sets.
        let key: NameKey
        var name: String { key.name }
        let start: Int64
        /// What is on disk so far.
        var packetsOnDisk: UInt64 = 0
        var bytesOnDisk: UInt64
        /// SHA-256 of the bytes on disk, in the order they were written.
        var hasher = SHA256()
        /// The file's device and inode when its descriptor was closed for the open-file limit: it is opened
        /// again (or checked at its close) by name, and must still be that file.
        var identity: (device: UInt64, inode: UInt64)?
        /// Why the file set aside is no longer this writer's (removed, moved or replaced meanwhile).
        var gone: String?
        /// The earlier run's file of this name, which this one replaces once whole: until then it is
        /// written under `temporaryName`, and the earlier file stays.
        let replacing: Stored?
        /// The name it is written under.
        var nameOnDisk: String { replacing == nil ? key.name : EvidenceWriter.temporaryName(key.name) }

        init(
            fd: Int32, key: NameKey, linkType: Int32, start: Int64, headerBytes: UInt64, order: UInt64,
            replacing: Stored?
        ) {
            self.fd = fd
            self.key = key
            self.replacing = replacing
            self.linkType = linkType
            self.start = start
            self.bytes = headerBytes
            self.bytesOnDisk = headerBytes
            self.order = order
        }

        deinit { pending.release() }
    }

    /// A file's records are written out before they would take more than this many bytes (and at its close).
    public static let bufferBytes = 64 * 1024
    /// What a new buffer starts with: most evidence files are a few KiB.
    static let initialBufferBytes = 8 * 1024

    /// The default cap on evidence files.
    public static let defaultMaxFiles = 65_536

    /// What a file replacing an earlier run's is written under until it is whole: not an evidence name (so
    /// it is never counted, hashed or named by a record); a run killed meanwhile leaves it, and the next
    /// run's scan removes it.
    public static func temporaryName(_ name: String) -> String { name + temporarySuffix }
    static let temporarySuffix = ".partial"

    struct Stored {
        var name: String
        var start: Int64
        var size: UInt64
    }

    /// A file's name as a key of the name sets, hashed once when made: a name is looked up and inserted
    /// four times a file, and hashing its 70-odd bytes each time cost more than the lookups.
    struct NameKey: Hashable {
        let name: String
        let hash: Int

        init(_ name: String) {
            self.name = name
            hash = name.hashValue
        }

        static func == (a: NameKey, b: NameKey) -> Bool { a.hash == b.hash && a.name == b.name }

        func hash(into hasher: inout Hasher) { hasher.combine(hash) }
    }

    /// pcap's file header and per-record header, for the budget arithmetic.
    static let fileHeaderBytes: UInt64 = 24
    static let recordHeaderBytes: UInt64 = 16
    static let snapLength: Int32 = 262_144

    public let directory: String
    public let limits: Limits
    /// The files being written whose descriptor is open.
    var files: [UInt64: OpenFile] = [:]
    /// The files being written whose descriptor was closed for the open-file limit: not closed (no record,
    /// no hash yet), and opened again at their flow's next packet.
    var setAsideFiles: [UInt64: OpenFile] = [:]
    /// Times a file set aside was opened again.
    public private(set) var reopened: UInt64 = 0
    /// Closed (and earlier runs') files, by flow start then name: the order of deletion.
    var stored: [Stored] = []
    /// `stored[..<storedHead]` are gone (deleted oldest first); compacted now and then.
    var storedHead = 0
    /// The names in `stored`, so a new file can be checked against them without a scan.
    var storedNames: Set<NameKey> = []
    /// The names of the files this writer made that are still there (open or closed): another flow whose
    /// file would have the same name (the same start and Community ID, as the same 5-tuple on two VLANs)
    /// gets none, rather than two writers sharing one file, or a later one replacing a file whose hash
    /// was already given, each vouching for bytes the other then overwrote. (An earlier run's file of the
    /// same name is replaced.)
    var namesThisRun: Set<NameKey> = []
    var totalBytes: UInt64 = 0
    /// Counts the opens and packet writes, to order the open files by their last use.
    var uses: UInt64 = 0
    public private(set) var stats = Stats()
    /// Told about problems (a file that cannot be created, the budget spent): the caller reports them.
    public var onProblem: (String) -> Void = { _ in }
    var warnedBudget = false
    var warnedFiles = false
    var warnedLinkType = false
    /// The outages going on: files cannot be created, writes fail (each cause said when first met; the
    /// end is said too).
    var creating: Outage?
    var writing: Outage?
    /// Files found removed, moved or replaced at their close (the first said, the count at the end).
    var filesGone: UInt64 = 0
    /// Times the directory was made again after it was removed while running.
    var directoryRemade: UInt64 = 0
    /// The end-of-run counts were said (they are said once).
    var saidEnd = false
    /// Why the last `open` returned false for an I/O error (nil: it did not, or for the budget).
    public private(set) var lastOpenError: String?
    /// Whether the last `open` refused (limits, I/O) kept an earlier run's file of the name in its place: the
    /// flow's evidence is that file, not none.
    public private(set) var lastOpenKeptEarlier = false
    /// The pcap file header libpcap writes for each link type, made once.
    var headers: [Int32: [UInt8]] = [:]
    /// `directory/` as C bytes, each file's name written after it to open, replace or remove the file: no
    /// `String` put together and converted per file (the message of a failure still builds one).
    var pathBytes: [CChar] = []
    /// The length of `directory/` in `pathBytes`.
    var pathPrefix = 0

    /// The DLT to write a capture of decoder link type `t` with. Raw IP is LINKTYPE_RAW (101) in files but
    /// DLT_RAW (12 on Linux) in libpcap's API, which refuses 101 in `pcap_dump_open` and writes 12 as 101.
    public static func dataLink(for t: LinkType) -> Int32 { t == .raw ? Int32(DLT_RAW) : t.rawValue }

    /// Creates the directory when missing (not its parents) and takes stock of evidence already in it.
    public init(directory: String, limits: Limits) throws(EvidenceError) {
        self.directory = directory.count > 1 && directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        self.limits = limits
        var st = stat()
        if stat(self.directory, &st) != 0 {
            if mkdir(self.directory, 0o750) != 0 {
                throw EvidenceError(path: directory, reason: "cannot create: \(String(cString: strerror(errno)))")
            }
        } else if st.st_mode & S_IFMT != S_IFDIR {
            throw EvidenceError(path: directory, reason: "is not a directory")
        }
        if access(self.directory, W_OK) != 0 {
            throw EvidenceError(path: directory, reason: "cannot write: \(String(cString: strerror(errno)))")
        }
        pathBytes = (self.directory + "/").utf8.map { CChar(bitPattern: $0) }
        pathPrefix = pathBytes.count
        scan()
    }

    deinit { _ = closeAll(reason: .endOfRun) }

    /// Files not closed yet, those set aside for the open-file limit included.
    public var openFiles: Int { files.count + setAsideFiles.count }

    /// Descriptors of evidence files held now (at most `maxOpenFiles`).
    public var openDescriptors: Int { files.count }

    /// Bytes of evidence on disk (counted files, open ones included).
    public var bytesOnDisk: UInt64 { totalBytes }

    /// Whether packets of flow `serial` are being written.
    @inline(__always)
    public func isOpen(_ serial: UInt64) -> Bool { files[serial] != nil || setAsideFiles[serial] != nil }

    /// Starts the file for a new violating flow. Returns false when no file could be made (an I/O error,
    /// or a budget spent on recent files).
    @discardableResult
    public func open(serial: UInt64, name: String, startMicros: Int64, linkType: Int32, now: Int64) -> Bool {
        lastOpenKeptEarlier = false
        let key = NameKey(name)
        if namesThisRun.contains(key) {
            lastOpenError = "\(directory)/\(name) was made for another flow of the same start and Community ID"
            stats.notCreated &+= 1
            return false
        }
        // The same flow replayed again into the same directory: its file is replaced. It leaves the budget
        // while the new one is weighed, and comes back if the new one is refused or not written whole.
        var replaced: Stored?
        if storedNames.contains(key), let i = storedIndex(start: startMicros, name: name) {
            replaced = stored[i]
            totalBytes -= min(totalBytes, stored[i].size)
            stored.remove(at: i)
            storedNames.remove(key)
        }
        let refused = { [self] in
            if let r = replaced {
                totalBytes += r.size
                insertStored(r, key: key)
                lastOpenKeptEarlier = true
            }
            return false
        }
        lastOpenError = nil
        guard roomForAFile(now: now) else { return refused() }
        guard reserve(EvidenceWriter.fileHeaderBytes, now: now) else {
            // The byte budget refused the alert a file: counted with the file limit's, so the summary and
            // the report say every alert left without one.
            stats.skippedFiles &+= 1
            return refused()
        }
        guard let header = header(linkType: linkType) else {
            totalBytes -= EvidenceWriter.fileHeaderBytes
            return refused()
        }
        // An earlier run's file stays whole under its name until the new one is: the new one is written
        // under a temporary name and renamed over it at a whole close (a full disk, a failed write or a kill
        // leaves the earlier file, never a cut-short one in its place). Files of new names, nearly all of
        // them, are written under their own name: no rename, no extra system call.
        // Created as libpcap's pcap_dump_open makes it (fopen "wb"). Anything else of that name (made since
        // the scan, or a temporary left by a killed run) is truncated.
        makeRoomForADescriptor()
        var onDisk = replaced == nil ? name : EvidenceWriter.temporaryName(name)
        var fd = withPath(onDisk) { Glibc.open($0, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666) }
        var err = errno
        if fd < 0 && err == ENOENT && remakeDirectory() {
            // The earlier file went with the old directory.
            replaced = nil
            onDisk = name
            fd = withPath(onDisk) { Glibc.open($0, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666) }
            err = errno
        }
        let kept = replaced == nil ? "" : " (the earlier run's file of that name is kept)"
        guard fd >= 0 else {
            let why = String(cString: strerror(err))
            stats.errors &+= 1
            stats.notCreated &+= 1
            lastOpenError = "cannot be created: \(directory)/\(onDisk): \(why)\(kept)"
            totalBytes -= EvidenceWriter.fileHeaderBytes
            failed(
                &creating, cause: why, notCreated: 1, "evidence \(directory)/\(onDisk): cannot be created: \(why)",
                consequence: "alerts get no evidence file until one can be created again")
            return refused()
        }
        if let o = creating {
            creating = nil
            onProblem("evidence \(directory): files can be created again; \(o.cost)")
        }
        // The header goes out now: a full disk shows here, before the alert names the file, and a run killed
        // while the file is open leaves a pcap file, not an empty one. Hence its own write rather than one
        // with the first packets (which wait in memory, often until the close).
        if let why = EvidenceWriter.writeAll(fd, header) {
            Glibc.close(fd)
            _ = withPath(onDisk) { unlink($0) }
            totalBytes -= EvidenceWriter.fileHeaderBytes
            stats.errors &+= 1
            stats.notCreated &+= 1
            lastOpenError = "cannot be written: \(why)\(kept)"
            failed(
                &writing, cause: why, notCreated: 1, "evidence \(directory)/\(onDisk): cannot be written: \(why)",
                consequence: EvidenceWriter.writesFail)
            return refused()
        }
        uses &+= 1
        let f = OpenFile(
            fd: fd, key: key, linkType: linkType, start: startMicros, headerBytes: UInt64(header.count),
            order: uses, replacing: replaced)
        header.withUnsafeBytes { f.hasher.update($0) }
        files[serial] = f
        namesThisRun.insert(key)
        stats.files &+= 1
        stats.bytes &+= EvidenceWriter.fileHeaderBytes
        return true
    }

    /// Sets aside the least recently used files until one more descriptor stays within `maxOpenFiles`.
    func makeRoomForADescriptor() {
        while files.count >= max(1, limits.maxOpenFiles),
            let oldest = files.min(by: { $0.value.order < $1.value.order })?.key
        {
            setAside(oldest)
        }
    }

    /// Closes the descriptor of flow `serial`'s file, which stays its flow's, being written (no record, no
    /// hash yet): what waits goes out, and the file's identity is kept to find it again by name. A scan of
    /// many ports so costs the long flow among them no packet.
    func setAside(_ serial: UInt64) {
        guard let f = files.removeValue(forKey: serial) else { return }
        flush(f)
        f.pending.release()
        var st = stat()
        if fstat(f.fd, &st) == 0 {
            f.identity = (UInt64(st.st_dev), UInt64(st.st_ino))
            if st.st_nlink == 0 { f.gone = "removed while it was being written, after \(f.packets) packets" }
        } else if f.error == nil {
            f.error = "fstat failed after \(f.packets) packets: \(String(cString: strerror(errno)))"
        }
        if Glibc.close(f.fd) != 0 && f.error == nil {
            f.error = "close failed after \(f.packets) packets: \(String(cString: strerror(errno)))"
        }
        f.fd = -1
        setAsideFiles[serial] = f
    }

    /// Opens again, in append mode, the file of flow `serial` set aside for the open-file limit; nil when it
    /// is no longer there as it was left (`gone`) or cannot be opened (`error`): its later packets are lost.
    func reopen(_ serial: UInt64) -> OpenFile? {
        guard let f = setAsideFiles[serial], f.error == nil, f.gone == nil else { return nil }
        makeRoomForADescriptor()
        let fd = withPath(f.nameOnDisk) { Glibc.open($0, O_WRONLY | O_APPEND | O_CLOEXEC) }
        guard fd >= 0 else {
            let why = String(cString: strerror(errno))
            if errno == ENOENT {
                f.gone = EvidenceWriter.notAtItsName(f, why)
            } else {
                f.error = "cannot be opened again after \(f.packets) packets: \(why)"
                failed(
                    &writing, cause: why, failedFiles: 1,
                    "evidence \(directory)/\(f.nameOnDisk): cannot be opened again: \(why)",
                    consequence: EvidenceWriter.writesFail)
            }
            return nil
        }
        var st = stat()
        if fstat(fd, &st) == 0, let id = f.identity, id != (UInt64(st.st_dev), UInt64(st.st_ino)) {
            Glibc.close(fd)
            f.gone = EvidenceWriter.anotherFile(f)
            return nil
        }
        setAsideFiles[serial] = nil
        f.fd = fd
        uses &+= 1
        f.order = uses
        reopened &+= 1
        files[serial] = f
        return f
    }

    static func notAtItsName(_ f: OpenFile, _ why: String) -> String {
        "no longer at its name after \(f.packets) packets (moved or removed while it was being written): \(why)"
    }

    static func anotherFile(_ f: OpenFile) -> String {
        "its name leads to another file after \(f.packets) packets (moved or replaced while it was being written)"
    }

    /// The directory was removed while zonesep wrote into it (by hand, or a cleanup job): it is made again
    /// as at the start (not its parents), so later alerts get their files, and said once. What the budget
    /// counted of the old directory's closed files leaves it; false when it cannot be made.
    func remakeDirectory() -> Bool {
        guard mkdir(directory, 0o750) == 0 else { return false }
        for s in stored[storedHead...] { totalBytes -= min(totalBytes, s.size) }
        stored.removeAll()
        storedHead = 0
        storedNames.removeAll()
        directoryRemade &+= 1
        if directoryRemade == 1 {
            onProblem(
                "evidence \(directory): the directory was removed while zonesep was writing into it; made it "
                    + "again (the files that were open in it get no hash)")
        }
        return true
    }

    /// An earlier run's file that was to be replaced is counted again (the new one was not written whole),
    /// if it is still there.
    func keepAgain(_ r: Stored, key: NameKey) {
        var st = stat()
        guard withPath(r.name, { stat($0, &st) }) == 0 else { return }
        totalBytes += UInt64(st.st_size)
        insertStored(Stored(name: r.name, start: r.start, size: UInt64(st.st_size)), key: key)
    }

    /// Calls `body` with the path of the file named `name` in the directory, as a C string (valid in `body`);
    /// `errno` is left as `body` left it.
    func withPath<R>(_ name: String, _ body: (UnsafePointer<CChar>) -> R) -> R {
        // Worked on out of the property: an append to it is an access check each.
        var path: [CChar] = []
        swap(&path, &pathBytes)
        defer { swap(&path, &pathBytes) }
        path.removeLast(path.count - pathPrefix)
        var name = name
        name.withUTF8 { u in u.withMemoryRebound(to: CChar.self) { path.append(contentsOf: $0) } }
        path.append(0)
        return body(path)
    }

    /// The file header of link type `linkType`, as libpcap writes it (into memory, once per link type).
    func header(linkType: Int32) -> [UInt8]? {
        if let h = headers[linkType] { return h }
        guard
            let dead = pcap_open_dead_with_tstamp_precision(
                linkType, EvidenceWriter.snapLength, UInt32(PCAP_TSTAMP_PRECISION_MICRO))
        else { return nil }
        defer { pcap_close(dead) }
        var buffer: UnsafeMutablePointer<CChar>? = nil
        var size = 0
        guard let stream = open_memstream(&buffer, &size) else { return nil }
        guard let dumper = pcap_dump_fopen(dead, stream) else {
            fclose(stream)
            free(buffer)
            return nil
        }
        pcap_dump_close(dumper)  // closes the stream: `buffer` and `size` now hold the header
        defer { free(buffer) }
        guard let buffer, UInt64(size) == EvidenceWriter.fileHeaderBytes else { return nil }
        let h = Array(UnsafeRawBufferPointer(start: buffer, count: size).bindMemory(to: UInt8.self))
        headers[linkType] = h
        return h
    }

    /// Writes all of `bytes` to `fd`; nil when done, else why not (what did get out stays on disk).
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> String? {
        bytes.withUnsafeBytes { b in
            guard let base = b.baseAddress else { return nil }
            var done = 0
            while done < b.count {
                let n = Glibc.write(fd, base + done, b.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    return String(cString: strerror(errno))
                }
                if n == 0 { return "nothing could be written" }
                done += n
            }
            return nil
        }
    }

    /// Appends one packet of flow `serial`; returns the file when this packet reached the per-flow cap
    /// (and so closed it). A packet of another link type than the file's cannot go in it: it is left out,
    /// counted, and said once.
    public func write(
        serial: UInt64, timestampMicros: Int64, bytes: UnsafeRawBufferPointer, wireLength: Int, linkType: Int32
    ) -> Closed? {
        guard let f = files[serial] ?? reopen(serial) else {
            // Set aside and not there any more, or not to be opened again: lost, as a failed file's.
            return setAsideFiles[serial].flatMap { lose(serial, $0) }
        }
        if f.error != nil { return lose(serial, f) }
        guard linkType == f.linkType else {
            leaveOut(f, linkType: linkType)
            return nil
        }
        let caplen = min(bytes.count, Int(EvidenceWriter.snapLength))
        let need = EvidenceWriter.recordHeaderBytes + UInt64(caplen)
        guard reserve(need, now: timestampMicros), let base = bytes.baseAddress else {
            stats.skippedPackets &+= 1
            f.skipped &+= 1
            return nil
        }
        // What waits goes out before this record would take the buffer past `bufferBytes` (once it held
        // that much, buffers grew to twice that).
        if !f.pending.isEmpty && f.pending.count + Int(need) > EvidenceWriter.bufferBytes {
            flush(f)
            if f.error != nil {
                // Not added: it leaves the budget and is lost with the file's later packets.
                totalBytes -= min(totalBytes, need)
                return lose(serial, f)
            }
        }
        // Room for a typical file's packets at once, rather than growing the buffer a dozen times.
        if f.pending.capacity == 0 { f.pending = RecordBuffer(capacity: EvidenceWriter.initialBufferBytes) }
        // pcap's record header as pcap_dump writes it: seconds and microseconds as 32-bit values, the
        // captured and the original length, in the host's byte order.
        // Floor division by remainder: no subtraction or product that could overflow on a crafted packet
        // time near Int64.min.
        let (q, r) = timestampMicros.quotientAndRemainder(dividingBy: 1_000_000)
        let secs = r < 0 ? q - 1 : q
        let micros = r < 0 ? r + 1_000_000 : r
        let record: (Int32, Int32, UInt32, UInt32) = (
            Int32(truncatingIfNeeded: secs), Int32(truncatingIfNeeded: micros),
            UInt32(caplen), UInt32(clamping: max(wireLength, caplen))
        )
        f.pending.append(header: record, packet: UnsafeRawBufferPointer(start: base, count: caplen))
        f.pendingPackets &+= 1
        uses &+= 1
        f.order = uses
        f.packets &+= 1
        f.bytes &+= need
        stats.packets &+= 1
        stats.bytes &+= need
        if f.pending.count >= EvidenceWriter.bufferBytes { flush(f) }
        if f.packets &+ f.lost >= UInt64(max(1, limits.perFlowPackets)) {
            return close(serial: serial, reason: .packetCap)
        }
        return nil
    }

    /// A packet of a file that failed: lost, as far as the cap would have let it in. The file closes where
    /// a whole one would have (`packet-cap`), giving back its descriptor: a long flow's later packets are
    /// neither counted nor held for.
    func lose(_ serial: UInt64, _ f: OpenFile) -> Closed? {
        let cap = UInt64(max(1, limits.perFlowPackets))
        if f.packets &+ f.lost < cap {
            f.lost &+= 1
            stats.lostPackets &+= 1
        }
        return f.packets &+ f.lost >= cap ? close(serial: serial, reason: .packetCap) : nil
    }

    /// Writes a file's waiting records. When only part of them gets out, the file is cut back to its last
    /// whole packet, and the packets that did not reach the disk are no longer counted as written.
    func flush(_ f: OpenFile) {
        guard f.error == nil, !f.pending.isEmpty else { return }
        var done = 0
        var failure: String?
        let out = f.pending.bytes
        if let base = out.baseAddress {
            writing: while done < out.count {
                let n = Glibc.write(f.fd, base + done, out.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = String(cString: strerror(errno))
                    break writing
                }
                if n == 0 {
                    failure = "nothing could be written"
                    break writing
                }
                done += n
            }
        }
        guard let why = failure else {
            f.hasher.update(f.pending.bytes)
            f.packetsOnDisk &+= f.pendingPackets
            f.bytesOnDisk &+= UInt64(f.pending.count)
            f.pending.removeAll()
            f.pendingPackets = 0
            if let o = writing {
                writing = nil
                onProblem("evidence \(directory): writing again; \(o.cost)")
            }
            return
        }
        // The whole records among the `done` bytes that got out.
        var whole = 0
        var wholePackets: UInt64 = 0
        do {
            let b = f.pending.bytes
            while whole + 16 <= done {
                let caplen = Int(b.loadUnaligned(fromByteOffset: whole + 8, as: UInt32.self))
                guard whole + 16 + caplen <= done else { break }
                whole += 16 + caplen
                wholePackets &+= 1
            }
        }
        var cut = ""
        if ftruncate(f.fd, off_t(f.bytesOnDisk + UInt64(whole))) != 0 {
            cut = "; ftruncate failed too: \(String(cString: strerror(errno))) (the file ends in part of a packet)"
        }
        let lostPackets = f.pendingPackets - wholePackets
        let lostBytes = UInt64(f.pending.count - whole)
        f.packetsOnDisk &+= wholePackets
        f.bytesOnDisk &+= UInt64(whole)
        f.packets -= lostPackets
        f.bytes -= lostBytes
        stats.packets -= min(stats.packets, lostPackets)
        stats.bytes -= min(stats.bytes, lostBytes)
        stats.lostPackets &+= lostPackets
        f.lost &+= lostPackets
        totalBytes -= min(totalBytes, lostBytes)
        f.pending.removeAll()
        f.pendingPackets = 0
        f.error = "write failed after \(f.packets) packets: \(why)\(cut)"
        failed(
            &writing, cause: why, failedFiles: 1, "evidence \(directory)/\(f.nameOnDisk): \(why)",
            consequence: EvidenceWriter.writesFail)
    }

    /// Closes the file of flow `serial` (if one is open or set aside); its hash is that of every byte
    /// written, given only when the file holds them all, at its name.
    public func close(serial: UInt64, reason: CloseReason) -> Closed? {
        guard let f = files.removeValue(forKey: serial) ?? setAsideFiles.removeValue(forKey: serial) else {
            return nil
        }
        flush(f)
        f.pending.release()
        // The size of the file this writer wrote (the descriptor's, not whatever the name leads to now).
        // More than was written after a failed write: the part of it that got out and could not be cut
        // back, cut off now. More without a failure: something else wrote to the file, which then gets
        // no hash.
        // Each failing call is named: a file whose size could not be read, or that could not be cut back or
        // closed, gets no hash, and the message says which step failed and why.
        var st = stat()
        var size = f.bytes
        var sizeKnown = true
        var gone: String?
        if f.fd < 0 {
            // Set aside for the open-file limit: found by its name, which must still lead to the file left.
            gone = f.gone
            if gone == nil {
                if withPath(f.nameOnDisk, { stat($0, &st) }) != 0 {
                    gone = EvidenceWriter.notAtItsName(f, String(cString: strerror(errno)))
                } else if let id = f.identity, id != (UInt64(st.st_dev), UInt64(st.st_ino)) {
                    gone = EvidenceWriter.anotherFile(f)
                } else {
                    size = UInt64(st.st_size)
                }
            }
        } else if fstat(f.fd, &st) == 0 {
            size = UInt64(st.st_size)
            gone = whereabouts(f, st)
        } else {
            sizeKnown = false
            let why = "fstat failed after \(f.packets) packets: \(String(cString: strerror(errno)))"
            f.error = f.error.map { $0 + "; " + why } ?? why
        }
        // A file that failed is cut back to what was written whole when its size says it holds more, or
        // when its size could not be read.
        if gone == nil && f.error != nil && (size > f.bytes || !sizeKnown) {
            let cut =
                f.fd >= 0
                ? ftruncate(f.fd, off_t(f.bytes)) : withPath(f.nameOnDisk) { truncate($0, off_t(f.bytes)) }
            if cut == 0 {
                size = f.bytes
            } else {
                let why = String(cString: strerror(errno))
                f.error = (f.error ?? "") + "; ftruncate failed: \(why) (the file ends in part of a packet)"
            }
        }
        if f.fd >= 0 && Glibc.close(f.fd) != 0 && f.error == nil {
            f.error = "close failed after \(f.packets) packets: \(String(cString: strerror(errno)))"
        }
        if let gone {
            filesGone &+= 1
            if filesGone == 1 {
                onProblem(
                    "evidence \(directory)/\(f.nameOnDisk): \(gone); a file removed, moved or replaced while it is "
                        + "written gets no hash (counted incomplete); the number is said at the end of the run")
            }
            return notKept(f, serial: serial, reason: reason, why: gone + (f.error.map { "; " + $0 } ?? ""))
        }
        if f.error == nil && size != f.bytes {
            f.error = "the file holds \(size) bytes of the \(f.bytes) written"
        }
        // A replacement that is not whole is deleted, and the earlier run's file stays in its place.
        if f.replacing != nil {
            if f.error == nil, let why = renameIntoPlace(f) { f.error = why }
            if let error = f.error {
                _ = withPath(f.nameOnDisk) { unlink($0) }
                return notKept(
                    f, serial: serial, reason: reason,
                    why: error + "; this run's file was deleted and the earlier run's file of that name kept")
            }
        }
        if size != f.bytes { totalBytes = totalBytes - min(totalBytes, f.bytes) + size }
        insertStored(Stored(name: f.name, start: f.start, size: size), key: f.key)
        if let error = f.error {
            stats.errors &+= 1
            stats.incomplete &+= 1
            return Closed(
                serial: serial, file: f.name, packets: f.packets, bytes: size, sha256: nil, reason: reason,
                error: error, leftOut: f.leftOut, skipped: f.skipped)
        }
        var hasher = SHA256()
        swap(&hasher, &f.hasher)
        let digest = SHA256.hex(hasher.finalize())
        stats.hashed &+= 1
        return Closed(
            serial: serial, file: f.name, packets: f.packets, bytes: size, sha256: digest, reason: reason, error: nil,
            leftOut: f.leftOut, skipped: f.skipped)
    }

    /// Why the file written is no longer at its name (nil when it is): removed (no link left), moved, or
    /// replaced by another. An unlinked file keeps its size, so the size check alone passed it; one `stat`
    /// a file, of a name in a directory just written to.
    func whereabouts(_ f: OpenFile, _ st: stat) -> String? {
        if st.st_nlink == 0 { return "removed while it was being written, after \(f.packets) packets" }
        var there = stat()
        guard withPath(f.nameOnDisk, { stat($0, &there) }) == 0 else {
            return EvidenceWriter.notAtItsName(f, String(cString: strerror(errno)))
        }
        guard there.st_dev == st.st_dev && there.st_ino == st.st_ino else { return EvidenceWriter.anotherFile(f) }
        return nil
    }

    /// Renames a whole replacement over the earlier run's file; nil when done, else why not.
    func renameIntoPlace(_ f: OpenFile) -> String? {
        if rename(directory + "/" + f.nameOnDisk, directory + "/" + f.name) == 0 { return nil }
        return "cannot be renamed over the earlier run's file: \(String(cString: strerror(errno)))"
    }

    /// This run's file is not in the directory (removed, moved or replaced while written, or a replacement
    /// deleted as not whole): counted incomplete, its packets lost and its bytes out of the budget, and its
    /// record says it holds nothing. An earlier run's file it was to replace is counted again.
    func notKept(_ f: OpenFile, serial: UInt64, reason: CloseReason, why: String) -> Closed {
        totalBytes -= min(totalBytes, f.bytes)
        stats.packets -= min(stats.packets, f.packets)
        stats.bytes -= min(stats.bytes, f.bytes)
        stats.lostPackets &+= f.packets
        stats.errors &+= 1
        stats.incomplete &+= 1
        if let r = f.replacing { keepAgain(r, key: f.key) }
        return Closed(
            serial: serial, file: f.name, packets: 0, bytes: 0, sha256: nil, reason: reason, error: why,
            leftOut: f.leftOut, skipped: f.skipped, keptEarlier: f.replacing != nil)
    }

    /// An outage: from the first failed create (or write) to the first create (or write of packets) that
    /// works again. Each cause (the system's reason) is said once, when first met; the rest are counted,
    /// and said with its cost.
    struct Outage {
        /// What the outage means, said with each cause.
        let consequence: String
        var causes: [(cause: String, count: UInt64)] = []
        /// Alerts that got no file, and files cut short, since it began.
        var notCreated: UInt64 = 0
        var failedFiles: UInt64 = 0

        var cost: String {
            let list = causes.map { "\($0.cause) \($0.count) times" }.joined(separator: ", ")
            let cut = failedFiles > 0 ? " and \(failedFiles) files were cut short (no hash)" : ""
            return "since the first failure \(notCreated) alerts got no file\(cut); failures: \(list)"
        }
    }

    /// A create or a write failed for `cause`: said when the outage begins, and when it brings a cause not
    /// met yet in it (a full disk, then a removed directory); otherwise only counted.
    func failed(
        _ outage: inout Outage?, cause: String, notCreated: UInt64 = 0, failedFiles: UInt64 = 0, _ what: String,
        consequence: String
    ) {
        var o = outage ?? Outage(consequence: consequence)
        o.notCreated &+= notCreated
        o.failedFiles &+= failedFiles
        if let i = o.causes.firstIndex(where: { $0.cause == cause }) {
            o.causes[i].count &+= 1
            outage = o
            return
        }
        o.causes.append((cause, 1))
        outage = o
        onProblem("\(what); \(o.consequence); later failures of this cause are counted and said when it ends")
    }

    static let writesFail =
        "until writing works again, evidence files close without a hash (marked incomplete) and alerts may get none"

    /// A packet of file `f`'s flow in another link type than the file's (two captures of different link
    /// types merged): a pcap file holds one, so the packet is left out. Not the budget's doing: counted
    /// apart, in the file's record too, and said once.
    func leaveOut(_ f: OpenFile, linkType: Int32) {
        f.leftOut &+= 1
        stats.otherLinkTypePackets &+= 1
        guard !warnedLinkType else { return }
        warnedLinkType = true
        onProblem(
            "evidence \(directory): \(f.name) holds link type \(dataLinkName(f.linkType)) and a packet of its flow "
                + "came in link type \(dataLinkName(linkType)) (captures of different link types merged): a pcap file holds one link type, so "
                + "such packets are left out of their files, counted in the file's evidence record (left_out) and "
                + "in the summary (other_link_type_packets)")
    }

    /// Says once, at the end of the run, what was only counted: an outage still going on, the files found
    /// removed or moved at their close, the times the directory was made again.
    public func sayWhatWasCounted() {
        guard !saidEnd else { return }
        saidEnd = true
        if let o = creating {
            onProblem("evidence \(directory): files still cannot be created at the end of the run; \(o.cost)")
        }
        if let o = writing { onProblem("evidence \(directory): writes still fail at the end of the run; \(o.cost)") }
        if filesGone > 1 {
            onProblem(
                "evidence \(directory): \(filesGone) files were removed, moved or replaced while they were being "
                    + "written (no hash, counted incomplete)")
        }
        if directoryRemade > 1 {
            onProblem("evidence \(directory): the directory was removed and made again \(directoryRemade) times")
        }
    }

    /// Closes every open file, in the order of their flows.
    public func closeAll(reason: CloseReason) -> [Closed] {
        (Array(files.keys) + Array(setAsideFiles.keys)).sorted().compactMap { close(serial: $0, reason: reason) }
    }

    /// Makes room for `n` more bytes, deleting the oldest closed files that are not recent; false when
    /// the budget cannot be met.
    func reserve(_ n: UInt64, now: Int64) -> Bool {
        if limits.maxBytes == 0 || totalBytes + n <= limits.maxBytes {
            totalBytes += n
            return true
        }
        while totalBytes + n > limits.maxBytes, removeOldest(now: now) {}
        if totalBytes + n <= limits.maxBytes {
            totalBytes += n
            return true
        }
        if !warnedBudget {
            warnedBudget = true
            onProblem(
                "evidence \(directory): the budget of \(limits.maxBytes) bytes is spent on captures of the last "
                    + "hour or still open; skipping packets until older ones can go")
        }
        return false
    }

    /// Makes room for one more file under `maxFiles`, deleting the oldest closed files that are not recent;
    /// false (counted, and said once) when it cannot.
    func roomForAFile(now: Int64) -> Bool {
        let cap = max(1, limits.maxFiles)
        while stored.count - storedHead + openFiles >= cap, removeOldest(now: now) {}
        if stored.count - storedHead + openFiles < cap { return true }
        stats.skippedFiles &+= 1
        if !warnedFiles {
            warnedFiles = true
            onProblem(
                "evidence \(directory): \(cap) files of the last hour or still open are there (the file limit); "
                    + "alerts get no evidence file until older ones can go")
        }
        return false
    }

    /// Deletes the oldest closed file if its flow started before the last `keepRecentMicros` of packet
    /// time; false when there is none.
    func removeOldest(now: Int64) -> Bool {
        guard storedHead < stored.count, stored[storedHead].start < now &- limits.keepRecentMicros else {
            return false
        }
        let oldest = stored[storedHead]
        stored[storedHead].name = ""
        storedHead += 1
        if storedHead >= 1024 && storedHead * 2 >= stored.count {
            stored.removeFirst(storedHead)
            storedHead = 0
        }
        let key = NameKey(oldest.name)
        storedNames.remove(key)
        if withPath(oldest.name, { unlink($0) }) == 0 || errno == ENOENT {
            namesThisRun.remove(key)
            totalBytes -= min(totalBytes, oldest.size)
            stats.removed &+= 1
        } else {
            stats.errors &+= 1
            onProblem("evidence \(directory)/\(oldest.name): cannot be removed: \(String(cString: strerror(errno)))")
        }
        return true
    }

    /// Where a file of flow start `start` and name `name` goes in `stored` (the first place not before it).
    func storedLowerBound(start: Int64, name: String) -> Int {
        var lo = storedHead
        var hi = stored.count
        while lo < hi {
            let mid = (lo + hi) / 2
            let m = stored[mid]
            if (m.start, m.name) < (start, name) { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// `key`: the name's key, when the caller has it (`NameKey(s.name)`).
    func insertStored(_ s: Stored, key: NameKey? = nil) {
        stored.insert(s, at: storedLowerBound(start: s.start, name: s.name))
        storedNames.insert(key ?? NameKey(s.name))
    }

    /// The index in `stored` of the file named `name`: found by its flow start (a replay into the same
    /// directory again replaces every file, and a scan of all of them for each made that quadratic).
    func storedIndex(start: Int64, name: String) -> Int? {
        let i = storedLowerBound(start: start, name: name)
        if i < stored.count && stored[i].name == name { return i }
        return stored[storedHead...].firstIndex { $0.name == name }
    }

    /// Takes stock of the evidence files already in the directory (an earlier run's), sorted once at the
    /// end (inserting each in order moved half the list for each file of a full directory). A replacement
    /// left by a killed run (`temporaryName`) is removed: no record names it, and the file it was to
    /// replace is there whole.
    func scan() {
        guard let d = opendir(directory) else { return }
        defer { closedir(d) }
        let dfd = dirfd(d)
        var found: [Stored] = []
        while let e = readdir(d) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard let start = EvidenceWriter.startMicros(ofName: name) else {
                let suffix = EvidenceWriter.temporarySuffix
                if name.hasSuffix(suffix),
                    EvidenceWriter.startMicros(ofName: String(name.dropLast(suffix.count))) != nil
                {
                    unlinkat(dfd, name, 0)
                }
                continue
            }
            var st = stat()
            guard fstatat(dfd, name, &st, 0) == 0, st.st_mode & S_IFMT == S_IFREG else { continue }
            found.append(Stored(name: name, start: start, size: UInt64(st.st_size)))
            totalBytes += UInt64(st.st_size)
        }
        found.sort { ($0.start, $0.name) < ($1.start, $1.name) }
        stored += found
        for s in found { storedNames.insert(NameKey(s.name)) }
    }

    /// The flow start encoded at the front of an evidence file name, `YYYYMMDDTHHMMSS.ffffffZ_…pcap`.
    public static func startMicros(ofName name: String) -> Int64? {
        let u = Array(name.utf8)
        guard u.count > 24, name.hasSuffix(".pcap"), u[8] == 0x54, u[15] == 0x2E, u[22] == 0x5A, u[23] == 0x5F
        else { return nil }
        func num(_ r: Range<Int>) -> Int64? {
            var v: Int64 = 0
            for i in r {
                guard u[i] >= 0x30 && u[i] <= 0x39 else { return nil }
                v = v * 10 + Int64(u[i] - 0x30)
            }
            return v
        }
        guard let y = num(0..<4), let mo = num(4..<6), let d = num(6..<8), let h = num(9..<11),
            let mi = num(11..<13), let s = num(13..<15), let f = num(16..<22), (1...12).contains(mo)
        else { return nil }
        // Days from the civil date (Howard Hinnant's days_from_civil).
        let yy = mo <= 2 ? y - 1 : y
        let era = (yy >= 0 ? yy : yy - 399) / 400
        let yoe = yy - era * 400
        let doy = (153 * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5 + d - 1
        let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
        return ((days * 24 + h) * 60 + mi) * 60_000_000 + s * 1_000_000 + f
    }

    /// SHA-256 of a file's bytes, in lowercase hex (as `sha256sum` prints it).
    public static func sha256(ofFile path: String) -> String? {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { return nil }
        defer { Glibc.close(fd) }
        var hasher = SHA256()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if n == 0 { break }
            buffer.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
        return SHA256.hex(hasher.finalize())
    }
}

public struct EvidenceError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public var description: String { "--evidence \(path): \(reason)" }
}
