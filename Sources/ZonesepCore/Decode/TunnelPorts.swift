/// The UDP destination ports decoded as VXLAN and as Geneve (`vxlan_ports`, `geneve_ports` of `[sensor]`).
///
/// Up to eight ports of each kind in fixed storage, so the check on every UDP packet is a few compares and
/// the value can sit in the decoder's arguments without a reference.
public struct TunnelPorts: Sendable, Equatable {
    /// Ports of one kind that fit.
    public static let maximumPerKind = 8

    /// What a UDP destination port leads to.
    public enum Kind: UInt8, Sendable {
        case vxlan, geneve
    }

    // Vectors: eight ports of a kind in one value, no reference, no allocation.
    @usableFromInline var vxlanPorts: SIMD8<UInt16>
    @usableFromInline var genevePorts: SIMD8<UInt16>
    @usableFromInline var vxlanCount: UInt8
    @usableFromInline var geneveCount: UInt8

    /// The ports of each kind; nil when a kind has more than `maximumPerKind` or a port is in both lists.
    public init?(vxlan: [UInt16], geneve: [UInt16]) {
        guard vxlan.count <= Self.maximumPerKind, geneve.count <= Self.maximumPerKind,
            Set(vxlan).isDisjoint(with: geneve)
        else { return nil }
        vxlanPorts = SIMD8(repeating: 0)
        genevePorts = SIMD8(repeating: 0)
        for (i, port) in vxlan.enumerated() { vxlanPorts[i] = port }
        for (i, port) in geneve.enumerated() { genevePorts[i] = port }
        vxlanCount = UInt8(vxlan.count)
        geneveCount = UInt8(geneve.count)
    }

    /// DESIGN.md's defaults: VXLAN on 4789 (IANA) and 8472 (the Linux kernel's first choice), Geneve on 6081.
    /// Built field by field: a computed constant, not a lazily initialised global checked on every packet.
    @inlinable
    public static var standard: TunnelPorts {
        var p = TunnelPorts(uninitialised: ())
        p.vxlanPorts[0] = 4789
        p.vxlanPorts[1] = 8472
        p.vxlanCount = 2
        p.genevePorts[0] = 6081
        p.geneveCount = 1
        return p
    }

    @inlinable
    init(uninitialised: Void) {
        vxlanPorts = SIMD8(repeating: 0)
        genevePorts = SIMD8(repeating: 0)
        vxlanCount = 0
        geneveCount = 0
    }

    /// The VXLAN ports, in the order given.
    public var vxlan: [UInt16] { (0..<Int(vxlanCount)).map { vxlanPorts[$0] } }
    /// The Geneve ports, in the order given.
    public var geneve: [UInt16] { (0..<Int(geneveCount)).map { genevePorts[$0] } }

    /// The tunnel a UDP datagram to `port` carries, or nil for an ordinary datagram.
    @inlinable @inline(__always)
    public func kind(ofDestination port: UInt16) -> Kind? {
        for i in 0..<Int(vxlanCount) where vxlanPorts[i] == port { return .vxlan }
        for i in 0..<Int(geneveCount) where genevePorts[i] == port { return .geneve }
        return nil
    }

    public static func == (a: TunnelPorts, b: TunnelPorts) -> Bool { a.vxlan == b.vxlan && a.geneve == b.geneve }
}
