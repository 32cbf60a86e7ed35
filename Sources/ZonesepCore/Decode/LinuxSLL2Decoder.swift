// Linux "cooked" capture, version 2 (LINKTYPE_LINUX_SLL2 = 276), 20 bytes; adds the interface index:
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |     Protocol (EtherType)      |        Reserved (MBZ)         |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                        Interface index                        |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |    ARPHRD type (1 = Ethernet) |  Packet type  | Address length|
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |          Link-layer address of the sender (8 bytes,           |
//   +                                                               +
//   |                   zero-padded or truncated)                   |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Field meanings are those of version 1 (see LinuxSLLDecoder.swift).

/// Decodes the 20-byte Linux cooked header (v2).
public enum LinuxSLL2Decoder {
    public static let headerLength = 20

    /// Records the sender's MAC (ARPHRD Ethernet with a 6-byte address) and returns the protocol as an
    /// EtherType, or nil with `linkTruncated` recorded.
    @inlinable
    public static func decode(_ c: inout ByteCursor, into p: inout DecodedPacket) -> UInt16? {
        guard let proto = c.peekInteger(at: 0, as: UInt16.self),
            let types = c.peekInteger(at: 8, as: UInt32.self),  // ARPHRD, packet type, address length
            let address = c.peekInteger(at: 12, as: UInt64.self)
        else {
            p.markMalformed(.linkTruncated)
            return nil
        }
        c.skip(headerLength)
        let hatype = UInt16(truncatingIfNeeded: types >> 16)
        let addressLength = UInt8(truncatingIfNeeded: types)
        if hatype == ARPHRDType.ethernet && addressLength == 6 {
            p.srcMAC = MACAddress(rawValue: address >> 16)
        }
        return ARPHRDType.etherType(ofCooked: proto, hatype: hatype)
    }
}
