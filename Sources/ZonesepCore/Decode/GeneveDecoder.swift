// Geneve (RFC 8926), 8 bytes and options, in a UDP datagram to a port of `geneve_ports` (6081):
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |Ver|  Opt Len  |O|C|    Rsvd.  |          Protocol Type        |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |        Virtual Network Identifier (VNI)       |    Reserved   |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                    Variable-Length Options                    |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Ver is 0. Opt Len counts the options in 4-byte words (each option: class, type, length, data); they are
// skipped whole. O marks a control packet. The protocol type is an EtherType: 0x6558 an Ethernet frame,
// 0x0800 / 0x86dd an IP packet; another is not verified and the datagram is judged as the UDP it is.

/// Decodes a Geneve header and its options and enters its tunnel layer.
public enum GeneveDecoder {
    public static let headerLength = 8

    /// Returns the payload's layer, or `.done` when malformed (`geneveTruncated`, `geneveBadVersion`), too
    /// deep, or of a protocol type not decoded.
    @inlinable
    public static func decode(_ c: inout ByteCursor, into p: inout DecodedPacket) -> NextLayer {
        guard let header = c.readInteger(as: UInt64.self) else { return malformed(&p, .geneveTruncated) }
        guard header >> 62 == 0 else { return malformed(&p, .geneveBadVersion) }
        let optionBytes = Int(truncatingIfNeeded: header >> 56 & 0x3f) &* 4
        guard c.skip(optionBytes) else { return malformed(&p, .geneveTruncated) }
        let type = UInt16(truncatingIfNeeded: header >> 32)
        let next: NextLayer
        switch type {
        case GREDecoder.transparentEthernet: next = .ethernet
        case EtherType.ipv4: next = .ipv4
        case EtherType.ipv6: next = .ipv6
        default:
            p.outcome = .ip
            p.markNotVerified(.etherType, UInt32(type))
            return .done
        }
        let vni = UInt32(truncatingIfNeeded: header >> 8) & 0xff_ffff
        guard p.enterTunnel(.geneve, id: vni) else { return .done }
        p.setVNI(vni)
        return next
    }

    @inlinable
    static func malformed(_ p: inout DecodedPacket, _ anomaly: DecodeAnomaly) -> NextLayer {
        p.dropPorts()
        p.markMalformed(anomaly)
        return .done
    }
}
