// MPLS label stack (RFC 3032), 4 bytes an entry, after EtherType 0x8847 (unicast) or 0x8848 (multicast),
// GRE protocol type 0x8847, or PPP protocol 0x0281:
//
//    0                   1                   2                   3
//    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |                Label                  | TC  |S|      TTL      |
//   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   |   ... more entries until S (bottom of stack) is set
//
// The stack does not say what it carries; after the bottom entry the first nibble does (RFC 4385):
// 4 IPv4, 6 IPv6, 1 the associated channel (OAM: no IP), 0 an Ethernet pseudowire (RFC 4448) after a
// control word. Another nibble is not verified. A pseudowire without a control word whose destination MAC
// starts with 1 starts with nibble 1 too: a sane Ethernet reading (or a plausible one where the bytes are
// not an associated channel header: version 0, reserved 0) is taken, and neither is not verified. The
// bottom label (a VPN or service label) is the layer's id for the alert; it is not part of a flow (labels
// change hop by hop).
//
//   Control word:  |0 0 0 0| Flags |FRG|  Length   |        Sequence number        |
//
// The control word is optional (RFC 4448), and an Ethernet pseudowire without one whose destination MAC
// starts with 0x0_ (00:… vendor OUIs, every 02:… MAC) starts with nibble 0 as well. As Wireshark does, the
// Ethernet header is read both ways and the saner reading wins; a control word must also have its flags
// and fragment bits clear and a length of 0 or one that fits (RFC 4385). A reading is sane when its source
// MAC is unicast and its EtherType (after any VLAN tags) is one a frame carries, most of all when an IPv4,
// IPv6 or ARP header with the right version or hardware type follows. When neither reading is sane, or
// both are equally, the frame is not verified (`mplsPseudowire`): it is never judged 4 bytes off.
//
// Nibbles 4 and 6 are ambiguous the same way: a pseudowire without a control word whose destination MAC
// starts with 4 or 6 (48:0f:cf, 60:…, 6c:… vendor OUIs) reads as IP. The IP header is then weighed against
// the Ethernet one, on the bytes captured (a packet longer than the snapshot length is still IP): an IPv4
// header captured whole with the right checksum is all but certain and always wins; an IPv6 header whose
// next header is one IP carries is sane. The saner reading wins, an IPv6 header as sane as the Ethernet
// reading is not verified, and otherwise the IP reading stands (its anomaly names any fault, as before).

/// Decodes an MPLS label stack and chooses its payload.
public enum MPLSDecoder {
    public static let entryLength = 4
    public static let controlWordLength = 4
    public static let bottomOfStack: UInt32 = 0x100

    /// Reads the stack into a tunnel layer of `p` and returns the payload's layer; `.done` when malformed
    /// (`mplsTruncated`, or too deep), without IP (associated channel) or not verified.
    @inlinable
    public static func decode(_ c: inout ByteCursor, into p: inout DecodedPacket) -> NextLayer {
        var entry: UInt32 = 0
        repeat {
            guard let e = c.readInteger(as: UInt32.self) else {
                p.markMalformed(.mplsTruncated)
                return .done
            }
            entry = e
        } while entry & bottomOfStack == 0
        guard p.enterTunnel(.mpls, id: entry >> 12) else { return .done }
        guard let first = c.peekInteger(as: UInt8.self) else {
            p.markMalformed(.mplsTruncated)
            return .done
        }
        switch first >> 4 {
        case 4, 6:
            let ip = ipScore(c, version: first >> 4)
            let ethernet = ethernetScore(c, at: 0)
            if ethernet > ip { return .ethernet }
            if ethernet == ip && ip == 2 {
                p.outcome = .notIP
                p.markNotVerified(.mplsPseudowire, 2)
                return .done
            }
            return first >> 4 == 4 ? .ipv4 : .ipv6
        case 0:
            return pseudowire(&c, into: &p)
        case 1:
            // The associated channel (OAM), or a pseudowire without a control word whose destination MAC
            // starts with 1 (10:…, 14:…, 18:… vendor OUIs): an ACH has version 0 and reserved bits 0.
            let ethernet = ethernetScore(c, at: 0)
            let channel = first == 0x10 && c.peekInteger(at: 1, as: UInt8.self) == 0
            if ethernet >= 2 || (ethernet > 0 && !channel) { return .ethernet }
            p.outcome = .notIP
            if !channel { p.markNotVerified(.mplsPayload, 1) }
            return .done
        default:
            p.outcome = .notIP
            p.markNotVerified(.mplsPayload, UInt32(first >> 4))
            return .done
        }
    }

    /// An Ethernet pseudowire, with or without a control word: `.ethernet` with `c` at the frame chosen by
    /// the saner reading, or `.done` when none can be chosen (not verified) or the bytes run out.
    @inlinable
    static func pseudowire(_ c: inout ByteCursor, into p: inout DecodedPacket) -> NextLayer {
        guard let word = c.peekInteger(as: UInt32.self) else {
            p.markMalformed(.mplsTruncated)
            return .done
        }
        let plain = ethernetScore(c, at: 0)
        guard c.readableBytes >= controlWordLength + EthernetDecoder.headerLength else {
            // No Ethernet header fits after a control word: without one, or cut short.
            if plain > 0 { return .ethernet }
            p.markMalformed(.linkTruncated)
            return .done
        }
        let length = Int(word >> 16 & 0x3f)
        let controlWord =
            word & 0x0fc0_0000 == 0
            && (length == 0
                || (length >= controlWordLength + EthernetDecoder.headerLength && length <= c.readableBytes))
        let afterWord = controlWord ? ethernetScore(c, at: controlWordLength) : 0
        if afterWord > plain {
            _ = c.skip(controlWordLength)
            return .ethernet
        }
        if plain > afterWord { return .ethernet }
        p.outcome = .notIP
        p.markNotVerified(.mplsPseudowire, plain == 0 ? 0 : 1)
        return .done
    }

    /// How sane the IP header at the cursor looks, on the scale of `ethernetScore`, judged on the bytes
    /// captured (the snapshot length may have cut the packet): 0 not (its header length is too small, or its
    /// total length shorter than its header), 1 plausible, 2 sane (IPv6: its payload fits the bytes captured
    /// and its next header is one IP carries), 3 all but certain (IPv4: its header captured whole, with the
    /// right checksum).
    @inlinable
    static func ipScore(_ c: ByteCursor, version: UInt8) -> Int {
        if version == 4 {
            guard let first = c.peekInteger(as: UInt8.self), let total = c.peekInteger(at: 2, as: UInt16.self)
            else { return 0 }
            let header = Int(first & 0x0f) &* 4
            guard header >= 20, Int(total) >= header else { return 0 }
            guard header <= c.readableBytes else { return 1 }
            return ipv4ChecksumRight(c, at: 0, header: header) ? 3 : 1
        }
        // An IPv6 header has no checksum: sane only when its payload fits the bytes captured and its next
        // header is one IP carries. A payload past them (a cut packet, or an Ethernet frame misread) is
        // plausible only, and a sane Ethernet reading wins over it.
        guard let payload = c.peekInteger(at: 4, as: UInt16.self), let next = c.peekInteger(at: 6, as: UInt8.self)
        else { return 1 }
        guard Int(payload) &+ 40 <= c.readableBytes else { return 1 }
        switch next {
        case 0, 4, 6, 17, 41, 43, 44, 47, 50, 51, 58, 59, 60, 132, 135, 139, 140: return 2
        default: return 1
        }
    }

    /// Whether the IPv4 header of `header` bytes at `offset` is captured whole and its checksum is right.
    @inlinable
    static func ipv4ChecksumRight(_ c: ByteCursor, at offset: Int, header: Int) -> Bool {
        guard offset &+ header <= c.readableBytes else { return false }
        var sum: UInt32 = 0
        var at = offset
        while at < offset &+ header {
            sum &+= UInt32(c.peekInteger(at: at, as: UInt16.self) ?? 0)
            at &+= 2
        }
        while sum > 0xffff { sum = (sum & 0xffff) &+ (sum >> 16) }
        return sum == 0xffff
    }

    /// How sane an Ethernet header at `offset` looks: 0 not (too short, a group source MAC, an EtherType
    /// no frame carries, a contradicting header after it), 1 plausible (a known EtherType, an LLC header,
    /// or the bytes run out after the EtherType), 2 sane (an IPv4, IPv6 or ARP header of the right version
    /// or hardware type follows), 3 all but certain (an IPv4 header with the right checksum follows).
    @inlinable
    static func ethernetScore(_ c: ByteCursor, at offset: Int) -> Int {
        guard let source = c.peekInteger(at: offset &+ 6, as: UInt8.self),
            var type = c.peekInteger(at: offset &+ 12, as: UInt16.self), source & 1 == 0
        else { return 0 }
        var at = offset &+ EthernetDecoder.headerLength
        var tags = 0
        while type == EtherType.vlan || type == EtherType.qinq || type == EtherType.qinqLegacy {
            guard tags < 8 else { return 0 }
            guard let next = c.peekInteger(at: at &+ 2, as: UInt16.self) else { return 1 }
            type = next
            at &+= 4
            tags &+= 1
        }
        switch type {
        case EtherType.ipv4:
            guard let first = c.peekInteger(at: at, as: UInt8.self) else { return 1 }
            guard first >> 4 == 4 && first & 0x0f >= 5 else { return 0 }
            // An IPv4 header captured whole with the right checksum after the EtherType: all but certain.
            return ipv4ChecksumRight(c, at: at, header: Int(first & 0x0f) &* 4) ? 3 : 2
        case EtherType.ipv6:
            guard let first = c.peekInteger(at: at, as: UInt8.self) else { return 1 }
            return first >> 4 == 6 ? 2 : 0
        case EtherType.arp:
            guard let hardware = c.peekInteger(at: at, as: UInt16.self) else { return 1 }
            return hardware == 1 ? 2 : 0
        case 0...2:
            return 0
        case 3...EtherType.maximumLength:
            // An LLC header: DSAP and SSAP of a protocol seen in frames (SNAP, STP, IS-IS, NetBIOS, IPX),
            // the same apart from the individual/group and command/response bits.
            guard let saps = c.peekInteger(at: at, as: UInt16.self) else { return 1 }
            let dsap = UInt8(truncatingIfNeeded: saps >> 8) & 0xfe
            let ssap = UInt8(truncatingIfNeeded: saps) & 0xfe
            guard dsap == ssap else { return 0 }
            switch dsap {
            case 0xaa, 0x42, 0xfe, 0xf0, 0xe0, 0x06: return 1
            default: return 0
            }
        case EtherType.mplsUnicast, EtherType.mplsMulticast, EtherType.pppoeDiscovery, EtherType.pppoeSession,
            EtherType.eTag, EtherType.vnTag, EtherType.hsr:
            return 1
        default:
            return EtherType.carriesNoIP(type) ? 1 : 0
        }
    }
}
