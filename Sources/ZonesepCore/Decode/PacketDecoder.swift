// One pass over a frame, outermost header first; each layer's decoder reads its header through a
// bounds-checked ByteCursor and hands the rest to the next:
//
//   EN10MB      Ethernet ─┐
//   LINUX_SLL   SLL v1  ──┼─ EtherType ─ [VLAN tag [VLAN tag]] ─┬─ 0x0800 IPv4 ─┐
//   LINUX_SLL2  SLL v2  ──┘                                     ├─ 0x86dd IPv6 ─┤ (extension headers)
//   NULL, LOOP  address family ─────────────────────────────────┤  other: notIP │
//   RAW         version nibble ─────────────────────────────────┤               │
//   IPV4, IPV6  ────────────────────────────────────────────────┘               │
//                         ┌─────────────────────────────────────────────────────┘
//                         └─ protocol ─┬─ 6 TCP, 17 UDP: ports (and TCP flags)
//                                      ├─ 1 ICMP, 58 ICMPv6: type, code, echo id, quoted packet
//                                      └─ other (GRE, ESP, OSPF, ...): no ports
//
// Outcomes: `.ip` (decoded to the transport header, or a protocol without ports), `.ipFragment` (a
// non-first fragment: addresses and protocol only), `.notIP` (ARP, LLDP, ...: no anomaly) and
// `.malformed` with exactly one anomaly, the first problem met.

/// The entry point of the decoders: frame bytes in, a filled `DecodedPacket` out. Allocation-free.
public enum PacketDecoder {
    /// Decodes one frame of `linkType` into `packet` (reset first). Never traps.
    @inlinable
    public static func decode(_ bytes: UnsafeRawBufferPointer, linkType: LinkType, into packet: inout DecodedPacket) {
        packet.reset()
        var c = ByteCursor(bytes)
        switch linkType {
        case .ethernet:
            guard let type = EthernetDecoder.decode(&c, into: &packet) else { return }
            decodeEtherType(type, &c, into: &packet)
        case .linuxSLL:
            guard let type = LinuxSLLDecoder.decode(&c, into: &packet) else { return }
            decodeEtherType(type, &c, into: &packet)
        case .linuxSLL2:
            guard let type = LinuxSLL2Decoder.decode(&c, into: &packet) else { return }
            decodeEtherType(type, &c, into: &packet)
        case .null:
            guard let type = NullLoopDecoder.decodeNull(&c, into: &packet) else { return }
            decodeEtherType(type, &c, into: &packet)
        case .loop:
            guard let type = NullLoopDecoder.decodeLoop(&c, into: &packet) else { return }
            decodeEtherType(type, &c, into: &packet)
        case .raw:
            decodeRawIP(&c, into: &packet)
        case .ipv4:
            IPv4Decoder.decode(&c, into: &packet)
        case .ipv6:
            IPv6Decoder.decode(&c, into: &packet)
        }
    }

    /// Decodes what follows a link header that named `etherType`: VLAN tags, then IPv4 or IPv6; any other
    /// EtherType is `.notIP`.
    @inlinable
    public static func decodeEtherType(_ etherType: UInt16, _ c: inout ByteCursor, into p: inout DecodedPacket) {
        guard let type = VLANDecoder.decode(&c, etherType: etherType, into: &p) else { return }
        switch type {
        case EtherType.ipv4: IPv4Decoder.decode(&c, into: &p)
        case EtherType.ipv6: IPv6Decoder.decode(&c, into: &p)
        default: p.outcome = .notIP
        }
    }

    /// Raw IP (LINKTYPE_RAW): the version nibble chooses IPv4 or IPv6; an empty frame is `linkTruncated`
    /// and another version `unknownAddressFamily`.
    @inlinable
    public static func decodeRawIP(_ c: inout ByteCursor, into p: inout DecodedPacket) {
        guard let first = c.peekInteger(as: UInt8.self) else {
            p.markMalformed(.linkTruncated)
            return
        }
        switch first >> 4 {
        case 4: IPv4Decoder.decode(&c, into: &p)
        case 6: IPv6Decoder.decode(&c, into: &p)
        default: p.markMalformed(.unknownAddressFamily)
        }
    }

    /// Decodes the transport header of protocol `p.proto` (TCP, UDP, and ICMP or ICMPv6 matching
    /// `p.ipVersion`) from `c`, bounded to the IP payload, and sets `outcome` to `.ip` unless malformed.
    @inlinable
    @discardableResult
    public static func decodeTransport(_ c: inout ByteCursor, into p: inout DecodedPacket) -> Bool {
        let ok: Bool
        switch p.proto {
        case IPProtocolNumber.tcp: ok = TCPDecoder.decode(&c, into: &p)
        case IPProtocolNumber.udp: ok = UDPDecoder.decode(&c, into: &p)
        case IPProtocolNumber.icmp where p.ipVersion == 4: ok = ICMPDecoder.decode(&c, into: &p)
        case IPProtocolNumber.icmpv6 where p.ipVersion == 6: ok = ICMPv6Decoder.decode(&c, into: &p)
        default: ok = true
        }
        if ok { p.outcome = .ip }
        return ok
    }
}
