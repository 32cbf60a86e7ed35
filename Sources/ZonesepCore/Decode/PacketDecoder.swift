// One pass over a frame, outermost header first. Each layer's decoder reads its header through a
// bounds-checked ByteCursor and names the next layer; the loop below hands it on, so the dispatch reads
// like the protocol stack:
//
//   link type ─┬─ EN10MB ─────────────────── Ethernet ─┐
//              ├─ LINUX_SLL, LINUX_SLL2, NULL, LOOP ───┤
//              ├─ C_HDLC ──────────────────────────────┤
//              ├─ PPP, PPP_HDLC ─ PPP protocol ───────────────────────────────┐
//              ├─ RAW ─ version nibble ─────────────────────────────────────┐ │
//              └─ IPV4, IPV6 ───────────────────────────────────────────────┤ │
//                                                                           │ │
//   EtherType ─┬─ 0x8100 0x88a8 0x9100 VLAN tag (up to 8) ─ EtherType       │ │
//              ├─ 0x893f E-tag, 0x8926 VN-tag ──────────── EtherType        │ │
//              ├─ 0x8909 Cisco MetaData (TrustSec SGT) ─── EtherType        │ │
//              ├─ 0x8847 0x8848 MPLS labels ─ nibble: 4/6 IP, 0 CW Ethernet │ │
//              ├─ 0x8864 PPPoE session ─ PPP protocol: 0x0021, 0x0057, MPLS ◄─┘
//              ├─ 0x0800 IPv4, 0x86dd IPv6 ◄────────────────────────────────┘
//              ├─ 0x0806 ARP: the sender's MAC and address (no IP)
//              ├─ ≤ 1500 (802.3 length) LLC ─ SNAP, OUI 0 or 0xf8: EtherType; other LLC: no IP
//              └─ other: no IP (LLDP, ...) or not verified
//
//   IP protocol ─┬─ 6 TCP, 17 UDP, 132 SCTP: ports ─ UDP to a VXLAN port: VXLAN ─ Ethernet
//   (after IPv4  │                                   UDP to a Geneve port: Geneve ─ Ethernet, IPv4, IPv6
//    AH headers) │                                   UDP to 6635: MPLS in UDP ─ MPLS labels
//                ├─ 1 ICMP, 58 ICMPv6: type, code, echo id, quoted packet; 136 the advertised target
//                ├─ 4 IPv4, 41 IPv6: IP in IP
//                ├─ 47 GRE ─ protocol type: IPv4, IPv6, MPLS, 0x6558 Ethernet, 0x88be ERSPAN I/II,
//                │                          0x22eb ERSPAN III ─ Ethernet (or IP); 0x8909 Cisco MetaData ─
//                │                          protocol type; 0 empty (keepalive), CDP, ...: no IP; other:
//                │                          not verified
//                ├─ 97 EtherIP ─ Ethernet
//                ├─ 137 MPLS in IP ─ MPLS labels
//                ├─ 143 Ethernet (SRv6 layer 2) ─ Ethernet
//                └─ other (ESP, OSPF, L2TPv3, ...): no ports
//
// Every tunnel, E-tag, VN-tag, Cisco MetaData and SNAP header counts toward a depth of `DecodedPacket.maximumDepth` (8); one more is
// `encapsulationTooDeep`. Entering a tunnel records it and clears the outer packet's fields, so what is
// left at the end is the innermost packet (DecodedPacket).
//
// Outcomes: `.ip` (decoded to the transport header, or a protocol without ports), `.ipFragment` (a
// non-first fragment: addresses and protocol only), `.notIP` (ARP, LLDP, ...: no anomaly) and
// `.malformed` with exactly one anomaly, the first problem met; `notVerified` names a header not opened.

/// The entry point of the decoders: frame bytes in, a filled `DecodedPacket` out. Allocation-free.
public enum PacketDecoder {
    /// Decodes one frame of `linkType` into `packet` (reset first), with UDP tunnels on the standard
    /// ports. Never traps.
    @inlinable
    public static func decode(_ bytes: UnsafeRawBufferPointer, linkType: LinkType, into packet: inout DecodedPacket) {
        decode(bytes, linkType: linkType, tunnelPorts: .standard, into: &packet)
    }

    /// Decodes one frame of `linkType` into `packet` (reset first), decoding UDP datagrams to `tunnelPorts`
    /// as VXLAN or Geneve. Never traps.
    @inlinable
    public static func decode(
        _ bytes: UnsafeRawBufferPointer, linkType: LinkType, tunnelPorts: TunnelPorts,
        into packet: inout DecodedPacket
    ) {
        packet.reset()
        var c = ByteCursor(bytes)
        let first: NextLayer
        switch linkType {
        case .ethernet:
            first = .ethernet
        case .linuxSLL:
            guard let type = LinuxSLLDecoder.decode(&c, into: &packet) else { return }
            first = .etherType(type)
        case .linuxSLL2:
            guard let type = LinuxSLL2Decoder.decode(&c, into: &packet) else { return }
            first = .etherType(type)
        case .null:
            guard let type = NullLoopDecoder.decodeNull(&c, into: &packet) else { return }
            first = .etherType(type)
        case .loop:
            guard let type = NullLoopDecoder.decodeLoop(&c, into: &packet) else { return }
            first = .etherType(type)
        case .ciscoHDLC:
            guard let type = CiscoHDLCDecoder.decode(&c, into: &packet) else { return }
            first = .etherType(type)
        case .ppp, .pppHDLC:
            first = PPPDecoder.decodeLink(&c, into: &packet)
        case .raw:
            guard c.readableBytes > 0 else {
                packet.markMalformed(.linkTruncated)
                return
            }
            first = .ipByVersion
        case .ipv4:
            first = .ipv4
        case .ipv6:
            first = .ipv6
        }
        decodeLayers(first, &c, tunnelPorts: tunnelPorts, into: &packet)
    }

    /// Decodes from `layer` on until a decoder says `.done`.
    @inlinable
    public static func decodeLayers(
        _ layer: NextLayer, _ c: inout ByteCursor, tunnelPorts: TunnelPorts, into p: inout DecodedPacket
    ) {
        var next = layer
        while true {
            switch next {
            case .ethernet:
                guard let type = EthernetDecoder.decode(&c, into: &p) else { return }
                next = .etherType(type)
            case .etherType(let type):
                next = afterEtherType(type, &c, into: &p)
            case .ipv4:
                guard var payload = IPv4Decoder.decode(&c, into: &p) else { return }
                next = afterIPProtocol(&payload, tunnelPorts: tunnelPorts, into: &p)
                c = payload
            case .ipv6:
                guard var payload = IPv6Decoder.decode(&c, into: &p) else { return }
                next = afterIPProtocol(&payload, tunnelPorts: tunnelPorts, into: &p)
                c = payload
            case .ipByVersion:
                next = byVersion(c, into: &p)
            case .mpls:
                next = MPLSDecoder.decode(&c, into: &p)
            case .done:
                return
            }
        }
    }

    /// EtherType → tag, MPLS, PPPoE, IP; or the end: no IP inside, or not verified.
    @inlinable
    public static func afterEtherType(_ type: UInt16, _ c: inout ByteCursor, into p: inout DecodedPacket) -> NextLayer {
        switch type {
        case EtherType.ipv4: return .ipv4
        case EtherType.ipv6: return .ipv6
        case EtherType.vlan, EtherType.qinq, EtherType.qinqLegacy:
            guard let next = VLANDecoder.decode(&c, etherType: type, into: &p) else { return .done }
            return .etherType(next)
        case EtherType.eTag:
            guard p.enterLayer(), let next = ETagDecoder.decode(&c, into: &p) else { return .done }
            return .etherType(next)
        case EtherType.vnTag:
            guard p.enterLayer(), let next = VNTagDecoder.decode(&c, into: &p) else { return .done }
            return .etherType(next)
        case EtherType.hsr:
            guard p.enterLayer(), let next = HSRDecoder.decode(&c, into: &p) else { return .done }
            return .etherType(next)
        case CiscoMetaDataDecoder.etherType:
            guard p.enterLayer(), let next = CiscoMetaDataDecoder.decode(&c, into: &p) else { return .done }
            return .etherType(next)
        case EtherType.mplsUnicast, EtherType.mplsMulticast:
            return .mpls
        case EtherType.pppoeSession:
            return PPPoEDecoder.decode(&c, into: &p)
        case EtherType.arp:
            ARPDecoder.decode(&c, into: &p)
            return .done
        case 1...EtherType.maximumLength:  // 0: EtherType.none, a link decoder's "no IP"
            return LLCSNAPDecoder.decode(&c, into: &p)
        default:
            p.outcome = .notIP
            if !EtherType.carriesNoIP(type) { p.markNotVerified(.etherType, UInt32(type)) }
            return .done
        }
    }

    /// IP protocol → transport header (the end), or a tunnel: IP in IP, GRE, EtherIP, MPLS in IP, VXLAN,
    /// Geneve or MPLS by UDP port. `c` is the IP payload; `p.proto` the protocol after any IPv6 extension
    /// headers (IPv4's Authentication Headers are walked here).
    @inlinable
    public static func afterIPProtocol(
        _ c: inout ByteCursor, tunnelPorts: TunnelPorts, into p: inout DecodedPacket
    ) -> NextLayer {
        // IPv4's Authentication Headers (IPv6's are walked with its extension headers): signed, not
        // encrypted, so the protocol after them is the packet's.
        if p.proto == IPProtocolNumber.ah && p.ipVersion == 4 {
            guard AuthenticationHeaderDecoder.decode(&c, into: &p) else { return .done }
        }
        switch p.proto {
        case IPProtocolNumber.tcp:
            if TCPDecoder.decode(&c, into: &p) { p.outcome = .ip }
            return .done
        case IPProtocolNumber.udp:
            guard UDPDecoder.decode(&c, into: &p) else { return .done }
            switch tunnelPorts.kind(ofDestination: p.dstPort) {
            case .vxlan?: return VXLANDecoder.decode(&c, into: &p)
            case .geneve?: return GeneveDecoder.decode(&c, into: &p)
            case nil:
                if p.dstPort == MPLSInUDPDecoder.port { return MPLSInUDPDecoder.decode(&c, into: &p) }
                p.outcome = .ip
                return .done
            }
        case IPProtocolNumber.icmp where p.ipVersion == 4:
            if ICMPDecoder.decode(&c, into: &p) { p.outcome = .ip }
            return .done
        case IPProtocolNumber.icmpv6 where p.ipVersion == 6:
            if ICMPv6Decoder.decode(&c, into: &p) { p.outcome = .ip }
            return .done
        case IPProtocolNumber.sctp:
            if SCTPDecoder.decode(&c, into: &p) { p.outcome = .ip }
            return .done
        case IPProtocolNumber.ipv4InIP:
            return p.enterTunnel(.ipip) ? .ipv4 : .done
        case IPProtocolNumber.ipv6InIP:
            return p.enterTunnel(.ipip) ? .ipv6 : .done
        case IPProtocolNumber.gre:
            return GREDecoder.decode(&c, into: &p)
        case IPProtocolNumber.etherIP:
            return EtherIPDecoder.decode(&c, into: &p)
        case IPProtocolNumber.mplsInIP:
            return MPLSInIPDecoder.decode(&c, into: &p)
        case IPProtocolNumber.ethernet:
            return SRv6L2Decoder.decode(&c, into: &p)
        default:
            p.outcome = .ip
            return .done
        }
    }

    /// Raw IP: the version nibble chooses IPv4 or IPv6; another version is `unknownAddressFamily`, and no
    /// byte at all `linkTruncated`.
    @inlinable
    public static func byVersion(_ c: ByteCursor, into p: inout DecodedPacket) -> NextLayer {
        guard let first = c.peekInteger(as: UInt8.self) else {
            p.markMalformed(.linkTruncated)
            return .done
        }
        switch first >> 4 {
        case 4: return .ipv4
        case 6: return .ipv6
        default:
            p.markMalformed(.unknownAddressFamily)
            return .done
        }
    }
}
