// UDP header (RFC 768), 8 bytes:
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |          Source Port          |       Destination Port        |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |            Length             |           Checksum            |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Length covers header and data, so it is at least 8; over IPv6 it is 0 in a jumbogram (RFC 2675), and
// over IPv4 whose total length is 0 too (Linux BIG TCP's segmentation offload, as in a VXLAN tunnel).
// A length beyond the captured bytes is a snaplen cut, not an anomaly.

/// Decodes a UDP header.
public enum UDPDecoder {
    public static let headerLength = 8

    /// Sets the ports and `hasPorts`, or records `udpTruncated` / `udpBadLength` and returns false.
    @inlinable
    @discardableResult
    public static func decode(_ c: inout ByteCursor, into p: inout DecodedPacket) -> Bool {
        guard let header = c.readInteger(as: UInt64.self) else { return p.markMalformed(.udpTruncated) }
        let length = UInt16(truncatingIfNeeded: header >> 16)
        guard length >= 8 || (length == 0 && (p.ipVersion == 6 || p.ipv4LengthZero)) else {
            return p.markMalformed(.udpBadLength)
        }
        p.srcPort = UInt16(truncatingIfNeeded: header >> 48)
        p.dstPort = UInt16(truncatingIfNeeded: header >> 32)
        p.hasPorts = true
        return true
    }
}
