// Linux "cooked" capture, version 1 (LINKTYPE_LINUX_SLL = 113), 16 bytes; used when capturing on the
// "any" device or on interfaces without a link header:
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |          Packet type          |    ARPHRD type (1 = Ethernet) |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |  Link-layer address length    |                               |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+                               +
//   |          Link-layer address of the sender (8 bytes,           |
//   +                               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |   zero-padded or truncated)   |     Protocol (EtherType)      |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Packet type: 0 to us, 1 broadcast, 2 multicast, 3 to another host, 4 sent by us. The destination MAC
// is not recorded. The protocol is an EtherType for the link types that carry IP (a VLAN TPID when
// libpcap re-inserted the tag), or up to 1500 a Linux pseudo-type (4: an LLC frame follows); for
// ARPHRD_NETLINK it is a netlink family, never IP.

/// ARPHRD_* values (linux/if_arp.h) the cooked decoders look at.
public enum ARPHRDType {
    public static let ethernet: UInt16 = 1
    public static let netlink: UInt16 = 824

    /// The EtherType to go on with for a cooked header's protocol. Values up to 1500 are not lengths there
    /// but Linux pseudo-types (linux/if_ether.h): ETH_P_802_2 (4) says an LLC header follows, handed on as
    /// an 802.3 length would be; any other (raw 802.3, CAN, ...) holds no IP.
    @inlinable
    static func etherType(ofCooked proto: UInt16, hatype: UInt16) -> UInt16 {
        if hatype == netlink { return EtherType.none }
        return proto > EtherType.maximumLength || proto == llcPseudoType ? proto : EtherType.none
    }

    /// ETH_P_802_2: the frame is an 802.2 LLC frame.
    public static let llcPseudoType: UInt16 = 4
}

/// Decodes the 16-byte Linux cooked header (v1).
public enum LinuxSLLDecoder {
    public static let headerLength = 16

    /// Records the sender's MAC (ARPHRD Ethernet with a 6-byte address) and returns the protocol as an
    /// EtherType, or nil with `linkTruncated` recorded.
    @inlinable
    public static func decode(_ c: inout ByteCursor, into p: inout DecodedPacket) -> UInt16? {
        guard let types = c.peekInteger(at: 0, as: UInt64.self),  // packet type, ARPHRD, length, address[0..<2]
            let address = c.peekInteger(at: 6, as: UInt64.self),
            let proto = c.peekInteger(at: 14, as: UInt16.self)
        else {
            p.markMalformed(.linkTruncated)
            return nil
        }
        c.skip(headerLength)
        let hatype = UInt16(truncatingIfNeeded: types >> 32)
        let addressLength = UInt16(truncatingIfNeeded: types >> 16)
        if hatype == ARPHRDType.ethernet && addressLength == 6 {
            p.srcMAC = MACAddress(rawValue: address >> 16)
        }
        return ARPHRDType.etherType(ofCooked: proto, hatype: hatype)
    }
}
