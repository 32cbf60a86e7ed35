/// The libpcap link types (LINKTYPE_* values, as stored in files) that the decoder understands.
public enum LinkType: Int32, Sendable, CaseIterable {
    /// BSD loopback: a 4-byte address family in the host order of the capturing machine.
    case null = 0
    case ethernet = 1
    /// PPP, with or without the HDLC-like address and control bytes (DLT_PPP).
    case ppp = 9
    /// PPP in HDLC-like framing, or Cisco HDLC when its first byte says so (DLT_PPP_SERIAL).
    case pppHDLC = 50
    /// Raw IP (DLT_RAW as stored in files: LINKTYPE_RAW = 101). libpcap reports DLT_RAW as 12 or 14 on some
    /// platforms; `init(dlt:)` maps those too.
    case raw = 101
    /// OpenBSD loopback: like `null` but the family is big-endian.
    case loop = 108
    /// Cisco HDLC (DLT_C_HDLC).
    case ciscoHDLC = 104
    case linuxSLL = 113
    case ipv4 = 228
    case ipv6 = 229
    case linuxSLL2 = 276

    /// Maps a value from `pcap_datalink`, which may be a platform DLT rather than a LINKTYPE.
    public init?(dlt: Int32) {
        switch dlt {
        case 12, 14: self = .raw
        default: self.init(rawValue: dlt)
        }
    }

    public var name: String {
        switch self {
        case .null: return "NULL"
        case .ethernet: return "EN10MB"
        case .ppp: return "PPP"
        case .pppHDLC: return "PPP_HDLC"
        case .ciscoHDLC: return "C_HDLC"
        case .raw: return "RAW"
        case .loop: return "LOOP"
        case .linuxSLL: return "LINUX_SLL"
        case .ipv4: return "IPV4"
        case .ipv6: return "IPV6"
        case .linuxSLL2: return "LINUX_SLL2"
        }
    }
}
