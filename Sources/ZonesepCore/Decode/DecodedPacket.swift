/// What one pass over a packet's bytes found, as a value the caller owns and reuses for every packet
/// (gopacket's DecodingLayerParser): no object per layer, no allocation.
///
/// Through tunnels it keeps what the flow is judged on: the innermost IP header and its transport header,
/// the VLAN tags and Ethernet MACs after the last tunnel header, the innermost virtual network id, and the
/// tunnel layers for the alert.
public struct DecodedPacket: Sendable {
    /// Outcome of decoding: how far the decoder got.
    public enum Outcome: UInt8, Sendable {
        /// An IP packet with its transport header (or a protocol without ports).
        case ip
        /// A non-first fragment: addresses known, transport header not in this packet.
        case ipFragment
        /// Not IP (ARP, LLDP, STP, ...): counted, not an anomaly. Also a frame whose payload could not be
        /// opened, which `notVerified` then names.
        case notIP
        /// Malformed or truncated: see `anomaly`.
        case malformed
    }

    public var outcome: Outcome = .notIP
    /// The first problem found, set exactly when `outcome` is `.malformed`.
    public var anomaly: DecodeAnomaly? = nil

    // Link layer: the innermost Ethernet header's, and the packet's own VLAN tags (those after the last
    // tunnel header). A tunnel clears both: the mirror's or the carrier's MACs and tags are not the host's.
    public var srcMAC: MACAddress? = nil
    public var dstMAC: MACAddress? = nil
    /// VLAN ids (802.1Q, 802.1ad, 0x9100), outermost first; `vlanCount` of them are valid (0...8).
    public var vlanIDs = InlineArray<8, UInt16>(repeating: 0)
    public var vlanCount: UInt8 = 0
    /// The outermost own VLAN id (0 when untagged).
    @inlinable public var vlan0: UInt16 { vlanCount > 0 ? vlanIDs[0] : 0 }
    /// The second own VLAN id (0 with fewer than two tags).
    @inlinable public var vlan1: UInt16 { vlanCount > 1 ? vlanIDs[1] : 0 }
    /// The innermost own VLAN id (0 when untagged): the one a host's zone declares.
    @inlinable public var innermostVLAN: UInt16 { vlanCount > 0 ? vlanIDs[Int(vlanCount) &- 1] : 0 }
    /// The own VLANs as a flow key packs them: the count, the outermost and the innermost id.
    @inlinable
    public var packedVLANs: UInt32 {
        FlowKey.packVLANs(count: vlanCount, outer: vlan0, inner: vlanCount > 1 ? innermostVLAN : 0)
    }
    /// The virtual network id, when the packet lies inside VXLAN, Geneve or keyed GRE.
    @inlinable public var virtualNetwork: UInt32? { hasVNI ? vni : nil }
    /// The own VLAN ids, outermost first (allocates: for alerts, not the packet path).
    public var vlans: [UInt16] { (0..<Int(vlanCount)).map { vlanIDs[$0] } }

    /// The MAC-to-address binding an ARP packet or an IPv6 neighbour advertisement announces (for the host
    /// table), nil for every other frame.
    public var resolution: AddressResolution? = nil

    // Encapsulation.
    /// The layers the packet was found inside, outermost first (empty for a plain frame).
    public var tunnels = TunnelLayers()
    /// Encapsulation headers passed so far (tunnels, E-tags, VN-tags), bounded by `maximumDepth`.
    public var depth: UInt8 = 0
    /// The virtual network id of the innermost VXLAN, Geneve or keyed GRE tunnel, when `hasVNI`.
    public var vni: UInt32 = 0
    public var hasVNI = false
    /// Set when a header could not be opened (with `notVerifiedValue` naming it): the frame is counted as
    /// not verified whatever `outcome` says (a GRE packet of an unknown protocol is still judged as GRE).
    public var notVerified: NotVerifiedReason? = nil
    public var notVerifiedValue: UInt32 = 0

    // Network layer.
    /// 4 or 6 once the IP addresses were read, 0 before. A `.malformed` packet may still carry its
    /// addresses (a truncated TCP header, say): `ipVersion != 0` tells whether `src`/`dst` are valid.
    public var ipVersion: UInt8 = 0
    public var src = IPAddress(rawValue: 0)
    public var dst = IPAddress(rawValue: 0)
    /// The transport protocol (after IPv6 extension headers).
    public var proto: UInt8 = 0
    /// The IPv4 header's total length was 0, as segmentation offload (BIG TCP) leaves it: the datagram is
    /// what was captured, so a UDP length of 0 inside it is accepted too, as in an IPv6 jumbogram.
    public var ipv4LengthZero = false
    /// Fragment identification (IPv4 16-bit id or IPv6 32-bit id), valid when `isFragment`.
    public var fragmentID: UInt32 = 0
    /// Part of a fragmented datagram (first or not).
    public var isFragment = false
    /// A fragment other than the first (offset > 0): ports come from the first fragment's flow.
    public var isNonFirstFragment = false
    /// What, besides addresses and id, tells one datagram's fragments from another's: what tells flows
    /// apart (two tenants may reuse both), the VLANs as `packedVLANs` packs them with `FlowKey.vniFlag`, and
    /// the VNI below them.
    @inlinable
    public var fragmentContext: UInt64 {
        UInt64(packedVLANs | (hasVNI ? FlowKey.vniFlag : 0)) << 32 | UInt64(vni)
    }

    // A tunnel entered from the first fragment of its outer datagram: the later fragments (which hold no
    // tunnel header) belong to the packet inside, so the verifier remembers the datagram by these.
    /// 1 + the index in `tunnels` of that tunnel (the innermost such), 0 when none was.
    public var fragmentedTunnel: UInt8 = 0
    /// The outer datagram's fragment identification.
    public var tunnelFragmentID: UInt32 = 0
    /// The outer datagram's `fragmentContext`, as it was before the tunnel was entered.
    public var tunnelFragmentContext: UInt64 = 0

    // Transport layer: TCP, UDP or SCTP ports (valid when `hasPorts`).
    public var hasPorts = false
    public var srcPort: UInt16 = 0
    public var dstPort: UInt16 = 0
    /// TCP flags byte 13 (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10, URG 0x20, ECE 0x40, CWR 0x80).
    public var tcpFlags: UInt8 = 0
    /// A TCP header cut after its ports but before its flags: `tcpFlags` (0) says nothing, so the packet is
    /// judged on its ports with the initiator by port rank, and changes no TCP state.
    public var tcpFlagsCut = false
    /// The TCP sequence number (0 when `tcpFlagsCut`): a SYN's is the initial one, which tells a retried
    /// connection attempt from a new one.
    public var tcpSequence: UInt32 = 0

    // ICMP / ICMPv6.
    public var icmpType: UInt8 = 0
    public var icmpCode: UInt8 = 0
    /// Echo identifier, which keeps concurrent pings apart as flows.
    public var icmpEchoID: UInt16 = 0
    /// An ICMP error carries the header of the packet it reports on; that packet's tuple is here.
    public var hasInner = false
    public var innerSrc = IPAddress(rawValue: 0)
    public var innerDst = IPAddress(rawValue: 0)
    public var innerProto: UInt8 = 0
    public var innerSrcPort: UInt16 = 0
    public var innerDstPort: UInt16 = 0
    public var innerHasPorts = false
    /// The identifier of a quoted ICMP or ICMPv6 echo (0 for anything else), which keys the echo's flow.
    public var innerEchoID: UInt16 = 0

    /// Whether this ICMP error travels with the flow it quotes: it goes back to the quoted packet's source
    /// (from its destination or from a router on its path, whose address cannot be foreseen). An error
    /// addressed to anyone else does not report on its receiver's own packet: it is judged as a flow of
    /// its own, by its own addresses, so a forged error between zones is not hidden in an allowed flow.
    /// (One that travels with a flow the verifier does not know is judged by its own addresses too.)
    @inlinable public var travelsWithQuotedFlow: Bool { hasInner && innerSrc == dst }

    @inlinable public init() {}

    /// Encapsulation layers decoded before `encapsulationTooDeep`.
    public static let maximumDepth: UInt8 = 8

    /// Resets every field, so a reused value never carries a previous packet's data. Field by field: the VLAN
    /// and tunnel storage behind `vlanCount` and `tunnels` is left alone (a whole new value would clear
    /// some 450 bytes a packet).
    @inlinable
    public mutating func reset() {
        outcome = .notIP
        anomaly = nil
        srcMAC = nil
        dstMAC = nil
        vlanCount = 0
        tunnels.removeAll()
        depth = 0
        vni = 0
        hasVNI = false
        notVerified = nil
        notVerifiedValue = 0
        resolution = nil
        fragmentedTunnel = 0
        clearNetworkLayer()
    }

    /// Clears what the network and transport headers set: done on entering a tunnel, whose inner packet
    /// then fills them again.
    @inlinable
    public mutating func clearNetworkLayer() {
        ipVersion = 0
        src = IPAddress(rawValue: 0)
        dst = IPAddress(rawValue: 0)
        proto = 0
        ipv4LengthZero = false
        fragmentID = 0
        isFragment = false
        isNonFirstFragment = false
        hasPorts = false
        srcPort = 0
        dstPort = 0
        tcpFlags = 0
        tcpFlagsCut = false
        tcpSequence = 0
        icmpType = 0
        icmpCode = 0
        icmpEchoID = 0
        hasInner = false
        innerSrc = IPAddress(rawValue: 0)
        innerDst = IPAddress(rawValue: 0)
        innerProto = 0
        innerSrcPort = 0
        innerDstPort = 0
        innerHasPorts = false
        innerEchoID = 0
    }

    /// Where the frame ended, for the summary's coverage.
    @inlinable
    public var coverage: FrameCoverage {
        if let reason = notVerified { return .notVerified(reason, notVerifiedValue) }
        switch outcome {
        case .ip, .ipFragment: return .judged
        case .notIP: return .noIP
        case .malformed: return .malformed(anomaly ?? .linkTruncated)
        }
    }

    /// Passes one more encapsulation header, or records `encapsulationTooDeep` and returns false when
    /// `maximumDepth` were passed already.
    @inlinable
    public mutating func enterLayer() -> Bool {
        guard depth < DecodedPacket.maximumDepth else {
            clearNetworkLayer()  // the packet inside is not known: no outer one stands in for it
            return markMalformed(.encapsulationTooDeep)
        }
        depth &+= 1
        return true
    }

    /// Enters a tunnel of `type` with identifier `id`: counts the layer, records it with the outer IP
    /// header's addresses, protocol and UDP ports (when one was read) and, when that header is a first
    /// fragment, its datagram (`fragmentedTunnel`), and clears the outer packet's network, transport, VLAN
    /// and MAC fields for the inner packet. A PPPoE session keeps the MACs: it is a link-layer session on
    /// the segment, so its Ethernet header is the dialling host's own, not a router's (the innermost
    /// Ethernet header's MACs). Returns false with `encapsulationTooDeep` recorded past the limit.
    @inlinable
    public mutating func enterTunnel(_ type: TunnelType, id: UInt32? = nil) -> Bool {
        guard enterLayer() else { return false }
        let outer = ipVersion != 0
        if isFragment {  // a first fragment: a later one would not have reached its tunnel header
            tunnelFragmentID = fragmentID
            tunnelFragmentContext = fragmentContext
            fragmentedTunnel = UInt8(truncatingIfNeeded: tunnels.count) &+ 1
        }
        tunnels.append(
            TunnelLayer(
                type: type, src: outer ? src : nil, dst: outer ? dst : nil, id: id, proto: proto,
                srcPort: srcPort, dstPort: dstPort, outerIPv6: ipVersion == 6))
        clearNetworkLayer()
        vlanCount = 0
        if type != .pppoe {
            srcMAC = nil
            dstMAC = nil
        }
        return true
    }

    /// Forgets the transport ports of a tunnel's outer datagram whose tunnel header turned out malformed.
    @inlinable
    public mutating func dropPorts() {
        hasPorts = false
        srcPort = 0
        dstPort = 0
    }

    /// Records the virtual network id of a VXLAN, Geneve or keyed GRE tunnel (the innermost one wins).
    @inlinable
    public mutating func setVNI(_ id: UInt32) {
        vni = id
        hasVNI = true
    }

    /// Records a header that could not be opened (`reason`, `value`); `outcome` stays as the caller left it.
    @inlinable
    public mutating func markNotVerified(_ reason: NotVerifiedReason, _ value: UInt32) {
        notVerified = reason
        notVerifiedValue = value
    }

    /// Marks the packet malformed with `anomaly`, unless an earlier problem was already recorded (a packet
    /// keeps the first one). Returns false, so a decoder can `return p.markMalformed(.x)`.
    @inlinable
    @discardableResult
    public mutating func markMalformed(_ anomaly: DecodeAnomaly) -> Bool {
        if self.anomaly == nil { self.anomaly = anomaly }
        outcome = .malformed
        return false
    }

    public enum TCPFlag {
        public static let fin: UInt8 = 0x01
        public static let syn: UInt8 = 0x02
        public static let rst: UInt8 = 0x04
        public static let psh: UInt8 = 0x08
        public static let ack: UInt8 = 0x10
        public static let urg: UInt8 = 0x20
        public static let ece: UInt8 = 0x40
        public static let cwr: UInt8 = 0x80
    }
}
