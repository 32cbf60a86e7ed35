import CPcap

#if canImport(Glibc)
    import Glibc
#endif

/// A pcapng file whose interfaces differ in link type or snapshot length (dumpcap writes one when it captures
/// two interfaces; `cat eth.pcapng raw.pcapng` gives one of two sections): valid, and tshark reads it, but
/// libpcap gives a whole file one link type and snapshot length and stops at such an interface ("an interface
/// has a type 101 different from the type of the first interface"), which the replay called damage. Its
/// message is replaced by one that says why, where (the section, when not the first: interface numbers start
/// again in each section, so only the section tells its packets apart), and how to write the packets in
/// files libpcap reads.
public enum PcapngInterfaceMix {
    /// `error` reworded when libpcap refused an interface of another link type or snapshot length in `path`;
    /// `error` itself otherwise.
    public static func explain(_ error: PcapError, path: String) -> PcapError {
        let said = error.message
        let types = said.hasPrefix("an interface has a type ")
        guard types || said.hasPrefix("an interface has a snapshot length ") else { return error }
        let section = firstMixed(path: path).flatMap { $0.section > 1 ? $0 : nil }
        let way: String
        switch (types, section) {
        case (true, nil):
            way =
                "its interfaces have different link types (libpcap: \"\(said)\"); write each interface's packets "
                + "to a file of its own and give those: `tshark -r FILE -T fields -e frame.number -e "
                + "frame.interface_id` lists whose each packet is, and `editcap -r -F pcap -T ENCAP FILE PART.pcap "
                + "NUMBERS` keeps those packets under link type ENCAP (ether, rawip, ...)"
        case (true, let s?):
            way =
                "its sections have different link types: section \(s.section), from packet \(s.firstPacket) (byte "
                + "\(s.offset)), has an interface of link type \(name(s.linkType)) where the first interface's is "
                + "\(name(s.firstLinkType)) (libpcap: \"\(said)\"); write each section's packets to a file of its "
                + "own and give those: `tshark -r FILE -T fields -e frame.number -e frame.section_number -e "
                + "frame.encap_type` lists each packet's section and link type (interface numbers start again in "
                + "each section, so `frame.interface_id` cannot tell them apart), and `editcap -r -F pcap -T ENCAP "
                + "FILE PART.pcap FIRST-LAST` keeps those packets under link type ENCAP (ether, rawip, ...)"
        case (false, nil):
            way =
                "its interfaces have different snapshot lengths (libpcap: \"\(said)\"); write it as one pcap file "
                + "with `editcap -F pcap FILE NEW.pcap` and give that"
        case (false, let s?):
            way =
                "its sections have different snapshot lengths: section \(s.section), from packet \(s.firstPacket) "
                + "(byte \(s.offset)), has an interface whose snapshot length differs from the first interface's "
                + "(libpcap: \"\(said)\"); write it as one pcap file with `editcap -F pcap FILE NEW.pcap` and give that"
        }
        var e = error
        e.kind = .interfacesLibpcapCannotMix
        e.message = "the file cannot be read by libpcap: " + way
        return e
    }

    /// libpcap's name for a pcapng link type (`EN10MB`, `RAW`, ...): LINKTYPE_RAW is DLT_RAW in libpcap.
    static func name(_ linkType: UInt16) -> String {
        dataLinkName(linkType == 101 ? Int32(DLT_RAW) : Int32(linkType))
    }

    /// Where the first interface of another link type or snapshot length than the file's first is.
    struct Mixed: Equatable {
        /// The section holding that interface (from 1), the number of the section's first packet (from 1,
        /// as tshark numbers frames), and the byte offset of its section header.
        var section: Int
        var firstPacket: Int
        var offset: UInt64
        var linkType: UInt16
        var firstLinkType: UInt16
    }

    static let sectionHeader: UInt32 = 0x0A0D_0D0A
    static let byteOrderMagic: UInt32 = 0x1A2B_3C4D
    /// libpcap's MAXIMUM_SNAPLEN, which stands for a snapshot length of 0 or more (pcap_adjust_snapshot).
    static let maximumSnaplen: UInt32 = 262_144

    /// The first interface that differs from the file's first interface, as libpcap compares them (link
    /// type, then snapshot length); nil when none does, or the file is no pcapng or its blocks cannot be
    /// followed that far. Walks block headers only: a read of 16 bytes per block.
    static func firstMixed(path: String) -> Mixed? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: 16)
        var bigEndian = false
        func u32(_ at: Int) -> UInt32 {
            let v = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: UInt32.self) }
            return bigEndian ? UInt32(bigEndian: v) : UInt32(littleEndian: v)
        }
        func u16(_ at: Int) -> UInt16 {
            let v = bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: at, as: UInt16.self) }
            return bigEndian ? UInt16(bigEndian: v) : UInt16(littleEndian: v)
        }
        var section = 0
        var sectionOffset: UInt64 = 0
        var packets = 0
        var sectionFirstPacket = 1
        var first: (linkType: UInt16, snaplen: UInt32)?
        var offset: UInt64 = 0
        while bytes.withUnsafeMutableBytes({ pread(fd, $0.baseAddress, 16, off_t(offset)) }) == 16 {
            let type = u32(0)
            if type == sectionHeader {  // the same in either byte order
                bigEndian = false
                switch u32(8) {
                case byteOrderMagic: break
                case byteOrderMagic.byteSwapped: bigEndian = true
                default: return nil
                }
                section += 1
                sectionOffset = offset
                sectionFirstPacket = packets + 1
            } else if section == 0 {
                return nil
            } else if type == 1 {
                let linkType = u16(8)
                var snaplen = u32(12)
                if snaplen == 0 || snaplen > maximumSnaplen { snaplen = maximumSnaplen }
                if let f = first, f.linkType != linkType || f.snaplen != snaplen {
                    return Mixed(
                        section: section, firstPacket: sectionFirstPacket, offset: sectionOffset, linkType: linkType,
                        firstLinkType: f.linkType)
                }
                if first == nil { first = (linkType, snaplen) }
            } else if type == 2 || type == 3 || type == 6 {
                packets += 1
            }
            let length = u32(4)
            guard length >= 12, length & 3 == 0 else { return nil }
            offset += UInt64(length)
        }
        return nil
    }
}
