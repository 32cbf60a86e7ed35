#if canImport(Glibc)
    import Glibc
#endif

/// A pcapng file of sections in different byte orders (`cat le.pcapng be.pcapng`): valid, but libpcap reads
/// the second section header's length in the first section's byte order and stops with "pcapng block size
/// … > maximum", which calls the file damaged. When libpcap stops on a file holding such a section, its
/// message is replaced by one that says what the file is and how to read it.
public enum PcapngSectionOrder {
    static let sectionHeader: UInt32 = 0x0A0D_0D0A
    static let byteOrderMagic: UInt32 = 0x1A2B_3C4D

    /// `error` reworded when `path` holds a section in another byte order than its first; `error` itself
    /// otherwise.
    public static func explain(_ error: PcapError, path: String) -> PcapError {
        guard let (offset, bigEndian) = firstSectionInOtherOrder(path: path) else { return error }
        var e = error
        e.kind = .sectionInOtherByteOrder
        e.message =
            "a pcapng section in the other byte order (\(bigEndian ? "big" : "little")-endian after "
            + "\(bigEndian ? "little" : "big")-endian) begins at byte \(offset), which libpcap cannot read (it "
            + "stops with \"\(error.message)\"); write the file in one byte order with `editcap FILE NEW.pcapng` "
            + "and give that"
        return e
    }

    /// The offset of the first section header whose byte order differs from the file's first section's,
    /// and whether it is big-endian; nil when there is none (or the file is no pcapng, or its blocks cannot
    /// be followed that far). Walks block headers only: a read of 12 bytes per block.
    public static func firstSectionInOtherOrder(path: String) -> (offset: UInt64, bigEndian: Bool)? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        func header(at offset: UInt64) -> (UInt32, UInt32, UInt32)? {
            var raw = [UInt32](repeating: 0, count: 3)
            let n = raw.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 12, off_t(offset)) }
            return n == 12 ? (raw[0], raw[1], raw[2]) : nil
        }
        guard let (type, _, magic) = header(at: 0), type == sectionHeader else { return nil }
        func order(_ magic: UInt32) -> Bool? {
            if magic == byteOrderMagic { return false }
            return magic == byteOrderMagic.byteSwapped ? true : nil
        }
        guard let firstSwapped = order(magic) else { return nil }
        var swapped = firstSwapped
        var offset: UInt64 = 0
        while let (type, rawLength, magic) = header(at: offset) {
            if type == sectionHeader {
                guard let s = order(magic) else { return nil }
                if s != firstSwapped {
                    // Host order is little-endian (x86-64, arm64): a swapped section is big-endian.
                    return (offset, s == (1.littleEndian == 1))
                }
                swapped = s
            }
            let length = swapped ? rawLength.byteSwapped : rawLength
            guard length >= 12, length & 3 == 0 else { return nil }
            offset += UInt64(length)
        }
        return nil
    }
}
