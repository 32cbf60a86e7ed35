// Cisco MetaData (CMD, EtherType and GRE protocol type 0x8909): TrustSec inline tagging, the Security Group
// Tag (SGT) a Cisco switch or router puts before the packet on a CTS link. As Wireshark's `cmd` dissector
// reads it, 8 bytes, with the EtherType of what follows at one end or the other:
//
//   after the EtherType 0x8909 of an Ethernet frame (or a tag):
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |  Version (1)  |  Length (1)   |     Option type (0x0001 SGT)  |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |     Security Group Tag        |   EtherType of the payload    |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
//   after GRE protocol type 0x8909 (CTS over GRE / DMVPN):
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |  Protocol type of the payload |  Version (1)  |  Length (1)   |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |     Option type (0x0001 SGT)  |     Security Group Tag        |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// The tag names a security group, not a network or a tenant: nothing in it is part of a flow, and the
// packet after it is judged as if the header were not there. Like an E-tag, it counts toward the depth.

/// Skips a Cisco MetaData header and names what follows it.
public enum CiscoMetaDataDecoder {
    public static let etherType: UInt16 = 0x8909
    /// Bytes after the EtherType (or GRE protocol type) 0x8909, the payload's type included.
    public static let length = 8

    /// The header after an EtherType 0x8909: returns the payload's EtherType, or nil with `cmdTruncated`.
    @inlinable
    public static func decode(_ c: inout ByteCursor, into p: inout DecodedPacket) -> UInt16? {
        guard let next = c.peekInteger(at: 6, as: UInt16.self) else {
            p.markMalformed(.cmdTruncated)
            return nil
        }
        c.skip(length)
        return next
    }

    /// The header after GRE protocol type 0x8909: returns the payload's protocol type, or nil with
    /// `cmdTruncated`.
    @inlinable
    public static func decodeInGRE(_ c: inout ByteCursor, into p: inout DecodedPacket) -> UInt16? {
        guard c.readableBytes >= length, let next = c.peekInteger(at: 0, as: UInt16.self) else {
            p.markMalformed(.cmdTruncated)
            return nil
        }
        c.skip(length)
        return next
    }
}
