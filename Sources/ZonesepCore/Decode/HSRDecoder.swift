// IEC 62439-3 HSR tag (High-availability Seamless Redundancy), 6 bytes, following EtherType 0x892f in the
// EtherType position of every frame on an HSR ring:
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |     EtherType (0x892f)        |PathId |       LSDU size       |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |       Sequence number         |   EtherType (or next TPID)    |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// The tag goes in front of the frame's own EtherType, as a VLAN tag does, and says which ring path a copy
// took: nothing in it is part of a flow. It was once counted among the link protocols that carry no IP,
// so an HSR ring's traffic went unjudged and counted as verified (REVIEW-146 F2).

/// Skips an HSR tag.
public enum HSRDecoder {
    /// Bytes after the EtherType: path and size, sequence number, and the next EtherType.
    public static let length = 6

    /// Returns the EtherType after the tag, or nil with `hsrTruncated` recorded.
    @inlinable
    public static func decode(_ c: inout ByteCursor, into p: inout DecodedPacket) -> UInt16? {
        guard let next = c.peekInteger(at: 4, as: UInt16.self) else {
            p.markMalformed(.hsrTruncated)
            return nil
        }
        c.skip(length)
        return next
    }
}
