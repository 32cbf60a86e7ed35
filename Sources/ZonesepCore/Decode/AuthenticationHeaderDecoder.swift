// IP Authentication Header (RFC 4302), IP protocol 51 after an IPv4 header (after IPv6 it is one of the
// extension headers `IPv6Decoder` walks), 8 bytes or more:
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   | Next Header   |  Payload Len  |          RESERVED             |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                 Security Parameters Index (SPI)               |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                    Sequence Number Field                      |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                Integrity Check Value-ICV (variable)           |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Payload Len is the header's length in 4-byte words minus 2. AH signs but does not encrypt: what follows
// is in the clear, a TCP or UDP header in transport mode (the flow keeps its ports), a whole IP packet in
// tunnel mode (Next Header 4 or 41: IP in IP, judged inside). Several AH headers in a row are walked
// alike; each is at least 8 bytes, so the walk ends with the packet.

/// Walks the Authentication Headers after an IPv4 header.
public enum AuthenticationHeaderDecoder {
    /// Skips each AH header at `c` while `p.proto` is AH, leaving `p.proto` the protocol after the last and
    /// `c` at its header; false with `ahTruncated` recorded when the packet ends inside one.
    @inlinable
    public static func decode(_ c: inout ByteCursor, into p: inout DecodedPacket) -> Bool {
        while p.proto == IPProtocolNumber.ah {
            guard let nextAndLength = c.peekInteger(as: UInt16.self) else { return p.markMalformed(.ahTruncated) }
            let length = (Int(truncatingIfNeeded: nextAndLength & 0xff) &+ 2) &* 4
            guard c.skip(length) else { return p.markMalformed(.ahTruncated) }
            p.proto = UInt8(truncatingIfNeeded: nextAndLength >> 8)
        }
        return true
    }
}
