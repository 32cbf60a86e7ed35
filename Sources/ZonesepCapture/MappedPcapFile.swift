import CPcap
import ZonesepCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

// Classic pcap (https://www.tcpdump.org/manpages/pcap-savefile.5.html): a 24-byte file header, then records
// of a 16-byte header and `caplen` bytes, in the byte order the magic number reveals:
//
//   file header:   magic u32 | major u16 | minor u16 | thiszone i32 | sigfigs u32 | snaplen u32 | linktype u32
//   record header: ts_sec i32 | ts_usec (or ts_nsec) i32 | caplen u32 | len u32

/// A classic pcap file read straight from a memory mapping: no copy into a stdio buffer, no callback per
/// packet. It takes only files it reads exactly as libpcap does (version 2.4, a link type zonesep decodes,
/// no FCS bits, sane lengths) and stops with `.unhandled` at the first record it would read differently
/// (truncated, or longer than the snapshot length), where `CaptureFileReader` hands over to libpcap.
public final class MappedPcapFile {
    public let path: String
    /// The link type as libpcap would report it (`pcap_datalink`, a DLT value).
    public let dataLink: Int32
    public let linkType: LinkType
    @usableFromInline let base: UnsafeRawPointer
    @usableFromInline let size: Int
    @usableFromInline let swapped: Bool
    @usableFromInline let nanoseconds: Bool
    @usableFromInline let snapshot: UInt32
    /// Where reading stands, behind a pointer: a stored `var` of a class would cost a dynamic exclusivity
    /// check on every record.
    @usableFromInline struct Position {
        /// Offset of the next record header.
        @usableFromInline var offset = 24
        /// Records handed out so far.
        @usableFromInline var delivered = 0
    }
    @usableFromInline let position: UnsafeMutablePointer<Position>
    /// Records handed out so far.
    public var frames: Int { position.pointee.delivered }

    /// What one read produced.
    public enum ReadResult {
        case frame(CapturedFrame)
        /// The mapping ends exactly after the last record.
        case end
        /// The next record is one the fast path leaves to libpcap (damaged, or needing libpcap's fix-ups).
        case unhandled
    }

    static let magicMicro: UInt32 = 0xa1b2_c3d4
    static let magicNano: UInt32 = 0xa1b2_3c4d
    /// libpcap's MAXIMUM_SNAPLEN: its bound on `caplen` for every link type zonesep decodes.
    static let maximumSnaplen: UInt32 = 262_144

    /// Maps `path` when it is a classic pcap file this reader handles; nil otherwise (pcapng, another
    /// version or link type, a file that cannot be opened or mapped): libpcap then reads it, and reports why.
    public init?(path: String) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG, st.st_size >= 24 else { return nil }
        let size = Int(st.st_size)
        guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), mapped != MAP_FAILED else { return nil }
        // Read once, front to back: ask for read-ahead and drop pages behind sooner.
        _ = madvise(mapped, size, MADV_SEQUENTIAL)
        let base = UnsafeRawPointer(mapped)
        let rawMagic = base.loadUnaligned(as: UInt32.self)
        var swapped = false
        var nano = false
        switch rawMagic {
        case Self.magicMicro: break
        case Self.magicNano: nano = true
        case Self.magicMicro.byteSwapped: swapped = true
        case Self.magicNano.byteSwapped: (swapped, nano) = (true, true)
        default:
            munmap(mapped, size)
            return nil
        }
        func u16(_ at: Int) -> UInt16 {
            let v = base.loadUnaligned(fromByteOffset: at, as: UInt16.self)
            return swapped ? v.byteSwapped : v
        }
        func u32(_ at: Int) -> UInt32 {
            let v = base.loadUnaligned(fromByteOffset: at, as: UInt32.self)
            return swapped ? v.byteSwapped : v
        }
        let major = u16(4)
        let minor = u16(6)
        let snaplen = u32(16)
        let rawLinkType = u32(20)
        // Version 2.4 only (earlier versions may hold caplen and len in the other order); no FCS or other
        // bits above the 26-bit link type; a link type libpcap reports unchanged, or LINKTYPE_RAW.
        guard major == 2, minor == 4, rawLinkType & 0xfc00_0000 == 0,
            let linkType = LinkType(rawValue: Int32(bitPattern: rawLinkType)),
            // libpcap swaps fields inside SLL headers of byte-swapped files (CAN ids): leave those to it.
            !(swapped && (linkType == .linuxSLL || linkType == .linuxSLL2))
        else {
            munmap(mapped, size)
            return nil
        }
        self.path = path
        self.base = base
        self.size = size
        self.swapped = swapped
        self.nanoseconds = nano
        self.linkType = linkType
        self.dataLink = linkType == .raw ? Int32(DLT_RAW) : linkType.rawValue
        // pcap_adjust_snapshot: 0, or more than the maximum, means the maximum.
        self.snapshot = snaplen == 0 || snaplen > Self.maximumSnaplen ? Self.maximumSnaplen : snaplen
        position = .allocate(capacity: 1)
        position.initialize(to: Position())
    }

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: base), size)
        position.deinitialize(count: 1)
        position.deallocate()
    }

    /// libpcap's name for the link type (`EN10MB`, `LINUX_SLL`, ...).
    public var dataLinkName: String { ZonesepCapture.dataLinkName(dataLink) }

    /// The next record, valid as long as this file is.
    @inlinable
    public func next() -> ReadResult {
        let at = position.pointee.offset
        let left = size &- at
        if left == 0 { return .end }
        guard left >= 16 else { return .unhandled }
        let h = base + at
        var sec = h.loadUnaligned(as: UInt32.self)
        var frac = h.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
        var caplen = h.loadUnaligned(fromByteOffset: 8, as: UInt32.self)
        var len = h.loadUnaligned(fromByteOffset: 12, as: UInt32.self)
        if swapped {
            sec = sec.byteSwapped
            frac = frac.byteSwapped
            caplen = caplen.byteSwapped
            len = len.byteSwapped
        }
        // libpcap truncates a record longer than the snapshot length, and fails one beyond its maximum.
        guard caplen <= snapshot, Int(caplen) <= left &- 16 else { return .unhandled }
        position.pointee.offset = at &+ 16 &+ Int(caplen)
        position.pointee.delivered &+= 1
        // libpcap's file timestamps are signed 32-bit fields; nanoseconds are cut to microseconds.
        var micros = Int64(Int32(bitPattern: frac))
        if nanoseconds { micros /= 1000 }
        let ts = Int64(Int32(bitPattern: sec)) &* 1_000_000 &+ micros
        return .frame(
            CapturedFrame(
                timestampMicros: ts, bytes: UnsafeRawBufferPointer(start: h + 16, count: Int(caplen)),
                wireLength: max(Int(len), Int(caplen))))
    }
}

/// An offline capture read by the fastest reader that reads it exactly as libpcap does: a memory-mapped
/// classic pcap file when `MappedPcapFile` takes it, libpcap (`PcapFile`) for everything else, and libpcap
/// from the first record the mapped reader leaves to it, so damaged files end with libpcap's own message.
public final class CaptureFileReader {
    /// Which reader to use: `auto` (the mapped reader where it applies) or `libpcap` alone.
    public enum Mode: String, Sendable, CaseIterable {
        case auto, libpcap
    }

    public let path: String
    public let dataLink: Int32
    public let dataLinkName: String
    /// The decoder's link type, or nil when zonesep does not decode this one.
    public let linkType: LinkType?
    @usableFromInline var mapped: MappedPcapFile?
    @usableFromInline var pcap: PcapFile?
    /// The mapping after a hand-over, kept until the reader goes away: frames read from it before the
    /// hand-over stay valid, so a caller may hold a batch of them across it.
    var retired: MappedPcapFile?

    /// Opens `path`; throws libpcap's error when libpcap cannot open it either.
    public init(path: String, mode: Mode = .auto) throws(PcapError) {
        self.path = path
        if mode == .auto, let m = MappedPcapFile(path: path) {
            mapped = m
            dataLink = m.dataLink
            dataLinkName = m.dataLinkName
            linkType = m.linkType
        } else {
            let p = try PcapFile(path: path)
            pcap = p
            dataLink = p.dataLink
            dataLinkName = p.dataLinkName
            linkType = p.linkType
        }
    }

    /// Whether frames currently come from the memory mapping. Such frames stay valid until the reader goes
    /// away (a replay may batch them); a libpcap frame only until the next read.
    public var isMapped: Bool { mapped != nil }

    /// Reads the next frame (valid until the next read).
    @inlinable
    public func next() -> PcapFile.ReadResult {
        if let m = mapped {
            switch m.next() {
            case .frame(let f): return .frame(f)
            case .end: return .end
            case .unhandled: return handOver(after: m.frames)
            }
        }
        guard let p = pcap else { return .end }
        return p.next()
    }

    /// Reopens the file with libpcap and skips the frames already delivered, so libpcap reads on from the
    /// record the mapped reader declined, with its own checks and messages.
    @usableFromInline
    func handOver(after delivered: Int) -> PcapFile.ReadResult {
        retired = mapped
        mapped = nil
        let p: PcapFile
        do {
            p = try PcapFile(path: path)
        } catch {
            return .error(error)
        }
        pcap = p
        for _ in 0..<delivered {
            switch p.next() {
            case .frame: continue
            case let other: return other
            }
        }
        return p.next()
    }
}
