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
    /// IPsec ESP (IP protocol 50, RFC 4303), over IPv4 or IPv6, after an AH header too: encrypted, the
    /// site-to-site VPN between buildings or to an ASP.
    case esp
    /// IPsec NAT traversal (RFC 3948): ESP in UDP on 4500. IKE (the non-ESP marker) and NAT keepalives
    /// share the flow's ports with the ESP they carry, so the port alone counts it.
    case ipsecNATT
    /// WireGuard (udp/51820): encrypted.
    case wireGuard
    /// OpenVPN (udp/1194): encrypted.
    case openVPN
    /// GRE in UDP (RFC 8086, udp/4754).
    case greUDP
    /// LISP's data plane (RFC 9300, udp/4341): the tunnels between a LISP site's routers.
    case lisp
    /// VXLAN on its IANA port 4789 or Linux's 8472 when `vxlan_ports` does not list that port.
    case vxlan
    /// Geneve on its IANA port 6081 when `geneve_ports` does not list it.
    case geneve
    /// MPLS in UDP sent from 6635 to another port: RFC 7510 sends it to 6635 both ways, where it is opened;
    /// sent from it, it is read only to its port, as VXLAN and Geneve are.
    case mplsUDP

    /// The IANA port the tunnel's endpoints listen on (UDP), or its IP protocol number (`l2tpv3IP`, `esp`).
    public var port: UInt16 {
        switch self {
        case .l2tp: return 1701
        case .gtpU: return 2152
        case .teredo: return 3544
        case .vxlanGPE: return 4790
        case .l2tpv3IP: return UInt16(IPProtocolNumber.l2tpv3)
        case .capwap: return 5247
        case .mplsUDPDTLS: return 6636
        case .esp: return UInt16(IPProtocolNumber.esp)
        case .ipsecNATT: return 4500
        case .wireGuard: return 51820
        case .openVPN: return 1194
        case .greUDP: return 4754
        case .lisp: return 4341
        case .vxlan: return 4789
        case .geneve: return 6081
        case .mplsUDP: return MPLSInUDPDecoder.port
        }
    }

    /// How the tunnel is known on the wire, for a person: "udp/1701", or "ip/115" for an IP protocol.
    public var carrier: String {
        switch self {
        case .l2tpv3IP, .esp: return "ip/\(port)"
        case .vxlan: return "udp/4789 or 8472"
        default: return "udp/\(port)"
        }
    }

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
        case .esp: return "esp"
        case .ipsecNATT: return "ipsec-nat-t"
        case .wireGuard: return "wireguard"
        case .openVPN: return "openvpn"
        case .greUDP: return "gre-udp"
        case .lisp: return "lisp"
        case .vxlan: return "vxlan"
        case .geneve: return "geneve"
        case .mplsUDP: return "mpls-udp"
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
        case .esp: return "IPsec ESP"
        case .ipsecNATT: return "IPsec NAT-T"
        case .wireGuard: return "WireGuard"
        case .openVPN: return "OpenVPN"
        case .greUDP: return "GRE-in-UDP"
        case .lisp: return "LISP"
        case .vxlan: return "VXLAN"
        case .geneve: return "Geneve"
        case .mplsUDP: return "MPLS-in-UDP"
        }
    }

    /// Whether a flow of IP protocol `proto` can be an unopened tunnel's (UDP, ESP, L2TPv3): those flows
    /// have no ICMP type, where `FlowEntry.unopenedTunnel` keeps the kind.
    @inlinable
    public static func isCarrier(_ proto: UInt8) -> Bool {
        proto == IPProtocolNumber.udp || proto == IPProtocolNumber.esp || proto == IPProtocolNumber.l2tpv3
    }

    /// The kind of a flow of `proto` between these ports (`hasPorts`): L2TPv3 and ESP by their IP protocol,
    /// the UDP tunnels by port, where either may be the tunnel's, since replies come from it. The destination
    /// is looked at first (a client on an ephemeral port that happens to be another's). A port `opened`
    /// decodes (a VXLAN or Geneve port of `[sensor]`) is no unopened tunnel's, whatever its usual use.
    @inlinable
    public static func of(
        proto: UInt8, hasPorts: Bool, senderPort: UInt16, receiverPort: UInt16, opened: TunnelPorts
    ) -> UnopenedTunnel? {
        if proto == IPProtocolNumber.l2tpv3 { return .l2tpv3IP }
        if proto == IPProtocolNumber.esp { return .esp }
        guard proto == IPProtocolNumber.udp && hasPorts else { return nil }
        return of(senderPort: senderPort, receiverPort: receiverPort, opened: opened)
    }

    /// The kind of a UDP datagram between these ports: either may be the tunnel's, since replies come from it.
    /// The destination is looked at first (a client on an ephemeral port that happens to be another's). A
    /// sender's port in the systems' ephemeral range (32768 and up: WireGuard's 51820) is any client's as
    /// often as a tunnel's answer: it counts when the datagram goes to another port of that range (the
    /// tunnel's peer's), not to a service's port (a DNS query, a STUN or media stream to 3478, from 51820):
    /// since such a flow's frames leave the verified share, a client's port must not pass for a tunnel.
    ///
    /// A datagram from a port `opened` decodes (VXLAN's, Geneve's) to one it does not is not opened: zonesep
    /// reads the tunnel only to its port, as RFC 7348 and 8926 send it, so such a datagram is counted as that
    /// port's tunnel rather than passed as a plain, verified UDP flow (REVIEW-146 F3).
    @inlinable
    public static func of(senderPort: UInt16, receiverPort: UInt16, opened: TunnelPorts) -> UnopenedTunnel? {
        kind(receiverPort, opened)
            ?? (senderPort < 32768 || receiverPort >= 32768
                ? kind(senderPort, opened) ?? fromOpened(senderPort, opened) : nil)
    }

    /// The kind of an opened port's tunnel, for a datagram sent from it (see `of`).
    @inlinable
    static func fromOpened(_ port: UInt16, _ opened: TunnelPorts) -> UnopenedTunnel? {
        guard opened.kind(ofDestination: port) != nil else {
            // MPLS in UDP is opened on 6635 unless a VXLAN or Geneve port takes it (`PacketDecoder`).
            return port == MPLSInUDPDecoder.port ? .mplsUDP : nil
        }
        return kind(port)
    }

    /// The kind `port` is the well-known port of, unless `opened` decodes it.
    @inlinable
    static func kind(_ port: UInt16, _ opened: TunnelPorts) -> UnopenedTunnel? {
        guard let k = kind(port), opened.kind(ofDestination: port) == nil else { return nil }
        return k
    }

    @inlinable
    static func kind(_ port: UInt16) -> UnopenedTunnel? {
        switch port {
        case 1194: return .openVPN
        case 1701: return .l2tp
        case 2152: return .gtpU
        case 3544: return .teredo
        case 4341: return .lisp
        case 4500: return .ipsecNATT
        case 4754: return .greUDP
        case 4789, 8472: return .vxlan
        case 4790: return .vxlanGPE
        case 5247: return .capwap
        case 6081: return .geneve
        case 6636: return .mplsUDPDTLS
        case 51820: return .wireGuard
        default: return nil
        }
    }
}
