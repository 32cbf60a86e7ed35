// IEEE 802.1Q / 802.1ad VLAN tag, 4 bytes, following a TPID in the EtherType position:
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |  TPID (0x8100, 0x88a8, 0x9100)| PCP |D|        VLAN ID        |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |   EtherType (or next TPID)    |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// The TPID has already been read as the previous header's EtherType; this decoder reads the TCI
// (PCP, DEI, VID) and the next EtherType. Q-in-Q stacks two tags, outermost first; providers stack more
// (three is common behind a carrier's handoff), so up to eight are kept.

/// Decodes a stack of up to eight VLAN tags.
public enum VLANDecoder {
    /// Tags kept in `DecodedPacket.vlanIDs`; a ninth is `vlanTooManyTags`.
    public static let maximumTags = 8

    /// Whether `etherType` is a tag protocol identifier.
    @inlinable
    public static func isTag(_ etherType: UInt16) -> Bool {
        etherType == EtherType.vlan || etherType == EtherType.qinq || etherType == EtherType.qinqLegacy
    }

    /// While `etherType` is a TPID, reads one tag's VLAN id into `p` and the next EtherType. Returns the
    /// first EtherType that is not a tag (`etherType` itself when untagged), or nil with `vlanTruncated` or
    /// `vlanTooManyTags` recorded.
    @inlinable
    public static func decode(_ c: inout ByteCursor, etherType: UInt16, into p: inout DecodedPacket) -> UInt16? {
        var type = etherType
        while isTag(type) {
            guard p.vlanCount < maximumTags else {
                p.markMalformed(.vlanTooManyTags)
                return nil
            }
            guard let tag = c.readInteger(as: UInt32.self) else {  // TCI, then the next EtherType
                p.markMalformed(.vlanTruncated)
                return nil
            }
            let vid = UInt16(truncatingIfNeeded: tag >> 16) & 0x0fff
            p.vlanIDs[Int(p.vlanCount)] = vid
            p.vlanCount &+= 1
            type = UInt16(truncatingIfNeeded: tag)
        }
        return type
    }
}
