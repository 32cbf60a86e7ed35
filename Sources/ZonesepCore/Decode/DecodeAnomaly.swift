/// Kinds of malformed or unusable input, counted in the summary (after Suricata's decode events).
///
/// A packet gets at most one anomaly: the first problem found stops its decoding.
public enum DecodeAnomaly: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case linkTruncated = 0
    case vlanTruncated
    case vlanTooManyTags
    case ipv4Truncated
    case ipv4BadVersion
    case ipv4BadHeaderLength
    case ipv4BadTotalLength
    case ipv6Truncated
    case ipv6BadVersion
    case ipv6ExtensionTruncated
    case ipv6TooManyExtensions
    case tcpTruncated
    case tcpBadHeaderLength
    case udpTruncated
    case udpBadLength
    case icmpTruncated
    case icmpv6Truncated
    case fragmentOrphan
    case unknownAddressFamily
    case captureTruncated
    case encapsulationTooDeep
    case eTagTruncated
    case vnTagTruncated
    case mplsTruncated
    case pppoeTruncated
    case pppoeBadHeader
    case pppTruncated
    case greTruncated
    case greBadVersion
    case erspanTruncated
    case erspanBadVersion
    case vxlanTruncated
    case geneveTruncated
    case geneveBadVersion
    case sctpTruncated
    case arpTruncated
    case neighborAdvertisementTruncated
    /// A packet time no RFC 3339 text can hold (before year 0000 or after 9999, see `PacketTime`): counted
    /// by the capture reader, never by the decoder; the packet is not judged.
    case timestampOutOfRange
    case llcTruncated
    case etheripTruncated
    case etheripBadVersion
    /// An IPv4 packet that ends inside an Authentication Header (IPv6's is `ipv6ExtensionTruncated`).
    case ahTruncated
    /// A frame or GRE packet that ends inside a Cisco MetaData (TrustSec SGT) header.
    case cmdTruncated
    /// A frame that ends inside an HSR tag.
    case hsrTruncated

    /// The kind's name in the summary's `anomalies` object.
    public var name: String {
        switch self {
        case .linkTruncated: return "link-truncated"
        case .vlanTruncated: return "vlan-truncated"
        case .vlanTooManyTags: return "vlan-too-many-tags"
        case .ipv4Truncated: return "ipv4-truncated"
        case .ipv4BadVersion: return "ipv4-bad-version"
        case .ipv4BadHeaderLength: return "ipv4-bad-header-length"
        case .ipv4BadTotalLength: return "ipv4-bad-total-length"
        case .ipv6Truncated: return "ipv6-truncated"
        case .ipv6BadVersion: return "ipv6-bad-version"
        case .ipv6ExtensionTruncated: return "ipv6-extension-truncated"
        case .ipv6TooManyExtensions: return "ipv6-too-many-extensions"
        case .tcpTruncated: return "tcp-truncated"
        case .tcpBadHeaderLength: return "tcp-bad-header-length"
        case .udpTruncated: return "udp-truncated"
        case .udpBadLength: return "udp-bad-length"
        case .icmpTruncated: return "icmp-truncated"
        case .icmpv6Truncated: return "icmpv6-truncated"
        case .fragmentOrphan: return "fragment-orphan"
        case .unknownAddressFamily: return "unknown-address-family"
        case .captureTruncated: return "capture-truncated"
        case .encapsulationTooDeep: return "encapsulation-too-deep"
        case .eTagTruncated: return "etag-truncated"
        case .vnTagTruncated: return "vntag-truncated"
        case .mplsTruncated: return "mpls-truncated"
        case .pppoeTruncated: return "pppoe-truncated"
        case .pppoeBadHeader: return "pppoe-bad-header"
        case .pppTruncated: return "ppp-truncated"
        case .greTruncated: return "gre-truncated"
        case .greBadVersion: return "gre-bad-version"
        case .erspanTruncated: return "erspan-truncated"
        case .erspanBadVersion: return "erspan-bad-version"
        case .vxlanTruncated: return "vxlan-truncated"
        case .geneveTruncated: return "geneve-truncated"
        case .geneveBadVersion: return "geneve-bad-version"
        case .sctpTruncated: return "sctp-truncated"
        case .arpTruncated: return "arp-truncated"
        case .neighborAdvertisementTruncated: return "nd-advertisement-truncated"
        case .timestampOutOfRange: return "timestamp-out-of-range"
        case .llcTruncated: return "llc-truncated"
        case .etheripTruncated: return "etherip-truncated"
        case .etheripBadVersion: return "etherip-bad-version"
        case .ahTruncated: return "ah-truncated"
        case .cmdTruncated: return "cmd-truncated"
        case .hsrTruncated: return "hsr-truncated"
        }
    }

    public var description: String { name }
}
