import ZonesepCore

/// Lower-case protocol names for alerts (`tcp`, `udp`, `icmp`, `icmpv6`), or the IANA keyword / number.
public enum ProtocolName {
    public static func of(_ proto: UInt8) -> String {
        switch proto {
        case IPProtocolNumber.tcp: return "tcp"
        case IPProtocolNumber.udp: return "udp"
        case IPProtocolNumber.icmp: return "icmp"
        case IPProtocolNumber.icmpv6: return "icmpv6"
        case 2: return "igmp"
        case 4: return "ipip"
        case 41: return "ipv6"
        case 47: return "gre"
        case 50: return "esp"
        case 51: return "ah"
        case 89: return "ospf"
        case 103: return "pim"
        case 112: return "vrrp"
        case 132: return "sctp"
        default: return "ip-proto-\(proto)"
        }
    }

    /// Appends `of(proto)` to `out`: the common names as literals, with no `String` made.
    static func append(_ proto: UInt8, to out: inout [UInt8]) {
        func put(_ s: StaticString) { s.withUTF8Buffer { out.append(contentsOf: $0) } }
        switch proto {
        case IPProtocolNumber.tcp: put("tcp")
        case IPProtocolNumber.udp: put("udp")
        case IPProtocolNumber.icmp: put("icmp")
        case IPProtocolNumber.icmpv6: put("icmpv6")
        default: out.append(contentsOf: of(proto).utf8)
        }
    }
}
