// TCP header (RFC 9293), 20 to 60 bytes:
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |          Source Port          |       Destination Port        |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                        Sequence Number                        |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                    Acknowledgment Number                      |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |  Data |       |C|E|U|A|P|R|S|F|                               |
//   | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
//   |       |       |R|E|G|K|H|T|N|N|                               |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |           Checksum            |         Urgent Pointer        |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                    Options (Data Offset > 5)                  |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Only the ports and the flags byte are needed, the first 14 bytes: a header cut after them by the
// snaplen still gives a usable flow key. Data Offset counts 32-bit words and must be at least 5.

/// Decodes the ports and flags of a TCP header.
public enum TCPDecoder {
    /// Bytes needed for the ports and flags.
    public static let requiredLength = 14

    /// Sets the ports, `tcpFlags` and `hasPorts`, or records `tcpTruncated` / `tcpBadHeaderLength` and
    /// returns false.
    @inlinable
    @discardableResult
    public static func decode(_ c: inout ByteCursor, into p: inout DecodedPacket) -> Bool {
        guard let ports = c.peekInteger(at: 0, as: UInt32.self),
            let offsetAndFlags = c.peekInteger(at: 12, as: UInt16.self)  // after sequence and acknowledgment
        else { return p.markMalformed(.tcpTruncated) }
        guard offsetAndFlags >> 12 >= 5 else { return p.markMalformed(.tcpBadHeaderLength) }
        c.skip(requiredLength)
        p.srcPort = UInt16(truncatingIfNeeded: ports >> 16)
        p.dstPort = UInt16(truncatingIfNeeded: ports)
        p.tcpFlags = UInt8(truncatingIfNeeded: offsetAndFlags)
        p.hasPorts = true
        return true
    }
}
