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
// id for the alert and never splits a flow: one connection mirrored by two sessions is one flow.
//
// The VLAN field is the frame's original VLAN. Type II's En says how the source port carried it: 0
// untagged (the field is then the port's VLAN), 1 ISL and 2 802.1Q (the switch took the tag off the
// frame and put its id here), 3 the tag kept in the frame (the field undefined). With En 1 or 2 and an
// untagged mirrored frame, the field is the frame's own tag: it becomes the frame's outermost own VLAN,
// as if the tag were still in it (a tag the frame does carry wins). Type III has BSO in En's place and
// nothing that says whether the tag was kept: its VLAN field is not used, nor type II's with En 0 or 3.

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
            let first = UInt32(truncatingIfNeeded: word >> 32)
            guard p.enterTunnel(.erspanII, id: first & 0x3ff) else { return .done }
            if let vlan = removedTag(first), let type = c.peekInteger(at: 12, as: UInt16.self),
                !VLANDecoder.isTag(type)
            {
                p.vlanIDs[0] = vlan
                p.vlanCount = 1
            }
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

    /// The VLAN id the switch took off the mirrored frame, from a type II header's first word: its VLAN
    /// field when En is 1 (ISL) or 2 (802.1Q), nil otherwise.
    @inlinable @inline(__always)
    public static func removedTag(_ first: UInt32) -> UInt16? {
        let encapsulation = first >> 11 & 0x3
        guard encapsulation == 1 || encapsulation == 2 else { return nil }
        return UInt16(truncatingIfNeeded: first >> 16) & 0x0fff
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
