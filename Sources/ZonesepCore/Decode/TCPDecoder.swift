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
// Only the ports, the sequence number and the flags byte are needed, the first 14 bytes: a header cut
// after them by the snaplen still gives a usable flow key. Data Offset counts 32-bit words and must be at
// least 5. A header cut after the ports but before the flags (a snap length that keeps the ports, or an
// RFC 1858 "tiny" first fragment of 8 bytes) still names its flow: the packet is judged on its ports with
// its flags unknown (`tcpFlagsCut`), as a mid-stream pickup is.

/// Decodes the ports, sequence number and flags of a TCP header.
public enum TCPDecoder {
    /// Bytes needed for the ports and flags.
    public static let requiredLength = 14

    /// Sets the ports, `tcpSequence`, `tcpFlags` and `hasPorts` (with `tcpFlagsCut` when the header ends
    /// after the ports but before the flags), or records `tcpTruncated` / `tcpBadHeaderLength` and returns
    /// false.
    @inlinable
    @discardableResult
    public static func decode(_ c: inout ByteCursor, into p: inout DecodedPacket) -> Bool {
        guard let ports = c.peekInteger(at: 0, as: UInt32.self) else { return p.markMalformed(.tcpTruncated) }
        if let offsetAndFlags = c.peekInteger(at: 12, as: UInt16.self) {  // after sequence and acknowledgment
            guard offsetAndFlags >> 12 >= 5 else { return p.markMalformed(.tcpBadHeaderLength) }
            p.tcpFlags = UInt8(truncatingIfNeeded: offsetAndFlags)
            p.tcpSequence = c.peekInteger(at: 4, as: UInt32.self) ?? 0
            c.skip(requiredLength)
        } else {
            // Byte 12 alone: its data offset can still be wrong.
            if let offset = c.peekInteger(at: 12, as: UInt8.self), offset >> 4 < 5 {
                return p.markMalformed(.tcpBadHeaderLength)
            }
            p.tcpFlagsCut = true
            c.skip(c.readableBytes)
        }
        p.srcPort = UInt16(truncatingIfNeeded: ports >> 16)
        p.dstPort = UInt16(truncatingIfNeeded: ports)
        p.hasPorts = true
        return true
    }
}
