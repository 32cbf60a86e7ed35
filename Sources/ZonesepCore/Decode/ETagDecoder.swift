// IEEE 802.1BR E-tag (bridge port extension), 8 bytes, following TPID 0x893f in the EtherType position:
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |         TPID (0x893f)         |E-PCP|D|  Ingress E-CID base   |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |Rsv|GRP|      E-CID base       |Ingress E-CID ext|  E-CID ext  |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |   EtherType (or next TPID)    |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// A port extender's tag names the extended port (E-CID), not a network: nothing in it is part of a flow.
// The TPID has already been read as the previous header's EtherType.

/// Skips an 802.1BR E-tag.
public enum ETagDecoder {
    /// Bytes after the TPID: the 6-byte E-TCI and the next EtherType.
    public static let length = 8

    /// Returns the EtherType after the tag, or nil with `eTagTruncated` recorded.
    @inlinable
    public static func decode(_ c: inout ByteCursor, into p: inout DecodedPacket) -> UInt16? {
        guard let next = c.peekInteger(at: 6, as: UInt16.self) else {
            p.markMalformed(.eTagTruncated)
            return nil
        }
        c.skip(length)
        return next
    }
}
