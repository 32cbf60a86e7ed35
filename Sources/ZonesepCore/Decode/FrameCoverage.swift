/// Why a frame that is not malformed could still not be verified: a header zonesep does not open.
public enum NotVerifiedReason: UInt8, Sendable, CaseIterable {
    /// An EtherType neither decoded nor known to carry no IP (MACsec, NSH, ...).
    case etherType
    /// A GRE protocol type not decoded (0x880b, PPTP's PPP, ...).
    case greProtocol
    /// A PPP data protocol not decoded (compressed or multilink frames, ...).
    case pppProtocol
    /// An MPLS payload whose first nibble is neither an IP version nor a pseudowire control word.
    case mplsPayload
    /// An ERSPAN type III frame type other than Ethernet or IP.
    case erspanFrameType
    /// A capture's link type zonesep does not decode; counted by whoever reads the file, never by the decoder.
    case linkType
    /// A later IPv4 or IPv6 fragment whose first fragment was not seen: its ports, and so its flow, are not
    /// known. Counted by the verifier (the decoder cannot tell), with the IP version as the value.
    case fragmentOrphan
    /// An MPLS payload starting with nibble 0 that reads as a sane Ethernet frame neither after a control
    /// word nor without one (value 0), or as well both ways (value 1): which it is cannot be told.
    case mplsPseudowire
    /// A packet of a TCP connection that closed and left the flow table (a late FIN, RST or ACK, or an ICMP
    /// error quoting one): it joins no flow and no rule judges it. Counted by the verifier, value 0.
    case afterClose
    /// A pcapng packet with no time (`PacketTime.missing`: a Simple Packet Block): a time-dependent rule
    /// cannot be judged. Counted by the capture timeline, never by the decoder.
    case noTimestamp
    /// A packet of a flow on the port or IP protocol of a tunnel zonesep does not open (L2TP, ESP, ...):
    /// its outer flow was judged, what it carries was not. Counted by the verifier when the flow ends,
    /// with the `UnopenedTunnel` kind's raw value as the value.
    case unopenedTunnel

    /// The reason's name in the summary's `coverage` object.
    public var name: String {
        switch self {
        case .etherType: return "ethertype"
        case .greProtocol: return "gre-protocol"
        case .pppProtocol: return "ppp-protocol"
        case .mplsPayload: return "mpls-payload"
        case .erspanFrameType: return "erspan-frame-type"
        case .linkType: return "link-type"
        case .fragmentOrphan: return "fragment-orphan"
        case .mplsPseudowire: return "mpls-pseudowire"
        case .afterClose: return "after-close"
        case .noTimestamp: return "no-timestamp"
        case .unopenedTunnel: return "unopened-tunnel"
        }
    }
}

/// Where a frame ended (DESIGN.md, "Coverage"): every frame is exactly one of these.
public enum FrameCoverage: Hashable, Sendable, CustomStringConvertible {
    /// An IP packet whose innermost header was judged (or is a fragment of one).
    case judged
    /// A frame with no IP inside: ARP, LLDP, STP, a PPP control protocol, ...
    case noIP
    /// Malformed or truncated, or encapsulated too deep: not verified.
    case malformed(DecodeAnomaly)
    /// Not verified: a header of kind `reason` with value `value` (the EtherType, GRE or PPP protocol,
    /// MPLS first nibble, ERSPAN frame type, link type) that zonesep does not open, a later fragment
    /// whose first was not seen (value: the IP version), an MPLS pseudowire read neither or both ways, or a
    /// packet of a TCP connection that had closed (value 0).
    case notVerified(NotVerifiedReason, UInt32)

    /// Whether the frame counts as verified (judged, or known to hold no IP).
    public var isVerified: Bool {
        switch self {
        case .judged, .noIP: return true
        case .malformed, .notVerified: return false
        }
    }

    /// A short human label, as in the stderr warning ("GRE protocol 0x880b").
    public var description: String {
        switch self {
        case .judged: return "judged"
        case .noIP: return "no IP inside"
        case .malformed(let a): return "malformed (\(a.name))"
        case .notVerified(let reason, let value):
            switch reason {
            case .etherType: return "EtherType " + hex(value, 4)
            case .greProtocol: return "GRE protocol " + hex(value, 4)
            case .pppProtocol: return "PPP protocol " + hex(value, 4)
            case .mplsPayload: return "MPLS payload starting " + hex(value, 1)
            case .erspanFrameType: return "ERSPAN frame type \(value)"
            case .linkType: return "link type \(value)"
            case .fragmentOrphan: return "IPv\(value) fragment without its first fragment"
            case .mplsPseudowire:
                switch value {
                case 0: return "MPLS pseudowire: Ethernet neither with nor without a control word"
                case 1: return "MPLS pseudowire: Ethernet both with and without a control word"
                default: return "MPLS payload: IP, or Ethernet without a control word, equally"
                }
            case .afterClose: return "packet of a TCP connection already closed"
            case .noTimestamp: return "no timestamp (pcapng Simple Packet Block)"
            case .unopenedTunnel:
                guard let kind = UnopenedTunnel(rawValue: Int(value)) else { return "inside a tunnel not opened" }
                return "inside \(kind.title) \(kind.carrier), a tunnel not opened"
            }
        }
    }

    private func hex(_ v: UInt32, _ digits: Int) -> String {
        let s = String(v, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, digits - s.count)) + s
    }
}
