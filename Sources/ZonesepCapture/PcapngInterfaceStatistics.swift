import Glibc

/// What a pcapng file says its capture lost: the Interface Statistics Blocks (type 5) that dumpcap and
/// Wireshark write at the end of a capture, the last one of each interface (their counters run from the
/// capture's start). libpcap reads none of them, so a replay that ignored them would call a file that lost
/// most of the traffic complete.
///
///      0                   1                   2                   3
///      0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
///     +---------------------------------------------------------------+
///     |                    Block Type = 0x00000005                    |
///     +---------------------------------------------------------------+
///     |                      Block Total Length                       |
///     +---------------------------------------------------------------+
///     |                         Interface ID                          |
///     +---------------------------------------------------------------+
///     |                        Timestamp (High)                       |
///     +---------------------------------------------------------------+
///     |                        Timestamp (Low)                        |
///     +---------------------------------------------------------------+
///     /                    Options (variable length)                  /
///     |  isb_ifdrop (5): u64, dropped by the interface                |
///     |  isb_osdrop (7): u64, dropped by the operating system         |
///     +---------------------------------------------------------------+
///     |                      Block Total Length                       |
///     +---------------------------------------------------------------+
public struct PcapngInterfaceStatistics: Sendable, Equatable {
    public static let blockType: UInt32 = 5
    static let ifdrop: UInt16 = 5
    static let osdrop: UInt16 = 7

    /// By section and interface id: the last block's drop counts (nil: that block did not give one).
    private var last: [Key: Counts] = [:]
    /// Sections seen: interface ids start again at 0 in each.
    private var section = 0
    /// By section, its Interface Description Blocks: an interface no block gives a count for lost what it lost
    /// unrecorded, though the file's other interfaces record theirs.
    private var described: [Int: UInt32] = [:]

    struct Key: Hashable {
        var section: Int
        var interface: UInt32
    }

    struct Counts: Equatable {
        var interface: UInt64?
        var system: UInt64?
        var records: Bool { interface != nil || system != nil }
    }

    /// What the file records of its capture's drops.
    public struct Drops: Sendable, Equatable {
        /// Dropped by the interfaces (`isb_ifdrop`), and by the operating system (`isb_osdrop`), over the
        /// interfaces that give a count.
        public var interface: UInt64
        public var system: UInt64
        /// The file's interfaces that give no count beside those that do (no statistics block, or one without
        /// a drop count): what they lost is unknown, and not in the two counts.
        public var interfacesNotRecording: Int

        public init(interface: UInt64, system: UInt64, interfacesNotRecording: Int = 0) {
            self.interface = interface
            self.system = system
            self.interfacesNotRecording = interfacesNotRecording
        }
    }

    public init() {}

    /// The drops over every interface of the file (the last block of each), and its interfaces described
    /// that record none; nil when no block gave either count.
    public var dropped: Drops? {
        guard last.values.contains(where: \.records) else { return nil }
        var drops = Drops(interface: 0, system: 0)
        for counts in last.values {
            drops.interface &+= counts.interface ?? 0
            drops.system &+= counts.system ?? 0
        }
        for (section, count) in described {
            drops.interfacesNotRecording += (0..<count).count {
                !(last[Key(section: section, interface: $0)]?.records ?? false)
            }
        }
        return drops
    }

    /// A new section begins (its interfaces are numbered anew).
    public mutating func newSection() { section += 1 }

    /// An Interface Description Block of the current section: the next interface id.
    public mutating func interfaceDescribed() { described[section, default: 0] &+= 1 }

    /// Takes the Interface Statistics Block lying whole at `block` (`length` bytes, its total length), in the
    /// section's byte order. A block too short for its fields, or an option running past it, gives what was
    /// read before it.
    public mutating func take(_ block: UnsafeRawPointer, length: Int, swapped: Bool) {
        guard length >= 24 else { return }
        let id = Self.u32(block, 8, swapped)
        // The interface's counts so far, overwritten by the options this block gives: a later block without
        // a drop count (the options are all optional) does not unsay an earlier one's.
        var counts = last[Key(section: section, interface: id)] ?? Counts()
        var at = 20
        let end = length - 4
        while at + 4 <= end {
            let code = Self.u16(block, at, swapped)
            let size = Int(Self.u16(block, at + 2, swapped))
            if code == 0 { break }
            guard at + 4 + size <= end else { break }
            if size == 8 && (code == Self.ifdrop || code == Self.osdrop) {
                let v = Self.u64(block, at + 4, swapped)
                if code == Self.ifdrop { counts.interface = v } else { counts.system = v }
            }
            at += 4 + (size + 3) & ~3
        }
        last[Key(section: section, interface: id)] = counts
    }

    /// Reads every block header of the pcapng file at `path` for its statistics: for a file whose packets
    /// another reader took (libpcap), which skips these blocks. A megabyte at a time (one read a block cost a
    /// second for a million packets); stops at the first block that does not fit the file or is malformed:
    /// what was read before it stands.
    public static func scan(path: String) -> PcapngInterfaceStatistics {
        var stats = PcapngInterfaceStatistics()
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return stats }
        defer { close(fd) }
        let size = 1 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
        defer { buffer.deallocate() }
        var fileOffset: off_t = 0  // of buffer[0]
        var have = 0
        var at = 0
        var swapped = false
        /// Moves the bytes from `at` to the buffer's start and reads on after them: at least `needed` there?
        func refill(_ needed: Int) -> Bool {
            fileOffset += off_t(at)
            let kept = have - at
            if kept > 0 { buffer.copyMemory(from: buffer + at, byteCount: kept) }
            let got = pread(fd, buffer + kept, size - kept, fileOffset + off_t(kept))
            have = kept + max(got, 0)
            at = 0
            return got > 0 && have >= needed
        }
        while true {
            // At least the block's 12-byte head in the buffer, from `at`.
            if have - at < 12 && !refill(12) { break }
            let type = buffer.loadUnaligned(fromByteOffset: at, as: UInt32.self)
            if type == 0x0A0D_0D0A {
                // The section's byte-order magic says how to read it and what follows.
                let magic = buffer.loadUnaligned(fromByteOffset: at + 8, as: UInt32.self)
                guard magic == 0x1A2B_3C4D || magic == 0x4D3C_2B1A else { break }
                swapped = magic != 0x1A2B_3C4D
                stats.newSection()
            }
            let length = Int(u32(buffer, at + 4, swapped))
            guard length >= 12, length % 4 == 0 else { break }
            let kind = swapped ? type.byteSwapped : type
            if kind == BufferedPcapngFile.interfaceDescription { stats.interfaceDescribed() }
            if kind == blockType {
                guard length <= size else { break }
                // The whole block, brought to the buffer's start when it runs past the bytes read.
                if have - at < length && !refill(length) { break }
                stats.take(buffer + at, length: length, swapped: swapped)
            }
            if have - at >= length {
                at += length
            } else {
                // A block past the buffer's end: skip it in the file.
                fileOffset += off_t(at + length)
                have = 0
                at = 0
            }
        }
        return stats
    }

    static func u16(_ b: UnsafeRawPointer, _ at: Int, _ swapped: Bool) -> UInt16 {
        BufferedPcapngFile.u16(b, at, swapped)
    }

    static func u32(_ b: UnsafeRawPointer, _ at: Int, _ swapped: Bool) -> UInt32 {
        BufferedPcapngFile.u32(b, at, swapped)
    }

    /// A u64 option value, in the section's byte order (the packet reader reads no 64-bit field).
    static func u64(_ b: UnsafeRawPointer, _ at: Int, _ swapped: Bool) -> UInt64 {
        let v = b.loadUnaligned(fromByteOffset: at, as: UInt64.self)
        return swapped ? v.byteSwapped : v
    }
}
