// PPPoE session stage (RFC 2516), 6 bytes after EtherType 0x8864, then a PPP protocol field:
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |  VER  | TYPE  |      CODE     |          SESSION_ID           |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |            LENGTH             |   PPP protocol (0x0021, ...)  |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// VER and TYPE are 1, CODE is 0 in a session; LENGTH counts the PPP payload (protocol field included), and
// bounds it (the rest is Ethernet padding). The discovery stage (EtherType 0x8863) carries no IP.

/// Decodes a PPPoE session header and the PPP protocol after it.
public enum PPPoEDecoder {
    public static let headerLength = 6

    /// Enters a `pppoe` tunnel layer (id: the session) and returns the PPP payload's layer, with `c`
    /// bounded to LENGTH; `.done` when malformed (`pppoeTruncated`, `pppoeBadHeader`), too deep, without IP
    /// or not verified.
    @inlinable
    public static func decode(_ c: inout ByteCursor, into p: inout DecodedPacket) -> NextLayer {
        guard let word = c.peekInteger(as: UInt32.self), let length = c.peekInteger(at: 4, as: UInt16.self) else {
            p.markMalformed(.pppoeTruncated)
            return .done
        }
        guard word >> 16 == 0x1100 else {
            p.markMalformed(.pppoeBadHeader)
            return .done
        }
        c.skip(headerLength)
        guard p.enterTunnel(.pppoe, id: word & 0xffff) else { return .done }
        if let bounded = c.readSlice(min(Int(length), c.readableBytes)) { c = bounded }
        return PPPDecoder.decodeProtocol(&c, into: &p)
    }
}
