// Ethernet II (DIX) header, 14 bytes (IEEE 802.3 clause 3; the preamble and FCS are not captured):
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                   Destination MAC address                     |
//   +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                               |                               |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
//   |                      Source MAC address                       |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |      EtherType / Length       |  payload (VLAN tag, IP, ...)
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// An EtherType of 1500 or less is an 802.3 length (LLC frames: STP, ...), which is not IP.
// Frames shorter than 60 bytes are padded on the wire; the IP total length bounds the payload.

/// EtherType values (IEEE registry) the decoders name.
public enum EtherType {
    public static let ipv4: UInt16 = 0x0800
    public static let arp: UInt16 = 0x0806
    public static let ipv6: UInt16 = 0x86dd
    /// IEEE 802.1Q customer VLAN tag.
    public static let vlan: UInt16 = 0x8100
    /// IEEE 802.1ad service VLAN tag (Q-in-Q).
    public static let qinq: UInt16 = 0x88a8
    /// Pre-standard Q-in-Q tag used by some switches.
    public static let qinqLegacy: UInt16 = 0x9100
    /// Not an EtherType on the wire: what link decoders return for a frame that carries neither IPv4 nor IPv6.
    public static let none: UInt16 = 0
}

/// Decodes the 14-byte Ethernet II header.
public enum EthernetDecoder {
    public static let headerLength = 14

    /// Reads the MAC addresses into `p` and returns the EtherType, with `c` just past the header; or marks
    /// the packet `linkTruncated` and returns nil.
    @inlinable
    public static func decode(_ c: inout ByteCursor, into p: inout DecodedPacket) -> UInt16? {
        // Two overlapping 8-byte reads: destination MAC + 2 bytes, then source MAC + EtherType.
        guard let first = c.peekInteger(at: 0, as: UInt64.self), let second = c.peekInteger(at: 6, as: UInt64.self)
        else {
            p.markMalformed(.linkTruncated)
            return nil
        }
        c.skip(headerLength)
        p.dstMAC = MACAddress(rawValue: first >> 16)
        p.srcMAC = MACAddress(rawValue: second >> 16)
        return UInt16(truncatingIfNeeded: second)
    }
}
