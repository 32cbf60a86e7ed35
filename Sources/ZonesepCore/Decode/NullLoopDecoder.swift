// BSD loopback encapsulation (LINKTYPE_NULL = 0, LINKTYPE_LOOP = 108), 4 bytes:
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |              Address family (AF_INET, AF_INET6, ...)          |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |  IPv4 or IPv6 header ...
//
// NULL stores the family in the byte order of the machine that captured, which a file does not say:
// both orders are accepted (a family is a small number, so at most one order gives one). LOOP
// (OpenBSD) stores it big-endian. AF_INET is 2 everywhere; AF_INET6 is 24 (NetBSD, OpenBSD,
// BSD/OS), 28 (FreeBSD, DragonFly), 30 (macOS, iOS) or 10 (Linux).
//
// A family that is a plausible number (< 256) but not IP is `.notIP`; a value that is a small number in
// neither byte order is not a loopback header at all and is recorded as `unknownAddressFamily`.

/// Decodes the 4-byte BSD loopback header.
public enum NullLoopDecoder {
    public static let headerLength = 4
    /// Largest value accepted as an address family; anything larger is `unknownAddressFamily`.
    public static let maximumFamily: UInt32 = 255

    /// Maps an address family to the EtherType of the same protocol (`EtherType.none` when not IP).
    @inlinable
    public static func etherType(family: UInt32) -> UInt16 {
        switch family {
        case 2: return EtherType.ipv4
        case 10, 24, 28, 30: return EtherType.ipv6
        default: return EtherType.none
        }
    }

    /// LINKTYPE_NULL: the family in either byte order. Returns the EtherType, or nil with `linkTruncated`
    /// or `unknownAddressFamily` recorded.
    @inlinable
    public static func decodeNull(_ c: inout ByteCursor, into p: inout DecodedPacket) -> UInt16? {
        guard var family = c.readInteger(as: UInt32.self) else {
            p.markMalformed(.linkTruncated)
            return nil
        }
        if family > maximumFamily { family = family.byteSwapped }
        return checked(family, into: &p)
    }

    /// LINKTYPE_LOOP: the family big-endian. Returns the EtherType, or nil with `linkTruncated` or
    /// `unknownAddressFamily` recorded.
    @inlinable
    public static func decodeLoop(_ c: inout ByteCursor, into p: inout DecodedPacket) -> UInt16? {
        guard let family = c.readInteger(as: UInt32.self) else {
            p.markMalformed(.linkTruncated)
            return nil
        }
        return checked(family, into: &p)
    }

    @inlinable
    static func checked(_ family: UInt32, into p: inout DecodedPacket) -> UInt16? {
        guard family <= maximumFamily else {
            p.markMalformed(.unknownAddressFamily)
            return nil
        }
        return etherType(family: family)
    }
}
