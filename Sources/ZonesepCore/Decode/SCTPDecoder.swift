// SCTP common header (RFC 9260), 12 bytes, before the chunks:
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |     Source Port Number        |     Destination Port Number   |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                      Verification Tag                         |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                           Checksum                            |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Only the ports are used (the Community ID hashes them, and a flow is told apart by them as for TCP).

/// Decodes the ports of an SCTP common header.
public enum SCTPDecoder {
    public static let headerLength = 12

    /// Sets the ports and `hasPorts`, or records `sctpTruncated` and returns false.
    @inlinable
    @discardableResult
    public static func decode(_ c: inout ByteCursor, into p: inout DecodedPacket) -> Bool {
        guard let ports = c.peekInteger(as: UInt32.self), c.skip(headerLength) else {
            return p.markMalformed(.sctpTruncated)
        }
        p.srcPort = UInt16(truncatingIfNeeded: ports >> 16)
        p.dstPort = UInt16(truncatingIfNeeded: ports)
        p.hasPorts = true
        return true
    }
}
