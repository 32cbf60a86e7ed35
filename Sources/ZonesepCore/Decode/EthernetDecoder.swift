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
// An EtherType of 1500 or less is an 802.3 length: an LLC header follows (LLCSNAPDecoder), which holds IP
// only as SNAP with an EtherType (STP, CDP and other LLC frames hold none).
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
    public static let mplsUnicast: UInt16 = 0x8847
    public static let mplsMulticast: UInt16 = 0x8848
    public static let pppoeDiscovery: UInt16 = 0x8863
    public static let pppoeSession: UInt16 = 0x8864
    /// IEEE 802.1BR E-tag.
    public static let eTag: UInt16 = 0x893f
    /// IEC 62439-3 HSR tag (a redundancy ring's), before the frame's own EtherType.
    public static let hsr: UInt16 = 0x892f
    /// Cisco VN-tag.
    public static let vnTag: UInt16 = 0x8926
    /// Not an EtherType on the wire: what link decoders return for a frame that carries neither IPv4 nor IPv6.
    public static let none: UInt16 = 0
    /// The largest 802.3 length: a type field up to this is a length, and an LLC header follows.
    public static let maximumLength: UInt16 = 1500
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

extension EtherType {
    /// Whether a frame of `type` is known to carry no IP: an 802.3 length (LLC: STP, CDP, ...), or a
    /// protocol of the link itself. Any other EtherType that is not decoded is counted as not verified
    /// (MACsec, NSH, ... may hide IP).
    @inlinable
    public static func carriesNoIP(_ type: UInt16) -> Bool {
        if type <= 1500 { return true }
        switch type {
        case 0x0806,  // ARP
            0x8035,  // RARP, and Cisco HDLC's SLARP
            0x2000,  // CDP on Cisco HDLC
            0x0842,  // Wake-on-LAN
            0x22f0,  // AVTP (audio video bridging)
            0x6002, 0x6003, 0x6004,  // DEC MOP, DECnet, LAT
            0x809b, 0x80f3,  // AppleTalk, AARP
            0x8137, 0x8138,  // IPX
            0x8808,  // Ethernet flow control (PAUSE)
            0x8809,  // slow protocols (LACP, OAM)
            0x8863,  // PPPoE discovery
            0x886f,  // Microsoft network load balancing heartbeat
            0x888e,  // EAPOL (802.1X)
            0x8892,  // PROFINET
            0x8899,  // Realtek RRCP
            0x889a,  // HyperSCSI
            0x88a2,  // ATA over Ethernet
            0x88a4,  // EtherCAT
            0x88b8, 0x88b9, 0x88ba,  // IEC 61850 GOOSE, GSE, sampled values
            0x88cc,  // LLDP
            0x88d9,  // LLTD
            0x88e1,  // HomePlug AV
            0x88e3,  // MRP (media redundancy)
            0x88f5, 0x88f6,  // MVRP, MMRP
            0x88f7,  // PTP
            0x88fb,  // PRP supervision
            0x8902,  // CFM (802.1ag)
            0x8906, 0x8914,  // FCoE, FIP
            0x8915,  // RoCE
            0x893a,  // IEEE 1905.1
            0x9000:  // configuration test protocol (loopback)
            return true
        default:
            return false
        }
    }
}
