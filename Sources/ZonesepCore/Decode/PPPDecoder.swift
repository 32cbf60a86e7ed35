// PPP (RFC 1661) as it reaches the decoder: on the PPP link types (LINKTYPE_PPP 9, LINKTYPE_PPP_HDLC 50)
// in HDLC-like framing (RFC 1662), and inside a PPPoE session:
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   | Address 0xff  | Control 0x03  |           Protocol            |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |  information (an IPv4 or IPv6 packet, an LCP message, ...)
//
// Address and control may be left out (address-and-control-field compression), and a protocol whose first
// byte is odd is one byte long (protocol-field compression). On LINKTYPE_PPP_HDLC a first byte of 0x0f or
// 0x8f is Cisco HDLC framing instead (see CiscoHDLCDecoder.swift). Protocols: 0x0021 IPv4, 0x0057 IPv6,
// 0x0281/0x0283 MPLS; 0x8000 and above are control protocols (LCP, IPCP, PAP, CHAP, ...): no IP. Any
// other data protocol (compressed or multilink frames) may hide IP and is not verified.

/// Decodes a PPP frame's framing and protocol field.
public enum PPPDecoder {
    public static let ipv4: UInt16 = 0x0021
    public static let ipv6: UInt16 = 0x0057
    public static let mplsUnicast: UInt16 = 0x0281
    public static let mplsMulticast: UInt16 = 0x0283

    /// A PPP link-type frame: skips address and control when present and returns the payload's layer.
    @inlinable
    public static func decodeLink(_ c: inout ByteCursor, into p: inout DecodedPacket) -> NextLayer {
        guard let first = c.peekInteger(as: UInt8.self) else {
            p.markMalformed(.linkTruncated)
            return .done
        }
        if first == CiscoHDLCDecoder.unicast || first == CiscoHDLCDecoder.broadcast {
            guard let type = CiscoHDLCDecoder.decode(&c, into: &p) else { return .done }
            return .etherType(type)
        }
        if first == 0xff {  // never a protocol's first byte: address and control are there
            guard let control = c.peekInteger(at: 1, as: UInt8.self) else {
                p.markMalformed(.pppTruncated)
                return .done
            }
            if control == 0x03 { c.skip(2) }
        }
        return decodeProtocol(&c, into: &p)
    }

    /// Reads the protocol field (one or two bytes) and returns the payload's layer, or `.done` when cut
    /// (`pppTruncated`), without IP, or not verified.
    @inlinable
    public static func decodeProtocol(_ c: inout ByteCursor, into p: inout DecodedPacket) -> NextLayer {
        guard let first = c.readInteger(as: UInt8.self) else {
            p.markMalformed(.pppTruncated)
            return .done
        }
        var proto = UInt16(first)
        if first & 1 == 0 {
            guard let second = c.readInteger(as: UInt8.self) else {
                p.markMalformed(.pppTruncated)
                return .done
            }
            proto = proto << 8 | UInt16(second)
        }
        return next(protocol: proto, into: &p)
    }

    /// The layer a PPP protocol number leads to.
    @inlinable
    public static func next(protocol proto: UInt16, into p: inout DecodedPacket) -> NextLayer {
        switch proto {
        case ipv4: return .ipv4
        case ipv6: return .ipv6
        case mplsUnicast, mplsMulticast: return .mpls
        default:
            p.outcome = .notIP
            if proto < 0x8000 { p.markNotVerified(.pppProtocol, UInt32(proto)) }
            return .done
        }
    }
}
