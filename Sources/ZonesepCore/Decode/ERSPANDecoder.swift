// ERSPAN (Cisco's encapsulated remote SPAN, draft-foschiano-erspan), carried in GRE:
//
// Type I: GRE protocol 0x88be without the sequence bit, and no header of its own: the mirrored Ethernet
// frame follows the GRE header.
//
// Type II: GRE protocol 0x88be with the sequence bit, 8 bytes:
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |Ver (1)|          VLAN         | COS | En|T|    Session ID     |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |       Reserved        |                 Index                 |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Type III: GRE protocol 0x22eb, 12 bytes, then an 8-byte platform-specific subheader when O is set:
//
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |Ver (2)|          VLAN         | COS |BSO|T|    Session ID     |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                          Timestamp                            |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |             SGT               |P|    FT   |   Hw ID   |D|Gra|O|
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |        Platform-specific subheader (8 bytes, when O)          |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// FT, the frame type, is 0 for an Ethernet frame and 2 for
// an IP packet without its link header; other frame types are not verified. The session id is the layer's
// id for the alert and never splits a flow: one connection mirrored by two sessions is one flow. The VLAN
// field is the source port's VLAN, not necessarily a tag the frame carried, and is not used.

/// Decodes an ERSPAN header (after GRE) and enters its tunnel layer.
public enum ERSPANDecoder {
    public static let typeIILength = 8
    public static let typeIIILength = 12
    public static let platformSubheaderLength = 8

    /// Returns the mirrored frame's layer, or `.done` when malformed (`erspanTruncated`,
    /// `erspanBadVersion`), too deep, or of a frame type not decoded.
    @inlinable
    public static func decode(_ c: inout ByteCursor, type: TunnelType, into p: inout DecodedPacket) -> NextLayer {
        switch type {
        case .erspanII:
            guard let word = c.readInteger(as: UInt64.self) else { return truncated(&p) }
            guard word >> 60 == 1 else { return badVersion(&p) }
            guard p.enterTunnel(.erspanII, id: UInt32(truncatingIfNeeded: word >> 32) & 0x3ff) else { return .done }
            return .ethernet
        case .erspanIII:
            guard let word = c.readInteger(as: UInt64.self), let last = c.readInteger(as: UInt32.self) else {
                return truncated(&p)
            }
            guard word >> 60 == 2 else { return badVersion(&p) }
            if last & 1 != 0 {
                guard c.skip(platformSubheaderLength) else { return truncated(&p) }
            }
            guard p.enterTunnel(.erspanIII, id: UInt32(truncatingIfNeeded: word >> 32) & 0x3ff) else { return .done }
            let frameType = (last >> 10) & 0x1f
            switch frameType {
            case 0: return .ethernet
            case 2: return .ipByVersion
            default:
                p.outcome = .notIP
                p.markNotVerified(.erspanFrameType, frameType)
                return .done
            }
        default:
            guard p.enterTunnel(.erspanI) else { return .done }
            return .ethernet
        }
    }

    @inlinable
    static func truncated(_ p: inout DecodedPacket) -> NextLayer {
        p.markMalformed(.erspanTruncated)
        return .done
    }

    @inlinable
    static func badVersion(_ p: inout DecodedPacket) -> NextLayer {
        p.markMalformed(.erspanBadVersion)
        return .done
    }
}
