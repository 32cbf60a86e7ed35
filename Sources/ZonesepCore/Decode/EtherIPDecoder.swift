// EtherIP (RFC 3378), IP protocol 97 over IPv4 or IPv6, 2 bytes, then the whole Ethernet frame (no FCS):
//
//    0                   1
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |Version|       Reserved        |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |  the bridged Ethernet frame ...
//
// Version is 3 (RFC 3378 §3: a receiver discards any other); the reserved bits are 0 and not checked, as
// Wireshark does not. EtherIP is the Ethernet VPN between buildings of routers such as Yamaha's RTX and
// NEC's IX: the frame inside is a town-hall host's, with its own MACs and VLAN tags.

/// Decodes an EtherIP header and enters its tunnel layer.
public enum EtherIPDecoder {
    public static let headerLength = 2
    public static let version: UInt16 = 3

    /// Returns `.ethernet` (the bridged frame), or `.done` when cut (`etheripTruncated`), of another version
    /// (`etheripBadVersion`) or too deep.
    @inlinable
    public static func decode(_ c: inout ByteCursor, into p: inout DecodedPacket) -> NextLayer {
        guard let header = c.readInteger(as: UInt16.self) else {
            p.markMalformed(.etheripTruncated)
            return .done
        }
        guard header >> 12 == version else {
            p.markMalformed(.etheripBadVersion)
            return .done
        }
        guard p.enterTunnel(.etherIP) else { return .done }
        return .ethernet
    }
}
