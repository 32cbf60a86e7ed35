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
//   record header: ts_sec u32 | ts_usec (or ts_nsec) i32 | caplen u32 | len u32

/// A classic pcap file read with large `read(2)`s into one buffer and parsed in place: no stdio, no
/// callback per packet, and records parsed straight after the kernel copied them, while still in the CPU's
/// cache. (A memory mapping cost more: a page-table entry to fill and tear down for every 4 KiB, and every
/// record header a cache miss.) It takes only files it reads exactly as libpcap does (version 2.4, a link
/// type zonesep decodes, no FCS bits, sane lengths) and stops with `.unhandled` at the first record it would
/// read differently (truncated, longer than the snapshot length, or a read error), where
/// `CaptureFileReader` hands over to libpcap.
public final class BufferedPcapFile {
    public let path: String
    /// The link type as libpcap would report it (`pcap_datalink`, a DLT value).
    public let dataLink: Int32
    public let linkType: LinkType
    @usableFromInline let fd: Int32
    @usableFromInline let buffer: UnsafeMutableRawPointer
    @usableFromInline let swapped: Bool
    @usableFromInline let nanoseconds: Bool
    @usableFromInline let snapshot: UInt32

    /// Where reading stands, behind a pointer: a stored `var` of a class would cost a dynamic exclusivity
    /// check on every record.
    @usableFromInline struct Position {
        /// Offset in `buffer` of the next record header, and of the end of the bytes read so far.
        @usableFromInline var offset = 0
        @usableFromInline var end = 0
        /// `read` returned 0 (or failed): the bytes in the buffer are all there will be.
        @usableFromInline var atEndOfFile = false
        /// Records handed out so far.
        @usableFromInline var delivered = 0
        /// The record left to libpcap is longer than the snapshot length (libpcap cuts it to that).
        @usableFromInline var longerThanSnapshot = false
    }
    @usableFromInline let position: UnsafeMutablePointer<Position>
    /// Records handed out so far.
    public var frames: Int { position.pointee.delivered }
    /// The snapshot length, when the record this reader stopped at is longer: libpcap, which reads on from
    /// there, cuts such records to it, so the file is why their frames end early.
    public var snapshotCutting: UInt32? { position.pointee.longerThanSnapshot ? snapshot : nil }

    /// The buffer: at least one record of the largest size libpcap accepts, and small enough that what was
    /// just read is still in the CPU's cache when it is parsed.
    @usableFromInline static let bufferSize = 512 << 10

    /// What one read produced.
    public enum ReadResult {
        case frame(CapturedFrame)
        /// The file ends exactly after the last record.
        case end
        /// The next record is one the fast path leaves to libpcap (damaged, or needing libpcap's fix-ups).
        case unhandled
    }

    static let magicMicro: UInt32 = 0xa1b2_c3d4
    static let magicNano: UInt32 = 0xa1b2_3c4d
    /// libpcap's MAXIMUM_SNAPLEN: its bound on `caplen` for every link type zonesep decodes.
    static let maximumSnaplen: UInt32 = 262_144

    /// Opens `path` when it is a classic pcap file this reader handles; nil otherwise (pcapng, another
    /// version or link type, a file that cannot be opened): libpcap then reads it, and reports why.
    public init?(path: String) {
        guard let fd = Self.openSequential(path) else { return nil }
        var header = [UInt8](repeating: 0, count: 24)
        guard header.withUnsafeMutableBytes({ Self.readFully(fd, into: $0.baseAddress!, count: 24) }) == 24 else {
            close(fd)
            return nil
        }
        let rawMagic = header.withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
        var swapped = false
        var nano = false
        switch rawMagic {
        case Self.magicMicro: break
        case Self.magicNano: nano = true
        case Self.magicMicro.byteSwapped: swapped = true
        case Self.magicNano.byteSwapped: (swapped, nano) = (true, true)
        default:
            close(fd)
            return nil
        }
        func u16(_ at: Int) -> UInt16 {
            let v = header.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: UInt16.self) }
            return swapped ? v.byteSwapped : v
        }
        func u32(_ at: Int) -> UInt32 {
            let v = header.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: UInt32.self) }
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
            close(fd)
            return nil
        }
        self.path = path
        self.fd = fd
        self.swapped = swapped
        self.nanoseconds = nano
        self.linkType = linkType
        self.dataLink = linkType == .raw ? Int32(DLT_RAW) : linkType.rawValue
        // pcap_adjust_snapshot: 0, or more than the maximum, means the maximum.
        self.snapshot = snaplen == 0 || snaplen > Self.maximumSnaplen ? Self.maximumSnaplen : snaplen
        buffer = .allocate(byteCount: Self.bufferSize, alignment: 64)
        position = .allocate(capacity: 1)
        position.initialize(to: Position())
    }

    deinit {
        close(fd)
        buffer.deallocate()
        position.deinitialize(count: 1)
        position.deallocate()
    }

    /// libpcap's name for the link type (`EN10MB`, `LINUX_SLL`, ...).
    public var dataLinkName: String { ZonesepCapture.dataLinkName(dataLink) }

    /// Opens `path` for reading from start to end, when it is a regular file (a pipe or a device goes to
    /// libpcap, which reads those), with the kernel's read-ahead raised; nil when it cannot be opened.
    /// Shared with `BufferedPcapngFile`.
    static func openSequential(_ path: String) -> Int32? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        var st = stat()
        guard fstat(fd, &st) == 0, st.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            return nil
        }
        _ = posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL)
        return fd
    }

    /// Reads until `count` bytes or the end of the file; returns how many arrived, or -1 on an error.
    static func readFully(_ fd: Int32, into at: UnsafeMutableRawPointer, count: Int) -> Int {
        var got = 0
        while got < count {
            let n = read(fd, at + got, count - got)
            if n > 0 {
                got += n
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                return n < 0 ? -1 : got
            }
        }
        return got
    }

    /// Moves the unread bytes to the front of `buffer` (`size` bytes) and fills the rest from `fd`. Every
    /// frame handed out before is invalid afterwards. Shared with `BufferedPcapngFile`.
    static func refill<P: BufferedReadPosition>(
        fd: Int32, buffer: UnsafeMutableRawPointer, size: Int, position p: UnsafeMutablePointer<P>
    ) {
        let left = p.pointee.end - p.pointee.offset
        if left > 0 && p.pointee.offset > 0 { buffer.copyMemory(from: buffer + p.pointee.offset, byteCount: left) }
        p.pointee.offset = 0
        p.pointee.end = left
        let n = readFully(fd, into: buffer + left, count: size - left)
        if n > 0 { p.pointee.end += n }
        // A short read is the end of the file; a failed one ends this reader too (libpcap, taking over,
        // reads it again and reports the error in its own words).
        if n < size - left { p.pointee.atEndOfFile = true }
    }

    @usableFromInline
    func refill() { Self.refill(fd: fd, buffer: buffer, size: Self.bufferSize, position: position) }

    /// The record at the current offset if it lies wholly in the buffer: `.frame`, or `.unhandled` when it
    /// is one to leave to libpcap; nil when more bytes must be read first (or the buffer is empty: `.end`
    /// once the file is).
    @inlinable @inline(__always)
    func parse() -> ReadResult? { parse(swapped: swapped, nanoseconds: nanoseconds) }

    /// `parse()` with the file's byte order and time unit given, constant in `readBatch`'s copies of its loop.
    @inlinable @inline(__always)
    func parse(swapped: Bool, nanoseconds: Bool) -> ReadResult? {
        let p = position
        let at = p.pointee.offset
        let left = p.pointee.end &- at
        guard left >= 16 else {
            if !p.pointee.atEndOfFile { return nil }
            return left == 0 ? .end : .unhandled
        }
        let h = UnsafeRawPointer(buffer + at)
        let (micros, caplen, len) = Self.header(h, swapped: swapped, nanoseconds: nanoseconds)
        // libpcap truncates a record longer than the snapshot length, and fails one beyond its maximum.
        guard caplen <= snapshot else {
            p.pointee.longerThanSnapshot = true
            return .unhandled
        }
        guard Int(caplen) <= left &- 16 else { return p.pointee.atEndOfFile ? .unhandled : nil }
        p.pointee.offset = at &+ 16 &+ Int(caplen)
        p.pointee.delivered &+= 1
        return .frame(
            CapturedFrame(
                timestampMicros: micros, bytes: UnsafeRawBufferPointer(start: h + 16, count: Int(caplen)),
                wireLength: max(Int(len), Int(caplen))))
    }

    /// The record header at `h`: its time (µs), captured and wire lengths.
    @inlinable @inline(__always)
    static func header(
        _ h: UnsafeRawPointer, swapped: Bool, nanoseconds: Bool
    ) -> (micros: Int64, caplen: UInt32, len: UInt32) {
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
        // Seconds are unsigned, as the format and tshark read them (libpcap 1.10's signed field dates
        // 2038-2106 in 1901-1969); the fraction as libpcap reads it, nanoseconds cut to microseconds: its
        // signed field, but unsigned in a byte-swapped file (its swap yields an unsigned value).
        var micros = swapped ? Int64(frac) : Int64(Int32(bitPattern: frac))
        if nanoseconds { micros /= 1000 }
        return (Int64(sec) &* 1_000_000 &+ micros, caplen, len)
    }

    /// The next record, valid until the next read.
    @inlinable
    public func next() -> ReadResult {
        if let r = parse() { return r }
        refill()
        return parse() ?? .unhandled  // the buffer holds any record libpcap accepts: cannot happen
    }

    /// Reads into `frames` from `start` on the records from the current offset that lie wholly in the buffer
    /// and are no longer than the snapshot length, as `parse` reads them, and returns where `frames` stands:
    /// `parse`'s work with where reading stands kept in registers and written back once, not per record.
    @inlinable @inline(__always)
    func readWhole(
        into frames: UnsafeMutableBufferPointer<Verifier.Frame>, from start: Int, swapped: Bool, nanoseconds: Bool
    ) -> Int {
        let p = position
        var at = p.pointee.offset
        let end = p.pointee.end
        var n = start
        while n < frames.count && end &- at >= 16 {
            let h = UnsafeRawPointer(buffer + at)
            let r = Self.header(h, swapped: swapped, nanoseconds: nanoseconds)
            guard r.caplen <= snapshot, Int(r.caplen) <= end &- at &- 16 else { break }
            frames[n] = Verifier.Frame(
                timestamp: r.micros, bytes: UnsafeRawBufferPointer(start: h + 16, count: Int(r.caplen)),
                wireLength: max(Int(r.len), Int(r.caplen)))
            at = at &+ 16 &+ Int(r.caplen)
            n &+= 1
        }
        p.pointee.offset = at
        p.pointee.delivered &+= n &- start
        return n
    }

    /// Reads records into `frames` until it is full or the buffer runs out, and returns how many; the
    /// frames stay valid until the next read. 0 means the reader has no more to give at this point: call
    /// `next()` for the ending (`.end` or `.unhandled`).
    @inlinable
    public func readBatch(into frames: UnsafeMutableBufferPointer<Verifier.Frame>) -> Int {
        // The byte order and the time unit are the file's: a copy of the loop for each, so that no record
        // tests them (the nanoseconds' division, computed for every record and then dropped, cost 9
        // instructions a packet).
        switch (swapped, nanoseconds) {
        case (false, false): return readBatch(into: frames, swapped: false, nanoseconds: false)
        case (false, true): return readBatch(into: frames, swapped: false, nanoseconds: true)
        case (true, false): return readBatch(into: frames, swapped: true, nanoseconds: false)
        case (true, true): return readBatch(into: frames, swapped: true, nanoseconds: true)
        }
    }

    /// `readBatch(into:)` for a file of this byte order and time unit.
    @inlinable @inline(__always)
    func readBatch(
        into frames: UnsafeMutableBufferPointer<Verifier.Frame>, swapped: Bool, nanoseconds: Bool
    ) -> Int {
        var n = 0
        while n < frames.count {
            n = readWhole(into: frames, from: n, swapped: swapped, nanoseconds: nanoseconds)
            if n == frames.count { return n }
            // The record where that stopped, as `parse` reads it: cut, too long, or crossing the buffer's end.
            guard let r = parse(swapped: swapped, nanoseconds: nanoseconds) else {
                // The next record crosses the end of the buffer: stop here, so the frames read so far stay
                // valid; or read on when this batch has none yet.
                if n > 0 { return n }
                refill()
                continue
            }
            guard case .frame(let f) = r else { return n }
            frames[n] = Verifier.Frame(f)
            n &+= 1
        }
        return n
    }
}

/// Where a buffered reader stands in its buffer, the part `BufferedPcapFile.refill` moves and fills: the
/// classic and the pcapng reader keep their own `Position` (pcapng's also holds the interfaces).
@usableFromInline protocol BufferedReadPosition {
    /// Offset in the buffer of the next unread byte, and of the end of the bytes read so far.
    var offset: Int { get set }
    var end: Int { get set }
    /// `read` returned short (or failed): the bytes in the buffer are all there will be.
    var atEndOfFile: Bool { get set }
}

extension BufferedPcapFile.Position: BufferedReadPosition {}
