// GRE (RFC 2784, with the key and sequence number of RFC 2890), IP protocol 47, 4 to 16 bytes:
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |C|R|K|S|s|Recur|A| Flags | Ver |         Protocol Type         |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |      Checksum (optional)      |       Offset (optional)       |   C or R
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                         Key (optional)                        |   K
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                 Sequence Number (optional)                    |   S
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |  Acknowledgment Number (version 1 with A)  |  Routing (R, RFC 1701): SREs, ended by a null SRE
//
// Version 0 is GRE proper; version 1 is PPTP's enhanced GRE (RFC 2637: key = payload length and call id,
// A = acknowledgment present), whose PPP payload (0x880b) is not decoded. A Source Route Entry is an
// address family (2 bytes), an offset (1) and a length (1) followed by that many bytes.
//
// The payload by protocol type: 0x0800 IPv4, 0x86dd IPv6, 0x8847/0x8848 MPLS, 0x6558 an Ethernet frame
// (transparent Ethernet bridging, NVGRE), 0x88be ERSPAN type I or II, 0x22eb ERSPAN type III. A key on a
// tunnel of the first four names a virtual network (NVGRE's VSID, a VRF's tunnel key): it becomes the
// packet's VNI. 0x8909 is Cisco MetaData (TrustSec's SGT, CiscoMetaDataDecoder), which names the protocol
// type that follows it. Protocol type 0 with nothing after the header is a keepalive (Cisco's `keepalive`:
// the router sends a GRE packet addressed back to itself inside the tunnel, and this is what comes back),
// and a protocol type that is an EtherType known to carry no IP (0x2000 CDP, ARP, LLDP, ...:
// `EtherType.carriesNoIP`) holds no IP, as on Ethernet. Another protocol type is not verified, and the
// packet is judged as the GRE packet it is.

/// Decodes a GRE header and chooses its payload.
public enum GREDecoder {
    public static let checksumPresent: UInt16 = 0x8000
    public static let routingPresent: UInt16 = 0x4000
    public static let keyPresent: UInt16 = 0x2000
    public static let sequencePresent: UInt16 = 0x1000
    public static let acknowledgmentPresent: UInt16 = 0x0080

    public static let transparentEthernet: UInt16 = 0x6558
    public static let erspan: UInt16 = 0x88be
    public static let erspanIII: UInt16 = 0x22eb
    public static let mplsUnicast: UInt16 = 0x8847
    public static let mplsMulticast: UInt16 = 0x8848
    /// A keepalive's protocol type, with nothing after the header.
    public static let keepalive: UInt16 = 0

    /// Decodes the GRE header at `c` (the payload of the IP packet in `p`) and returns the payload's layer,
    /// having entered the tunnel; `.done` when malformed (`greTruncated`, `greBadVersion`), too deep, or of
    /// a protocol type not decoded (then `p` stays the outer GRE packet, judged as such, and not verified).
    @inlinable
    public static func decode(_ c: inout ByteCursor, into p: inout DecodedPacket) -> NextLayer {
        guard let header = c.readInteger(as: UInt32.self) else { return truncated(&p) }
        let flags = UInt16(truncatingIfNeeded: header >> 16)
        var type = UInt16(truncatingIfNeeded: header)
        let version = flags & 0x7
        guard version <= 1 else {
            p.markMalformed(.greBadVersion)
            return .done
        }
        if flags & (checksumPresent | routingPresent) != 0 {
            guard c.skip(4) else { return truncated(&p) }
        }
        var key: UInt32? = nil
        if flags & keyPresent != 0 {
            guard let k = c.readInteger(as: UInt32.self) else { return truncated(&p) }
            key = k
        }
        if flags & sequencePresent != 0 {
            guard c.skip(4) else { return truncated(&p) }
        }
        if version == 1 && flags & acknowledgmentPresent != 0 {
            guard c.skip(4) else { return truncated(&p) }
        }
        if flags & routingPresent != 0 {
            while true {
                guard let sre = c.readInteger(as: UInt32.self) else { return truncated(&p) }
                let family = sre >> 16
                let length = Int(sre & 0xff)
                if family == 0 && length == 0 { break }
                guard c.skip(length) else { return truncated(&p) }
            }
        }
        if version == 1 { key = nil }  // PPTP's key field is a length and a call id, not a network
        if type == CiscoMetaDataDecoder.etherType {
            guard p.enterLayer(), let next = CiscoMetaDataDecoder.decodeInGRE(&c, into: &p) else { return .done }
            type = next
        }
        switch type {
        case EtherType.ipv4, EtherType.ipv6, mplsUnicast, mplsMulticast, transparentEthernet:
            guard p.enterTunnel(.gre, id: key) else { return .done }
            if let k = key { p.setVNI(k) }
            switch type {
            case EtherType.ipv4: return .ipv4
            case EtherType.ipv6: return .ipv6
            case transparentEthernet: return .ethernet
            default: return .mpls
            }
        case erspan:
            return ERSPANDecoder.decode(&c, type: flags & sequencePresent != 0 ? .erspanII : .erspanI, into: &p)
        case erspanIII:
            return ERSPANDecoder.decode(&c, type: .erspanIII, into: &p)
        default:
            // A keepalive, CDP, ...: no IP inside, and the GRE packet's endpoints are a tunnel's, not judged.
            let holdsNoIP =
                type == keepalive ? c.readableBytes == 0 : type > EtherType.maximumLength && EtherType.carriesNoIP(type)
            if holdsNoIP {
                p.clearNetworkLayer()
                p.outcome = .notIP
                return .done
            }
            p.outcome = .ip
            p.markNotVerified(.greProtocol, UInt32(type))
            return .done
        }
    }

    @inlinable
    static func truncated(_ p: inout DecodedPacket) -> NextLayer {
        p.markMalformed(.greTruncated)
        return .done
    }
}
