import ZonesepCore

#if canImport(Glibc)
    import Glibc
#endif

/// The capture files named on a command line, expanded and put in replay order.
public enum CaptureSet {
    /// File name endings taken from a directory whatever their first bytes, so that the reader names what is
    /// wrong with a damaged or empty one (any other file is taken when its first bytes are a capture's).
    public static let captureExtensions: Set<String> = ["pcap", "pcapng", "cap", "dmp", "ntar"]

    /// An argument that could not be used, with the reason.
    public struct Problem: Sendable, CustomStringConvertible {
        public var path: String
        public var reason: String
        /// A skipped path that is one of the run's own outputs (`OwnOutput`), not a file that is no capture.
        public var isOwnOutput = false
        public var description: String { "\(path): \(reason)" }
    }

    /// A path the run itself writes (its `--evidence` directory, its alerts file), which a directory walk
    /// leaves out: a replay of `captures/` with `--evidence captures/ev` read its own evidence back, counting
    /// packets twice and reading files it was rewriting.
    public struct OwnOutput: Sendable {
        public var path: String
        /// How the skipped list names it: `--evidence directory`, `--alerts file`.
        public var role: String
        public init(path: String, role: String) {
            self.path = path
            self.role = role
        }
    }

    /// The device and inode of each own output that exists, with its role.
    struct OwnOutputs {
        var entries: [(device: UInt64, inode: UInt64, role: String)] = []

        init(_ own: [OwnOutput]) {
            for o in own {
                if let id = FileIdentity(of: o.path).inode { entries.append((id.device, id.inode, o.role)) }
            }
        }

        /// The role of the directory entry `path` (inode `inode` as `readdir` gives it), when it is an own
        /// output: the inode first, without a system call, then the device by `lstat`.
        func role(of path: String, inode: UInt64) -> String? {
            guard entries.contains(where: { $0.inode == inode }) else { return nil }
            var st = stat()
            guard lstat(path, &st) == 0 else { return nil }
            return entries.first { $0.inode == UInt64(st.st_ino) && $0.device == UInt64(st.st_dev) }?.role
        }
    }

    /// Expands directories (recursively, capture files only, sorted by path) and keeps files as given. A
    /// directory, or a directory within one, that cannot be read is a problem naming it and the reason; the
    /// rest of the tree is still taken. A compressed file of a directory is a problem too (a capture not
    /// read), and so is a capture of a format libpcap does not read (snoop, NetMon, …, by its first bytes);
    /// any other file of a directory that is not a capture is skipped, with the reason, and so is
    /// an output of the run itself (`own`) met in a directory.
    public static func expand(_ arguments: [String], leavingOut own: [OwnOutput] = [])
        -> (files: [String], problems: [Problem], skipped: [Problem])
    {
        let own = OwnOutputs(own)
        var files: [String] = []
        var problems: [Problem] = []
        var skipped: [Problem] = []
        for arg in arguments {
            var st = stat()
            guard stat(arg, &st) == 0 else {
                let code = errno
                problems.append(
                    Problem(
                        path: arg,
                        reason: code == ENOENT
                            ? "no such file or directory" : "cannot be read: \(String(cString: strerror(code)))"))
                continue
            }
            if st.st_mode & S_IFMT != S_IFDIR {
                if let kind = notAFile(st.st_mode) {
                    problems.append(Problem(path: arg, reason: refusal(kind)))
                } else {
                    files.append(arg)
                }
                continue
            }
            var found: [String] = []
            var passed: [Problem] = []
            walk(arg, leavingOut: own, into: &found, problems: &problems, skipped: &passed)
            if found.isEmpty { problems.append(Problem(path: arg, reason: "directory holds no capture files")) }
            files += found.sorted()
            skipped += passed.sorted { $0.path < $1.path }
        }
        return (files, problems, skipped)
    }

    /// What a path that is neither a directory nor a regular file is (`/dev/stdin` or `<(…)` on a pipe),
    /// or nil for a regular file. Such an input is refused rather than read: each capture is read more
    /// than once (its first packet to put the files in time order, then the replay, and libpcap reads a
    /// file from its start again where zonesep's own reader hands over), which a pipe cannot give; and an
    /// audit names its files so that its findings can be checked against them later, which `/dev/fd/63`
    /// does not do.
    static func notAFile(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFIFO: return "a pipe"
        case S_IFSOCK: return "a socket"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        default: return "not a regular file"
        }
    }

    static func refusal(_ kind: String) -> String {
        "is \(kind), not a file: zonesep reads a capture more than once (to order the files by their first "
            + "packet, then to replay them); save it to a file and give that"
    }

    /// A directory's identity (device and inode), so that the walk reads each directory once.
    struct DirectoryIdentity: Hashable {
        var device: UInt64
        var inode: UInt64

        /// The identity of the directory `path` leads to (through symbolic links), or nil.
        init?(_ path: String) {
            var st = stat()
            guard stat(path, &st) == 0 else { return nil }
            device = UInt64(st.st_dev)
            inode = UInt64(st.st_ino)
        }
    }

    /// The capture files under `directory`, at any depth: a file named like a capture, or whose first bytes
    /// are a pcap or pcapng magic. Symbolic links to directories are followed (an archive's day directory
    /// linked in), each directory read once: a link back up the tree, or to a directory read already, is
    /// listed as skipped, like pipes, sockets and devices not named like a capture, so that nothing in the
    /// directory goes unaccounted. Links to files are taken like files.
    static func walk(
        _ directory: String, leavingOut own: OwnOutputs = OwnOutputs([]), into found: inout [String],
        problems: inout [Problem], skipped: inout [Problem]
    ) {
        var visited = Set<DirectoryIdentity>()
        if let id = DirectoryIdentity(directory) { visited.insert(id) }
        walk(directory, leavingOut: own, into: &found, problems: &problems, skipped: &skipped, visited: &visited)
    }

    private static func walk(
        _ directory: String, leavingOut own: OwnOutputs, into found: inout [String], problems: inout [Problem],
        skipped: inout [Problem], visited: inout Set<DirectoryIdentity>
    ) {
        guard let dir = opendir(directory) else {
            problems.append(
                Problem(path: directory, reason: "directory cannot be read: \(String(cString: strerror(errno)))"))
            return
        }
        defer { closedir(dir) }
        var subdirectories: [String] = []
        // Read after the real subdirectories, so that a link to one of them is the path skipped.
        var linkedDirectories: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if name == "." || name == ".." { continue }
            let path = PathText.appending(name, to: directory)
            if !own.entries.isEmpty, let role = own.role(of: path, inode: UInt64(entry.pointee.d_ino)) {
                skipped.append(
                    Problem(path: path, reason: "this run's own \(role), not read as a capture", isOwnOutput: true))
                continue
            }
            let type = Int32(entry.pointee.d_type)
            var isDirectory = type == Int32(DT_DIR)
            if type == Int32(DT_UNKNOWN) {
                var st = stat()
                isDirectory = lstat(path, &st) == 0 && st.st_mode & S_IFMT == S_IFDIR
            }
            if isDirectory {
                subdirectories.append(path)
                continue
            }
            let namedLikeCapture = captureExtensions.contains(PathText.pathExtension(name).lowercased())
            // A pipe or device is never opened (a link is judged by what it leads to); one named like a
            // capture is refused, as on the command line.
            var st = stat()
            if type != Int32(DT_REG), stat(path, &st) == 0, let kind = notAFile(st.st_mode) {
                if st.st_mode & S_IFMT == S_IFDIR {
                    linkedDirectories.append(path)
                } else if namedLikeCapture {
                    problems.append(Problem(path: path, reason: refusal(kind)))
                } else {
                    skipped.append(Problem(path: path, reason: "\(kind), not a capture file"))
                }
                continue
            }
            switch CaptureMagic.of(path: path) {
            case .capture:
                found.append(path)
            case .compressed(let format):
                problems.append(
                    Problem(
                        path: path,
                        reason: "compressed (\(format)): decompress it first; zonesep reads pcap and pcapng files"))
            case .otherCaptureFormat(let format):
                // Traffic the run could not read, like a compressed capture: a limit, never skipped in silence.
                problems.append(
                    Problem(
                        path: path,
                        reason: "a capture in \(format) format, which zonesep does not read: convert it first "
                            + "(editcap -F pcapng FILE FILE.pcapng); zonesep reads pcap and pcapng files"))
            case _ where namedLikeCapture:
                // Its reader says what is wrong with it (empty, damaged, cannot be opened).
                found.append(path)
            case .unreadable(let reason):
                problems.append(Problem(path: path, reason: "cannot be read to see whether it is a capture: \(reason)"))
            case .tooShort:
                skipped.append(Problem(path: path, reason: "not a capture file (shorter than a capture file header)"))
            case .other:
                skipped.append(Problem(path: path, reason: "not a capture file (no pcap or pcapng header)"))
            }
        }
        for sub in subdirectories {
            if let id = DirectoryIdentity(sub) { visited.insert(id) }
            walk(sub, leavingOut: own, into: &found, problems: &problems, skipped: &skipped, visited: &visited)
        }
        for link in linkedDirectories {
            guard let id = DirectoryIdentity(link), visited.insert(id).inserted else {
                skipped.append(
                    Problem(
                        path: link,
                        reason: "a symbolic link to a directory read already (up the tree, or through another path)"))
                continue
            }
            walk(link, leavingOut: own, into: &found, problems: &problems, skipped: &skipped, visited: &visited)
        }
    }

    /// The files once each, by identity (device and inode, through symbolic links) and by content (a copy:
    /// `CaptureCopies`), and the others as duplicates naming the one read: a file reached twice (two
    /// arguments, a directory and a file in it, a link beside its target, as a rotation script's
    /// `current.pcap`) was merged with itself packet by packet, doubling every count. Of one file's paths the
    /// first that is no symbolic link is read (the first path when all are links); a file whose identity
    /// cannot be had is kept, for its reader to name.
    public static func readOnce(_ files: [String]) -> (files: [String], duplicates: [Problem]) {
        struct Identity: Hashable {
            var device: UInt64
            var inode: UInt64
        }
        var identities: [Identity?] = []
        var chosen: [Identity: Int] = [:]
        for (i, path) in files.enumerated() {
            var st = stat()
            guard stat(path, &st) == 0 else {
                identities.append(nil)
                continue
            }
            let id = Identity(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
            identities.append(id)
            if let j = chosen[id] {
                if isLink(files[j]) && !isLink(path) { chosen[id] = i }
            } else {
                chosen[id] = i
            }
        }
        var kept: [String] = []
        var duplicates: [Problem] = []
        for (i, path) in files.enumerated() {
            guard let id = identities[i], let j = chosen[id], j != i else {
                kept.append(path)
                continue
            }
            let reason =
                files[j] == path
                ? "named more than once, read once" : "the same file as \(files[j]), which is read"
            duplicates.append(Problem(path: path, reason: reason))
        }
        // Then copies: another file with the same bytes.
        let copies = CaptureCopies.copies(in: kept)
        guard !copies.isEmpty else { return (kept, duplicates) }
        let copied = Dictionary(uniqueKeysWithValues: copies.map { ($0.copy, $0.of) })
        for (i, j) in copies {
            duplicates.append(Problem(path: kept[i], reason: "the same bytes as \(kept[j]), which is read"))
        }
        return (kept.indices.filter { copied[$0] == nil }.map { kept[$0] }, duplicates)
    }

    static func isLink(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0 && st.st_mode & S_IFMT == S_IFLNK
    }

    /// Packets read at most, looking for a file's first time (`inTimeOrder`).
    static let firstTimeSearchLimit = 10_000

    /// A file with the time of its first packet (nil when it has none or cannot be opened).
    public struct Entry: Sendable {
        public var path: String
        public var firstPacketMicros: Int64?
    }

    /// Orders files by the time of their first packet (ties and empty or unreadable files by path), so the
    /// flow table sees one timeline across files that were rotated by time.
    ///
    /// The first packet whose time the timeline keeps: one outside `PacketTime` (a damaged pcapng
    /// timestamp) or with none (a Simple Packet Block) is taken out and not replayed, and placing the file by it moved every other packet of the
    /// file before or after the rest of the run. A file that starts with more such packets than
    /// `firstTimeSearchLimit` is placed as one without packets.
    public static func inTimeOrder(_ files: [String]) -> [Entry] {
        let entries = files.map { path -> Entry in
            guard let f = try? PcapFile(path: path) else { return Entry(path: path, firstPacketMicros: nil) }
            let pcapng = CaptureMagic.isPcapng(path: path)
            for _ in 0..<firstTimeSearchLimit {
                guard case .frame(let frame) = f.next() else { break }
                let t = frame.timestampMicros
                if PacketTime.isWritable(t) && !(pcapng && t == PacketTime.missing) {
                    return Entry(path: path, firstPacketMicros: t)
                }
            }
            return Entry(path: path, firstPacketMicros: nil)
        }
        return entries.enumerated().sorted { l, r in
            switch (l.element.firstPacketMicros, r.element.firstPacketMicros) {
            case let (a?, b?) where a != b: return a < b
            case (nil, _?): return false
            case (_?, nil): return true
            default: return l.offset < r.offset
            }
        }.map(\.element)
    }
}
