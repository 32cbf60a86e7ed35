/// The kind of one encapsulation layer a packet was found inside (the `type` of an alert's `tunnel`).
public enum TunnelType: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    case gre, erspanI, erspanII, erspanIII, vxlan, geneve, mpls, pppoe, ipip, etherIP, srv6L2

    /// The name in an alert's `tunnel` list.
    public var name: String {
        switch self {
        case .gre: return "gre"
        case .erspanI: return "erspan-i"
        case .erspanII: return "erspan-ii"
        case .erspanIII: return "erspan-iii"
        case .vxlan: return "vxlan"
        case .geneve: return "geneve"
        case .mpls: return "mpls"
        case .pppoe: return "pppoe"
        case .ipip: return "ipip"
        case .etherIP: return "etherip"
        case .srv6L2: return "srv6-l2"
        }
    }

    public var description: String { name }

    /// An ERSPAN session: a mirror's copy of a frame sent to a collector, not the way the frame travelled.
    public var isMirror: Bool { self == .erspanI || self == .erspanII || self == .erspanIII }
}

/// One encapsulation layer: what it was, the outer IP addresses it travelled between (none for MPLS or
/// PPPoE straight on a link) and its identifier (ERSPAN session, VNI, GRE key, bottom MPLS label, PPPoE
/// session). Kept for the alert; never part of a flow's identity except through `DecodedPacket.vni`.
public struct TunnelLayer: Sendable, Equatable {
    public var type: TunnelType
    /// Whether `src` and `dst` hold the outer IP header's addresses.
    public var hasAddresses: Bool
    /// Whether `id` holds an identifier (an ERSPAN type I, an unkeyed GRE or IP in IP has none).
    public var hasID: Bool
    /// The outer IP header's protocol (GRE 47, IP in IP 4 or 41, UDP 17 for VXLAN or Geneve), 0 without one:
    /// the tunnel audit judges the outer pair with it. In the padding before `src`: the layer stays 48 bytes.
    public var proto: UInt8
    /// Whether the outer IP header is IPv6: an IPv4-mapped address of one (::ffff:a.b.c.d) is written and
    /// hashed as the IPv6 address on the wire, as a flow's (`FlowKey.mappedIPv6`). In the padding too.
    public var outerIPv6: Bool
    public var id: UInt32
    /// The outer UDP datagram's ports (VXLAN, Geneve, MPLS in UDP), 0 for a tunnel not carried in UDP.
    public var srcPort: UInt16
    public var dstPort: UInt16
    public var src: IPAddress
    public var dst: IPAddress

    @inlinable
    public init(
        type: TunnelType, src: IPAddress? = nil, dst: IPAddress? = nil, id: UInt32? = nil, proto: UInt8 = 0,
        srcPort: UInt16 = 0, dstPort: UInt16 = 0, outerIPv6: Bool = false
    ) {
        self.type = type
        self.proto = proto
        self.outerIPv6 = outerIPv6
        self.srcPort = srcPort
        self.dstPort = dstPort
        self.hasAddresses = src != nil && dst != nil
        self.src = src ?? IPAddress(rawValue: 0)
        self.dst = dst ?? IPAddress(rawValue: 0)
        self.hasID = id != nil
        self.id = id ?? 0
    }

    /// The outer addresses, when the layer had an IP header outside it.
    @inlinable public var addresses: (src: IPAddress, dst: IPAddress)? { hasAddresses ? (src, dst) : nil }
    /// Whether its outer header is IPv6 with an IPv4-mapped address (`Alert.mappedIPv6` of its alert).
    @inlinable public var mappedIPv6: Bool { outerIPv6 && hasAddresses && (src.isIPv4 || dst.isIPv4) }
    /// The identifier, when the layer has one.
    @inlinable public var identifier: UInt32? { hasID ? id : nil }
}

/// The tunnel layers of one packet, outermost first, in fixed storage: a packet's decoding never
/// allocates, and `DecodedPacket.maximumDepth` bounds how many there can be.
public struct TunnelLayers: Sendable, RandomAccessCollection {
    public static let capacity = 8
    @usableFromInline var storage: InlineArray<8, TunnelLayer>
    @usableFromInline var _count: UInt8 = 0

    @inlinable
    public init() {
        storage = InlineArray(repeating: TunnelLayer(type: .gre))
    }

    @inlinable public var startIndex: Int { 0 }
    @inlinable public var endIndex: Int { Int(_count) }
    @inlinable public subscript(i: Int) -> TunnelLayer { storage[i] }

    /// Forgets every layer (the storage is left as it is: only `count` says what is valid).
    @inlinable public mutating func removeAll() { _count = 0 }

    /// Appends `layer`, or returns false when the list is full.
    @inlinable
    @discardableResult
    public mutating func append(_ layer: TunnelLayer) -> Bool {
        guard _count < TunnelLayers.capacity else { return false }
        storage[Int(_count)] = layer
        _count &+= 1
        return true
    }
}
