#if canImport(Glibc)
    import Glibc
#endif

/// What a file's first bytes say it is: how a directory's files are sorted into captures to read and files
/// to skip, so that a capture is taken whatever its name (tcpdump `-C` names its files `capture.pcap1`,
/// `capture.pcap2`, …) and a compressed one is named rather than passed over.
public enum CaptureMagic: Equatable, Sendable {
    /// A classic pcap (either byte order, microsecond or nanosecond, and libpcap's modified format) or a
    /// pcapng file.
    case capture
    /// A compressed file (`gzip`, `bzip2`, `xz`, `zstd`, `lz4`, `zip`): libpcap cannot read it.
    case compressed(String)
    /// A capture in a format libpcap does not read (`Sun snoop`, `Microsoft NetMon 2.x`, … as capinfos names
    /// them): traffic the run cannot see, so not skipped as no capture but named as one not read.
    case otherCaptureFormat(String)
    /// Fewer bytes than a file header's magic.
    case tooShort
    /// Anything else.
    case other
    /// The file could not be opened or read: the system's reason.
    case unreadable(String)

    /// Reads the first bytes of `path`.
    public static func of(path: String) -> CaptureMagic {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .unreadable(String(cString: strerror(errno))) }
        defer { close(fd) }
        var head = [UInt8](repeating: 0, count: 8)
        var got = 0
        while got < head.count {
            let n = head.withUnsafeMutableBytes { read(fd, $0.baseAddress! + got, $0.count - got) }
            if n < 0 {
                if errno == EINTR { continue }
                return .unreadable(String(cString: strerror(errno)))
            }
            if n == 0 { break }
            got += n
        }
        return of(Array(head.prefix(got)))
    }

    /// Whether `path` is a pcapng file (its first block a section header), whichever reader reads it: the
    /// formats differ in what time 0 means (`PacketTime.missing`).
    public static func isPcapng(path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var type: UInt32 = 0
        return pread(fd, &type, 4, 0) == 4 && type == 0x0a0d_0d0a
    }

    /// Sorts the first (up to eight) bytes of a file.
    public static func of(_ head: [UInt8]) -> CaptureMagic {
        for (magic, name) in compressedMagics where head.starts(with: magic) { return .compressed(name) }
        for (magic, name) in otherCaptureMagics where head.starts(with: magic) { return .otherCaptureFormat(name) }
        guard head.count >= 4 else { return .tooShort }
        let word = head.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        let swapped = word.byteSwapped
        for magic in captureMagics where word == magic || swapped == magic { return .capture }
        return .other
    }

    /// pcap (microsecond), pcap (nanosecond), libpcap's modified pcap, and the pcapng section header block
    /// type (a palindrome, the same in both byte orders).
    static let captureMagics: [UInt32] = [0xa1b2_c3d4, 0xa1b2_3c4d, 0xa1b2_cd34, 0x0a0d_0d0a]

    /// Capture formats Wireshark's wiretap knows by their first bytes and libpcap does not read, named as
    /// capinfos names them. ERF and others with no magic cannot be told from any other file.
    static let otherCaptureMagics: [([UInt8], String)] = [
        (Array("snoop\0\0\0".utf8), "Sun snoop"), (Array("RTSS".utf8), "Microsoft NetMon 1.x"),
        (Array("GMBU".utf8), "Microsoft NetMon 2.x"), (Array("btsnoop\0".utf8), "Symbian OS btsnoop"),
        (Array("XCP\0".utf8), "NetXray / Sniffer (Windows)"), (Array("TRSNIFF ".utf8), "Sniffer (DOS)"),
        (Array("Observer".utf8), "Viavi Observer"), ([0x7f] + Array("ver".utf8), "Savvius tagged"),
        ([0x05] + Array("VNF".utf8), "Visual Networks traffic capture"),
        ([0xaa, 0xaa, 0xaa, 0xaa], "Accellent 5Views capture"),
        ([0x00, 0x00, 0x02, 0x00, 0x12, 0x05, 0x00, 0x10], "Tektronix K12xx 32-bit .rf5"),
    ]

    static let compressedMagics: [([UInt8], String)] = [
        ([0x1f, 0x8b], "gzip"), ([0x42, 0x5a, 0x68], "bzip2"), ([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], "xz"),
        ([0x28, 0xb5, 0x2f, 0xfd], "zstd"), ([0x04, 0x22, 0x4d, 0x18], "lz4"), ([0x50, 0x4b, 0x03, 0x04], "zip"),
    ]
}
