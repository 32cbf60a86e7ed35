import CPcap
import ZonesepCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

// pcapng (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng): a sequence of blocks, each
//
//    0                   1                   2                   3
//   +---------------------------------------------------------------+
//   |                          Block Type                           |
//   +---------------------------------------------------------------+
//   |                      Block Total Length                       |
//   +---------------------------------------------------------------+
//   /                   Block Body (padded to 32 bits)              /
//   +---------------------------------------------------------------+
//   |                      Block Total Length                       |
//   +---------------------------------------------------------------+
//
// in the byte order the Section Header Block's byte-order magic reveals. The bodies read here:
//
//   Section Header (0x0A0D0D0A): byte-order magic 0x1A2B3C4D u32 | major u16 | minor u16 | section length u64
//                                | options
//   Interface Description (1):   link type u16 | reserved u16 | snaplen u32 | options
//   Enhanced Packet (6):         interface id u32 | timestamp high u32 | timestamp low u32 | captured length u32
//                                | original length u32 | data (padded) | options
//   Simple Packet (3):           original length u32 | data (padded; captured length = min(length, snaplen))
//
// Options are code u16 | length u16 | value padded to 32 bits, ending with code 0 (or the body's end). Of
// the Interface Description's options two decide the timestamps: if_tsresol (9: one byte, 10^-n seconds, or
// 2^-n when the top bit is set; default 10^-6) and if_tsoffset (14: seconds added to every timestamp, i64).
// Every other block (name resolution, interface statistics, decryption secrets, custom) is skipped.

/// A pcapng file read as `BufferedPcapFile` reads classic pcap: large `read(2)`s into one buffer, blocks
/// parsed in place, frames handed out in batches. It takes only files it reads exactly as libpcap 1.10
/// does — one section of version 1.0 whose first interface has a link type zonesep decodes — and stops with
/// `.unhandled` at the first block it would read differently (damaged or cut short, a packet longer than the
/// snapshot length, a second section, an interface whose link type or snapshot length differs from the
/// first's, which libpcap refuses, an obsolete Packet Block), where `CaptureFileReader` hands over to
/// libpcap, which stays the reader of record. Timestamps are converted exactly as libpcap converts them
/// for a handle opened with microsecond precision, including its wrap-around on absurd values.
public final class BufferedPcapngFile {
    public let path: String
    /// The link type as libpcap reports it (`pcap_datalink`, a DLT value).
    public let dataLink: Int32
    public let linkType: LinkType
    @usableFromInline let fd: Int32
    @usableFromInline let buffer: UnsafeMutableRawPointer
    @usableFromInline let swapped: Bool
    @usableFromInline let snapshot: UInt32

    /// How one interface's timestamps become microseconds, as libpcap's `add_interface` works it out.
    @usableFromInline struct Interface {
        @usableFromInline enum Scale: UInt8 {
            /// Already microseconds: the timestamp plus the offset in µs (the same sum libpcap's seconds
            /// and fraction come to, wrap-around included).
            case passThrough
            /// A coarser power of ten: the fraction times `factor`.
            case upDecimal
            /// A finer power of ten: the fraction divided by `factor`.
            case downDecimal
            /// A power of two: the fraction times 10^6 divided by the resolution (in 64 bits, as libpcap).
            case binary
        }
        @usableFromInline var scale: Scale
        /// Units per second (10^n or 2^n).
        @usableFromInline var resolution: UInt64
        @usableFromInline var factor: UInt64
        /// if_tsoffset, seconds, as the bit pattern libpcap adds; and times 10^6 (wrapping).
        @usableFromInline var offsetSeconds: UInt64
        @usableFromInline var offsetMicros: UInt64

        /// The timestamp `t` (in this interface's units) in µs since the epoch, as libpcap reports it.
        @inlinable @inline(__always)
        func micros(_ t: UInt64) -> Int64 {
            if scale == .passThrough { return Int64(bitPattern: t &+ offsetMicros) }
            let seconds = t / resolution &+ offsetSeconds
            var fraction = t % resolution
            switch scale {
            case .passThrough: break
            case .upDecimal: fraction = fraction &* factor
            case .downDecimal: fraction /= factor
            case .binary: fraction = (fraction &* 1_000_000) / resolution
            }
            // libpcap stores the fraction through an `int` (tv_usec) and the seconds as a time_t.
            return Int64(bitPattern: seconds) &* 1_000_000 &+ Int64(Int32(truncatingIfNeeded: fraction))
        }
    }

    /// Where reading stands, behind a pointer (no dynamic exclusivity check per block).
    @usableFromInline struct Position {
        /// Offset in `buffer` of the next block, and of the end of the bytes read so far.
        @usableFromInline var offset = 0
        @usableFromInline var end = 0
        /// `read` returned 0 (or failed): the bytes in the buffer are all there will be.
        @usableFromInline var atEndOfFile = false
        /// Packets handed out so far.
        @usableFromInline var delivered = 0
        /// The block left to libpcap holds a packet longer than the snapshot length (libpcap cuts it to that).
        @usableFromInline var longerThanSnapshot = false
        /// The section's interfaces, in the order of their description blocks (the EPB's interface id).
        @usableFromInline var interfaces: UnsafeMutablePointer<Interface>? = nil
        @usableFromInline var interfaceCount = 0
        @usableFromInline var interfaceCapacity = 0
    }
    @usableFromInline let position: UnsafeMutablePointer<Position>
    /// The drops its Interface Statistics Blocks record (libpcap skips them); complete once the reader has
    /// read to the end without handing the file to libpcap.
    public private(set) var statistics = PcapngInterfaceStatistics()
    /// Packets handed out so far.
    public var frames: Int { position.pointee.delivered }
    /// The snapshot length, when the packet this reader stopped at is longer: libpcap, which reads on from
    /// there, cuts such packets to it, so the file is why their frames end early.
    public var snapshotCutting: UInt32? { position.pointee.longerThanSnapshot ? snapshot : nil }

    /// Large enough for every block libpcap accepts with a packet of up to its maximum snapshot length and
    /// generous options; a larger block (a huge comment, name table or custom block) goes to libpcap.
    @usableFromInline static let bufferSize = 512 << 10

    public typealias ReadResult = BufferedPcapFile.ReadResult

    @usableFromInline static let sectionHeader: UInt32 = 0x0A0D_0D0A
    @usableFromInline static let interfaceDescription: UInt32 = 1
    @usableFromInline static let obsoletePacket: UInt32 = 2
    @usableFromInline static let simplePacket: UInt32 = 3
    @usableFromInline static let enhancedPacket: UInt32 = 6
    static let byteOrderMagic: UInt32 = 0x1A2B_3C4D
    /// libpcap's MAXIMUM_SNAPLEN: its bound on the snapshot length for every link type zonesep decodes.
    static let maximumSnaplen: UInt32 = 262_144
    /// The largest Section Header Block taken here (libpcap takes up to 1 MiB; real ones are small).
    static let largestSectionHeader = 64 << 10

    /// Opens `path` when it is a pcapng file this reader handles; nil otherwise (classic pcap, another
    /// version or link type, damage before the first packet, a file that cannot be opened): libpcap then
    /// reads it, and reports why.
    public init?(path: String) {
        guard let fd = BufferedPcapFile.openSequential(path) else { return nil }
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: Self.bufferSize, alignment: 64)
        let position = UnsafeMutablePointer<Position>.allocate(capacity: 1)
        position.initialize(to: Position())
        guard let header = Self.readHeader(fd: fd, buffer: buffer, position: position) else {
            close(fd)
            buffer.deallocate()
            Self.release(position)
            return nil
        }
        self.path = path
        self.fd = fd
        self.buffer = buffer
        self.position = position
        swapped = header.swapped
        linkType = header.linkType
        dataLink = header.linkType == .raw ? Int32(DLT_RAW) : header.linkType.rawValue
        snapshot = header.snapshot
        // The header ends with the section's first interface.
        statistics.interfaceDescribed()
    }

    deinit {
        close(fd)
        buffer.deallocate()
        Self.release(position)
    }

    static func release(_ position: UnsafeMutablePointer<Position>) {
        position.pointee.interfaces?.deallocate()
        position.deinitialize(count: 1)
        position.deallocate()
    }

    /// libpcap's name for the link type (`EN10MB`, `LINUX_SLL`, ...).
    public var dataLinkName: String { ZonesepCapture.dataLinkName(dataLink) }

    /// What the blocks before the first packet say.
    struct Header {
        var swapped: Bool
        var linkType: LinkType
        var snapshot: UInt32
    }

    /// Reads the Section Header Block and the blocks up to and including the first Interface Description
    /// Block, leaving `position` after it; nil unless all of it is as this reader handles it.
    static func readHeader(fd: Int32, buffer: UnsafeMutableRawPointer, position p: UnsafeMutablePointer<Position>)
        -> Header?
    {
        refill(fd: fd, buffer: buffer, position: p)
        guard p.pointee.end >= 28 else { return nil }
        let h = UnsafeRawPointer(buffer)
        guard h.loadUnaligned(as: UInt32.self) == sectionHeader else { return nil }
        let swapped: Bool
        switch h.loadUnaligned(fromByteOffset: 8, as: UInt32.self) {
        case byteOrderMagic: swapped = false
        case byteOrderMagic.byteSwapped: swapped = true
        default: return nil
        }
        let total = Int(u32(h, 4, swapped))
        // libpcap does not check the section header's trailer or alignment; a file where they are wrong is
        // left to it. Version 1.0 only (libpcap's acceptance of 1.2 differs between its versions).
        guard total >= 28, total & 3 == 0, total <= largestSectionHeader, total <= p.pointee.end,
            u16(h, 12, swapped) == 1, u16(h, 14, swapped) == 0, u32(h, total - 4, swapped) == UInt32(total)
        else { return nil }
        p.pointee.offset = total
        // Blocks before the first interface are skipped as libpcap skips them; a packet there (libpcap
        // refuses it) or another section header (libpcap skips it; too rare to follow) goes to libpcap.
        while let (type, length) = wholeBlock(fd: fd, buffer: buffer, position: p, swapped: swapped) {
            let b = UnsafeRawPointer(buffer + p.pointee.offset)
            switch type {
            case interfaceDescription:
                guard length >= 20, let linkType = LinkType(rawValue: Int32(u16(b, 8, swapped))),
                    // libpcap swaps fields inside SLL headers of byte-swapped files (CAN ids): leave those.
                    !(swapped && (linkType == .linuxSLL || linkType == .linuxSLL2)),
                    addInterface(b, length: length, swapped: swapped, position: p)
                else { return nil }
                p.pointee.offset += length
                // pcap_adjust_snapshot: 0, or more than the maximum, means the maximum.
                let snaplen = u32(b, 12, swapped)
                let snapshot = snaplen == 0 || snaplen > maximumSnaplen ? maximumSnaplen : snaplen
                return Header(swapped: swapped, linkType: linkType, snapshot: snapshot)
            case sectionHeader, enhancedPacket, simplePacket, obsoletePacket:
                return nil
            default:
                p.pointee.offset += length
            }
        }
        return nil
    }

    static func u16(_ b: UnsafeRawPointer, _ at: Int, _ swapped: Bool) -> UInt16 {
        let v = b.loadUnaligned(fromByteOffset: at, as: UInt16.self)
        return swapped ? v.byteSwapped : v
    }

    static func u32(_ b: UnsafeRawPointer, _ at: Int, _ swapped: Bool) -> UInt32 {
        let v = b.loadUnaligned(fromByteOffset: at, as: UInt32.self)
        return swapped ? v.byteSwapped : v
    }

    /// The type and length of the block at the current offset once it lies whole in the buffer (reading
    /// more as needed); nil at the end of the file, or for a block libpcap rejects or this reader leaves to
    /// it (longer than the buffer).
    static func wholeBlock(
        fd: Int32, buffer: UnsafeMutableRawPointer, position p: UnsafeMutablePointer<Position>, swapped: Bool
    ) -> (type: UInt32, length: Int)? {
        while true {
            let left = p.pointee.end - p.pointee.offset
            let b = UnsafeRawPointer(buffer + p.pointee.offset)
            if left >= 8 {
                let total = Int(u32(b, 4, swapped))
                guard total >= 12, total & 3 == 0, total <= bufferSize else { return nil }
                if total <= left {
                    guard u32(b, total - 4, swapped) == UInt32(total) else { return nil }
                    return (u32(b, 0, swapped), total)
                }
            }
            if p.pointee.atEndOfFile { return nil }
            refill(fd: fd, buffer: buffer, position: p)
        }
    }

    /// Moves the unread bytes to the front of the buffer and fills the rest from the file (as the classic
    /// reader does). Every frame handed out before is invalid afterwards.
    static func refill(fd: Int32, buffer: UnsafeMutableRawPointer, position p: UnsafeMutablePointer<Position>) {
        BufferedPcapFile.refill(fd: fd, buffer: buffer, size: bufferSize, position: p)
    }

    @usableFromInline
    func refill() { Self.refill(fd: fd, buffer: buffer, position: position) }

    /// Reads an Interface Description Block's options as libpcap's `add_interface` does and appends the
    /// interface; false where libpcap would fail (a malformed or repeated timestamp option).
    static func addInterface(
        _ b: UnsafeRawPointer, length: Int, swapped: Bool, position p: UnsafeMutablePointer<Position>
    ) -> Bool {
        var resolution: UInt64 = 1_000_000
        var binary = false
        var offsetSeconds: UInt64 = 0
        var sawResolution = false
        var sawOffset = false
        var at = 16
        let end = length - 4
        options: while at != end {
            guard end - at >= 4 else { return false }
            let code = u16(b, at, swapped)
            let optionLength = Int(u16(b, at + 2, swapped))
            at += 4
            let padded = (optionLength + 3) & ~3
            guard end - at >= padded else { return false }
            switch code {
            case 0:  // opt_endofopt
                guard optionLength == 0 else { return false }
                break options
            case 9:  // if_tsresol
                guard optionLength == 1, !sawResolution else { return false }
                sawResolution = true
                let v = b.load(fromByteOffset: at, as: UInt8.self)
                if v & 0x80 != 0 {
                    guard v & 0x7f <= 63 else { return false }
                    binary = true
                    resolution = 1 << UInt64(v & 0x7f)
                } else {
                    guard v <= 19 else { return false }
                    resolution = 1
                    for _ in 0..<v { resolution &*= 10 }
                }
            case 14:  // if_tsoffset
                guard optionLength == 8, !sawOffset else { return false }
                sawOffset = true
                let v = b.loadUnaligned(fromByteOffset: at, as: UInt64.self)
                offsetSeconds = swapped ? v.byteSwapped : v
            default:
                break
            }
            at += padded
        }
        let perSecond: UInt64 = 1_000_000
        var i = Interface(
            scale: .passThrough, resolution: resolution, factor: 1, offsetSeconds: offsetSeconds,
            offsetMicros: offsetSeconds &* perSecond)
        if binary {
            i.scale = .binary
        } else if resolution > perSecond {
            (i.scale, i.factor) = (.downDecimal, resolution / perSecond)
        } else if resolution < perSecond {
            (i.scale, i.factor) = (.upDecimal, perSecond / resolution)
        }
        if p.pointee.interfaceCount == p.pointee.interfaceCapacity {
            let capacity = max(4, p.pointee.interfaceCapacity * 2)
            let grown = UnsafeMutablePointer<Interface>.allocate(capacity: capacity)
            if let old = p.pointee.interfaces {
                grown.moveInitialize(from: old, count: p.pointee.interfaceCount)
                old.deallocate()
            }
            p.pointee.interfaces = grown
            p.pointee.interfaceCapacity = capacity
        }
        (p.pointee.interfaces! + p.pointee.interfaceCount).initialize(to: i)
        p.pointee.interfaceCount += 1
        return true
    }

    /// The next packet from the blocks that lie whole in the buffer, skipping the others: `.frame`, or
    /// `.unhandled` at a block to leave to libpcap; nil when more bytes must be read first (or `.end` once
    /// the file ends exactly after a block).
    ///
    /// `swapped` is passed in (always `self.swapped`) so that `readBatch` can inline one copy of this for
    /// each byte order and test the byte order once a batch rather than at every field.
    @inlinable @inline(__always)
    func parse(swapped: Bool) -> ReadResult? {
        let p = position
        while true {
            let at = p.pointee.offset
            let left = p.pointee.end &- at
            guard left >= 8 else {
                if !p.pointee.atEndOfFile { return nil }
                return left == 0 ? .end : .unhandled
            }
            let h = UnsafeRawPointer(buffer + at)
            var type = h.loadUnaligned(as: UInt32.self)
            var total32 = h.loadUnaligned(fromByteOffset: 4, as: UInt32.self)
            if swapped {
                type = type.byteSwapped
                total32 = total32.byteSwapped
            }
            let total = Int(total32)
            guard total >= 12, total & 3 == 0, total <= Self.bufferSize else { return .unhandled }
            guard total <= left else { return p.pointee.atEndOfFile ? .unhandled : nil }
            var trailer = h.loadUnaligned(fromByteOffset: total &- 4, as: UInt32.self)
            if swapped { trailer = trailer.byteSwapped }
            guard trailer == total32 else { return .unhandled }
            guard type == Self.enhancedPacket else {
                if let r = otherBlock(type, h, length: total) { return r }
                continue
            }
            guard total >= 32 else { return .unhandled }
            var id = h.loadUnaligned(fromByteOffset: 8, as: UInt32.self)
            var high = h.loadUnaligned(fromByteOffset: 12, as: UInt32.self)
            var low = h.loadUnaligned(fromByteOffset: 16, as: UInt32.self)
            var caplen = h.loadUnaligned(fromByteOffset: 20, as: UInt32.self)
            var len = h.loadUnaligned(fromByteOffset: 24, as: UInt32.self)
            if swapped {
                id = id.byteSwapped
                high = high.byteSwapped
                low = low.byteSwapped
                caplen = caplen.byteSwapped
                len = len.byteSwapped
            }
            // libpcap fails a packet of an unknown interface, and cuts (or fails) one beyond the snapshot.
            guard Int(id) < p.pointee.interfaceCount, caplen <= snapshot, Int(caplen) <= total &- 32 else {
                p.pointee.longerThanSnapshot = Int(id) < p.pointee.interfaceCount && caplen > snapshot
                return .unhandled
            }
            let ts = p.pointee.interfaces.unsafelyUnwrapped[Int(id)].micros(UInt64(high) << 32 | UInt64(low))
            p.pointee.offset = at &+ total
            p.pointee.delivered &+= 1
            return .frame(
                CapturedFrame(
                    timestampMicros: ts, bytes: UnsafeRawBufferPointer(start: h + 28, count: Int(caplen)),
                    wireLength: max(Int(len), Int(caplen))))
        }
    }

    /// A block other than an Enhanced Packet Block, lying whole in the buffer at `h`: a Simple Packet
    /// Block's frame, nil once a block was skipped or an interface added, `.unhandled` for what goes to
    /// libpcap.
    @usableFromInline
    func otherBlock(_ type: UInt32, _ h: UnsafeRawPointer, length: Int) -> ReadResult? {
        let p = position
        switch type {
        case Self.simplePacket:
            // Interface 0; no timestamp (libpcap reports time 0 shifted by the interface's offset, and the
            // timeline takes time 0 out as `PacketTime.missing`); the captured length is the original length
            // cut to the snapshot length.
            guard length >= 16, p.pointee.interfaceCount > 0 else { return .unhandled }
            let len = Self.u32(h, 8, swapped)
            let caplen = min(len, snapshot)
            guard Int(caplen) <= length - 16 else { return .unhandled }
            let ts = p.pointee.interfaces.unsafelyUnwrapped[0].micros(0)
            p.pointee.offset += length
            p.pointee.delivered += 1
            return .frame(
                CapturedFrame(
                    timestampMicros: ts, bytes: UnsafeRawBufferPointer(start: h + 12, count: Int(caplen)),
                    wireLength: max(Int(len), Int(caplen))))
        case Self.interfaceDescription:
            // libpcap refuses an interface whose link type (compared with its DLT) or adjusted snapshot
            // length differs from the first one's; it reports that error itself.
            guard length >= 20 else { return .unhandled }
            let snaplen = Self.u32(h, 12, swapped)
            let adjusted = snaplen == 0 || snaplen > Self.maximumSnaplen ? Self.maximumSnaplen : snaplen
            guard UInt32(Self.u16(h, 8, swapped)) == UInt32(bitPattern: dataLink), adjusted == snapshot,
                Self.addInterface(h, length: length, swapped: swapped, position: p)
            else { return .unhandled }
            statistics.interfaceDescribed()
            p.pointee.offset += length
            return nil
        case Self.sectionHeader, Self.obsoletePacket:
            return .unhandled
        case PcapngInterfaceStatistics.blockType:
            statistics.take(h, length: length, swapped: swapped)
            p.pointee.offset += length
            return nil
        default:
            p.pointee.offset += length
            return nil
        }
    }

    /// The next packet, valid until the next read.
    @inlinable
    public func next() -> ReadResult {
        // Every block this reader takes fits the buffer, so each refill makes progress until the end.
        while true {
            if let r = parse(swapped: swapped) { return r }
            refill()
        }
    }

    /// Reads packets into `frames` until it is full or the buffer runs out, and returns how many; the
    /// frames stay valid until the next read. 0 means the reader has no more to give at this point: call
    /// `next()` for the ending (`.end` or `.unhandled`).
    @inlinable
    public func readBatch(into frames: UnsafeMutableBufferPointer<Verifier.Frame>) -> Int {
        swapped ? readBatch(into: frames, swapped: true) : readBatch(into: frames, swapped: false)
    }

    @inlinable @inline(__always)
    func readBatch(into frames: UnsafeMutableBufferPointer<Verifier.Frame>, swapped: Bool) -> Int {
        var n = 0
        while n < frames.count {
            guard let r = parse(swapped: swapped) else {
                // The next block crosses the end of the buffer: stop here, so the frames read so far stay
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

extension BufferedPcapngFile.Position: BufferedReadPosition {}
