// Cisco HDLC (LINKTYPE_C_HDLC 104; also on LINKTYPE_PPP_HDLC when the first byte says so), 4 bytes:
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |Address 0x0f/8f|  Control 0x00 |      Protocol (EtherType)     |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Address 0x0f is unicast, 0x8f broadcast. The protocol is an EtherType: 0x0800 IPv4, 0x86dd IPv6,
// 0x8847 MPLS, and the link's own SLARP (0x8035) and CDP (0x2000), which carry no IP.

/// Decodes the 4-byte Cisco HDLC header.
public enum CiscoHDLCDecoder {
    public static let headerLength = 4
    public static let unicast: UInt8 = 0x0f
    public static let broadcast: UInt8 = 0x8f

    /// Returns the EtherType, or nil with `linkTruncated` recorded.
    @inlinable
    public static func decode(_ c: inout ByteCursor, into p: inout DecodedPacket) -> UInt16? {
        guard let header = c.readInteger(as: UInt32.self) else {
            p.markMalformed(.linkTruncated)
            return nil
        }
        return UInt16(truncatingIfNeeded: header)
    }
}
