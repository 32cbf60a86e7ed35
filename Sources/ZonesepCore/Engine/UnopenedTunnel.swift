/// Tunnels zonesep does not open, known by their well-known UDP port or their IP protocol: the outer flow
/// is judged, but what it carries is not, so such flows are counted for the coverage report (DESIGN.md,
/// "Coverage").
public enum UnopenedTunnel: Int, Sendable, CaseIterable {
    case l2tp
    case gtpU
    case teredo
    case vxlanGPE
    /// L2TPv3 straight over IP (RFC 3931): its cookie and sublayer are set per session, not said in the
    /// packet, so where the frame inside starts cannot be read from the packet alone.
    case l2tpv3IP
    /// CAPWAP data (RFC 5415): a wireless LAN controller's tunnel to its access points, carrying every
    /// client's frames, often behind DTLS.
    case capwap
    /// MPLS in UDP over DTLS (RFC 7510): encrypted, unlike MPLS in UDP on 6635, which is opened.
    case mplsUDPDTLS

    /// The IANA port the tunnel's endpoints listen on (UDP), or its IP protocol number (`l2tpv3IP`).
    public var port: UInt16 {
        switch self {
        case .l2tp: return 1701
        case .gtpU: return 2152
        case .teredo: return 3544
        case .vxlanGPE: return 4790
        case .l2tpv3IP: return UInt16(IPProtocolNumber.l2tpv3)
        case .capwap: return 5247
        case .mplsUDPDTLS: return 6636
        }
    }

    /// How the tunnel is known on the wire, for a person: "udp/1701", or "ip/115" for an IP protocol.
    public var carrier: String { self == .l2tpv3IP ? "ip/\(port)" : "udp/\(port)" }

    /// The kind's name in the summary's `coverage.unopened_tunnels`.
    public var name: String {
        switch self {
        case .l2tp: return "l2tp"
        case .gtpU: return "gtp-u"
        case .teredo: return "teredo"
        case .vxlanGPE: return "vxlan-gpe"
        case .l2tpv3IP: return "l2tpv3-ip"
        case .capwap: return "capwap"
        case .mplsUDPDTLS: return "mpls-udp-dtls"
        }
    }

    /// The tunnel's name for a person ("GTP-U", "Teredo").
    public var title: String {
        switch self {
        case .l2tp: return "L2TP"
        case .gtpU: return "GTP-U"
        case .teredo: return "Teredo"
        case .vxlanGPE: return "VXLAN-GPE"
        case .l2tpv3IP: return "L2TPv3"
        case .capwap: return "CAPWAP"
        case .mplsUDPDTLS: return "MPLS-in-UDP-DTLS"
        }
    }

    /// The kind of a flow of `proto` between these ports (`hasPorts`): L2TPv3 by its IP protocol, the UDP
    /// tunnels by port, where either may be the tunnel's, since replies come from it. The destination is
    /// looked at first (a client on an ephemeral port that happens to be another's).
    @inlinable
    public static func of(proto: UInt8, hasPorts: Bool, senderPort: UInt16, receiverPort: UInt16)
        -> UnopenedTunnel?
    {
        if proto == IPProtocolNumber.l2tpv3 { return .l2tpv3IP }
        guard proto == IPProtocolNumber.udp && hasPorts else { return nil }
        return of(senderPort: senderPort, receiverPort: receiverPort)
    }

    /// The kind of a UDP datagram between these ports: either may be the tunnel's, since replies come from it.
    /// The destination is looked at first (a client on an ephemeral port that happens to be another's).
    @inlinable
    public static func of(senderPort: UInt16, receiverPort: UInt16) -> UnopenedTunnel? {
        kind(receiverPort) ?? kind(senderPort)
    }

    @inlinable
    static func kind(_ port: UInt16) -> UnopenedTunnel? {
        switch port {
        case 1701: return .l2tp
        case 2152: return .gtpU
        case 3544: return .teredo
        case 4790: return .vxlanGPE
        case 5247: return .capwap
        case 6636: return .mplsUDPDTLS
        default: return nil
        }
    }
}
