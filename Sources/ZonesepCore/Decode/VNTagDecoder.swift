// Cisco VN-tag (network interface virtualisation), 6 bytes, following TPID 0x8926 in the EtherType position:
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |         TPID (0x8926)         |D|P|   Destination VIF id      |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |L|R|Ver|     Source VIF id     |   EtherType (or next TPID)    |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// D: direction (to the host), P: pointer to a VIF list, L: looped back. The VIF ids name a virtual
// interface of a fabric extender, not a network: nothing in the tag is part of a flow.

/// Skips a Cisco VN-tag.
public enum VNTagDecoder {
    /// Bytes after the TPID: the 4-byte tag and the next EtherType.
    public static let length = 6

    /// Returns the EtherType after the tag, or nil with `vnTagTruncated` recorded.
    @inlinable
    public static func decode(_ c: inout ByteCursor, into p: inout DecodedPacket) -> UInt16? {
        guard let next = c.peekInteger(at: 4, as: UInt16.self) else {
            p.markMalformed(.vnTagTruncated)
            return nil
        }
        c.skip(length)
        return next
    }
}
