// IPv6 neighbour advertisement (RFC 4861 section 4.4), ICMPv6 type 136, after the 4-byte ICMPv6 header:
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |  Type (136)   |   Code (0)    |          Checksum             |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |R|S|O|                     Reserved                            |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                                                               |
//   +                                                               +
//   |                       Target Address                          |
//   +                        (16 bytes)                             +
//   |                                                               |
//   +                                                               +
//   |                                                               |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |   Options (target link-layer address, ...)
//   +-+-+-+-+-+-+-+-+-+-+-+-
//
// The advertisement tells that the frame's sender answers for the target address: the host table records
// the target with the Ethernet source MAC (the IPv6 source is most often a link-local address, which
// binds nothing). The options are not read. A message cut before the end of the target is
// `neighborAdvertisementTruncated`; a frame without an Ethernet header (no source MAC) binds nothing.

/// Decodes the target of a neighbour advertisement into `DecodedPacket.resolution`.
public enum NeighborAdvertisementDecoder {
    public static let type: UInt8 = 136
    /// The ICMPv6 header (type, code, checksum, flags) and the target address.
    public static let minimumLength = 24

    /// `c` starts right after the 8-byte ICMPv6 header (type 136), at the target address. Returns false
    /// with `neighborAdvertisementTruncated` recorded when the target address is cut short.
    @inlinable
    @discardableResult
    public static func decode(_ c: ByteCursor, into p: inout DecodedPacket) -> Bool {
        guard let target = c.peekInteger(at: 0, as: UInt128.self) else {
            return p.markMalformed(.neighborAdvertisementTruncated)
        }
        if let mac = p.srcMAC {
            p.resolution = AddressResolution(
                mac: mac, address: IPAddress(v6: target), evidence: .neighborAdvertisement, arpOperation: 0,
                gratuitous: false)
        }
        return true
    }
}
