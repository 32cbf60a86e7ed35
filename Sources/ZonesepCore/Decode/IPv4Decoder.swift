// IPv4 header (RFC 791), 20 to 60 bytes:
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |Version|  IHL  |   DSCP/ECN    |          Total Length         |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |         Identification        |0|D|M|     Fragment Offset     |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |  Time to Live |    Protocol   |         Header Checksum       |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                       Source Address                          |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                    Destination Address                        |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                    Options (IHL > 5)                          |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// IHL counts 32-bit words (5...15). Total Length covers header and payload; a capture often holds
// less (snaplen), which is not an anomaly, and segmentation offload captures hold 0 there. The
// fragment offset counts 8-byte units; M is "more fragments". The checksum is not verified.

/// Decodes an IPv4 header; what follows it is the dispatch's to decode (`PacketDecoder`, by protocol).
public enum IPv4Decoder {
    public static let minimumHeaderLength = 20
    public static let flagMoreFragments: UInt16 = 0x2000
    public static let fragmentOffsetMask: UInt16 = 0x1fff

    /// Decodes the IPv4 header at `c` into `p` and returns a cursor over the payload (bounded by the total
    /// length and the captured bytes); nil when the packet is malformed (anomaly recorded) or a non-first
    /// fragment (outcome `.ipFragment`: no header of the next layer in it). `c` ends past the datagram.
    @inlinable
    public static func decode(_ c: inout ByteCursor, into p: inout DecodedPacket) -> ByteCursor? {
        // The fixed header in three reads: bytes 0-7, 8-15 and 16-19.
        guard let word0 = c.peekInteger(at: 0, as: UInt64.self),
            let word1 = c.peekInteger(at: 8, as: UInt64.self),
            let dst = c.peekInteger(at: 16, as: UInt32.self)
        else {
            p.markMalformed(shortHeaderAnomaly(c))
            return nil
        }
        let versionAndIHL = UInt8(truncatingIfNeeded: word0 >> 56)
        guard versionAndIHL >> 4 == 4 else {
            p.markMalformed(.ipv4BadVersion)
            return nil
        }
        let headerLength = Int(versionAndIHL & 0x0f) &* 4
        guard headerLength >= minimumHeaderLength else {
            p.markMalformed(.ipv4BadHeaderLength)
            return nil
        }
        let total = Int(UInt16(truncatingIfNeeded: word0 >> 32))
        let identification = UInt16(truncatingIfNeeded: word0 >> 16)
        let fragment = UInt16(truncatingIfNeeded: word0)
        let proto = UInt8(truncatingIfNeeded: word1 >> 48)
        p.ipVersion = 4
        p.src = IPAddress(v4: UInt32(truncatingIfNeeded: word1))
        p.dst = IPAddress(v4: dst)
        p.proto = proto

        let captured = c.readableBytes
        if total != 0 && total < headerLength {
            p.markMalformed(.ipv4BadTotalLength)
            return nil
        }
        // The datagram's bytes in this capture: its total length, or what was captured when that is less
        // (snaplen) or when the length is 0 (segmentation offload).
        p.ipv4LengthZero = total == 0
        let end = total == 0 ? captured : min(total, captured)
        guard c.skip(headerLength), let payload = c.readSlice(end &- headerLength) else {
            p.markMalformed(.ipv4Truncated)
            return nil
        }

        let offset = fragment & fragmentOffsetMask
        if offset != 0 || fragment & flagMoreFragments != 0 {
            p.isFragment = true
            p.fragmentID = UInt32(identification)
        }
        if offset != 0 {
            p.isNonFirstFragment = true
            p.outcome = .ipFragment
            return nil
        }
        return payload
    }

    /// Why fewer than 20 bytes are not an IPv4 header: the version or IHL when the first byte is there
    /// and already wrong, else truncation.
    @inlinable
    static func shortHeaderAnomaly(_ c: ByteCursor) -> DecodeAnomaly {
        guard let versionAndIHL = c.peekInteger(as: UInt8.self) else { return .ipv4Truncated }
        if versionAndIHL >> 4 != 4 { return .ipv4BadVersion }
        if versionAndIHL & 0x0f < 5 { return .ipv4BadHeaderLength }
        return .ipv4Truncated
    }
}
