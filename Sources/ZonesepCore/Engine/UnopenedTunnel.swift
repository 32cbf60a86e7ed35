/// UDP tunnels zonesep does not open, known by their well-known port: the outer flow is judged, but what it
/// carries is not, so flows on these ports are counted for the coverage report (DESIGN.md, "Coverage").
public enum UnopenedTunnel: Int, Sendable, CaseIterable {
    case l2tp
    case gtpU
    case teredo
    case vxlanGPE

    /// The IANA port the tunnel's endpoints listen on.
    public var port: UInt16 {
        switch self {
        case .l2tp: return 1701
        case .gtpU: return 2152
        case .teredo: return 3544
        case .vxlanGPE: return 4790
        }
    }

    /// The kind's name in the summary's `coverage.unopened_tunnels`.
    public var name: String {
        switch self {
        case .l2tp: return "l2tp"
        case .gtpU: return "gtp-u"
        case .teredo: return "teredo"
        case .vxlanGPE: return "vxlan-gpe"
        }
    }

    /// The tunnel's name for a person ("GTP-U", "Teredo").
    public var title: String {
        switch self {
        case .l2tp: return "L2TP"
        case .gtpU: return "GTP-U"
        case .teredo: return "Teredo"
        case .vxlanGPE: return "VXLAN-GPE"
        }
    }

    /// The kind of a UDP datagram between these ports: either may be the tunnel's, since replies come from it.
    /// The destination is looked at first (a client on an ephemeral port that happens to be another's).
    public static func of(senderPort: UInt16, receiverPort: UInt16) -> UnopenedTunnel? {
        kind(receiverPort) ?? kind(senderPort)
    }

    static func kind(_ port: UInt16) -> UnopenedTunnel? {
        switch port {
        case 1701: return .l2tp
        case 2152: return .gtpU
        case 3544: return .teredo
        case 4790: return .vxlanGPE
        default: return nil
        }
    }
}
