/// A bidirectional flow's identity: VLAN tags, virtual network, protocol, and the two endpoints in
/// canonical order.
///
/// Endpoint A is the lower (address, port) pair, so both directions of a flow produce the same key;
/// `PacketDirection` says which way a given packet went. Inside tunnels the key is the innermost packet's,
/// with its own VLANs and the innermost VXLAN / Geneve / keyed GRE id: two tenants reusing addresses stay
/// apart, and the same connection mirrored through two ERSPAN sessions stays one flow.
public struct FlowKey: Hashable, Sendable {
    // In this order the key takes 45 bytes with no hole, and `FlowEntry` packs its one-byte fields into
    // the rest of the first 48.
    public var addressA: IPAddress
    public var addressB: IPAddress
    /// `vniFlag` when `vni` is valid, `mappedIPv6Flag`, the tag count in bits 24-27, then the outermost and
    /// innermost 12-bit VLAN ids (see `packVLANs`).
    public var vlans: UInt32
    /// The virtual network id (VXLAN / Geneve 24 bits, a GRE key 32), valid with `vniFlag` in `vlans`.
    public var vni: UInt32
    public var portA: UInt16
    public var portB: UInt16
    public var proto: UInt8

    /// Set in `vlans` when the flow lies inside a virtual network.
    public static let vniFlag: UInt32 = 0x8000_0000
    /// Set in `vlans` when the flow's packets are IPv6 and an address is IPv4-mapped (::ffff:a.b.c.d): such an
    /// address is classified as its IPv4 address, but the flow is not the IPv4 one (records, Community ID).
    public static let mappedIPv6Flag: UInt32 = 0x4000_0000

    @inlinable
    public init(
        addressA: IPAddress, addressB: IPAddress, portA: UInt16, portB: UInt16, proto: UInt8, vlans: UInt32,
        vni: UInt32? = nil
    ) {
        self.addressA = addressA
        self.addressB = addressB
        self.portA = portA
        self.portB = portB
        self.proto = proto
        self.vlans = vni == nil ? vlans : vlans | FlowKey.vniFlag
        self.vni = vni ?? 0
    }

    /// The virtual network id, for a flow inside VXLAN, Geneve or keyed GRE.
    @inlinable public var virtualNetwork: UInt32? { vlans & FlowKey.vniFlag != 0 ? vni : nil }
    /// Whether the flow is IPv6 with an IPv4-mapped address (`mappedIPv6Flag`): written and hashed as IPv6.
    @inlinable public var mappedIPv6: Bool { vlans & FlowKey.mappedIPv6Flag != 0 }
    /// How many own VLAN tags the flow's packets carry (0...8).
    @inlinable public var vlanCount: UInt8 { UInt8(truncatingIfNeeded: vlans >> 24) & 0x0f }
    /// The innermost VLAN id of the flow's own tags, which `zone-vlan-mismatch` judges; 0 when untagged or
    /// priority-tagged (VLAN 0), which it does not. One tag sits in the outer field (`packVLANs`), more in
    /// the inner.
    @inlinable public var innermostVLAN: UInt16 {
        UInt16(truncatingIfNeeded: vlanCount == 1 ? vlans >> 12 & 0xfff : vlans & 0xfff)
    }

    /// Builds the canonical key for a packet from `src`:`srcPort` to `dst`:`dstPort`; `fromA` is true when the
    /// packet's source is endpoint A. Without a branch: which endpoint comes first is a coin toss from one
    /// packet to the next, and a branch on it mispredicted every other packet.
    @inlinable
    public static func canonical(
        src: IPAddress, srcPort: UInt16, dst: IPAddress, dstPort: UInt16, proto: UInt8, vlans: UInt32,
        vni: UInt32? = nil
    ) -> (key: FlowKey, fromA: Bool) {
        let s = src.rawValue
        let d = dst.rawValue
        let fromA = Branchless.bit(s < d) | (Branchless.bit(s == d) & Branchless.bit(srcPort <= dstPort))
        let swap = UInt64(1 &- fromA)
        // All ones when the endpoints swap: then XOR with the difference turns each into the other.
        let mask = UInt128(truncatingIfNeeded: Int128(truncatingIfNeeded: 0 &- Int64(bitPattern: swap)))
        let addresses = (s ^ d) & mask
        let ports = (srcPort ^ dstPort) & UInt16(truncatingIfNeeded: mask)
        let key = FlowKey(
            addressA: IPAddress(rawValue: s ^ addresses), addressB: IPAddress(rawValue: d ^ addresses),
            portA: srcPort ^ ports, portB: dstPort ^ ports, proto: proto, vlans: vlans, vni: vni)
        return (key, fromA == 1)
    }

    /// Packs two VLAN ids with the tag count (0...8): the outermost and the innermost of a stack, or the
    /// two tags of Q-in-Q. The middle tags of a deeper stack are not part of the key.
    @inlinable
    public static func packVLANs(count: UInt8, outer: UInt16, inner: UInt16) -> UInt32 {
        UInt32(count & 0x0f) << 24 | UInt32(outer & 0xfff) << 12 | UInt32(inner & 0xfff)
    }

    /// A 64-bit hash of every field: each word times its own odd constant (independent multiplies, so
    /// they overlap in the CPU), folded, then one finishing mix so the low bits that pick a slot depend on
    /// all of them. No per-process seed, so runs repeat.
    @inlinable @inline(__always)
    public var hashValue64: UInt64 {
        let a = addressA.rawValue
        let b = addressB.rawValue
        let rest = UInt64(portA) << 48 | UInt64(portB) << 32 | UInt64(proto) << 24 | UInt64(vlans & 0xff_ffff)
        // The VNI rides in the high half of the first word: no multiply more than without it.
        var h = (UInt64(truncatingIfNeeded: a) ^ UInt64(vni) << 32) &* 0x9E37_79B9_7F4A_7C15
        h ^= UInt64(truncatingIfNeeded: a >> 64) &* 0xC2B2_AE3D_27D4_EB4F
        h ^= UInt64(truncatingIfNeeded: b) &* 0x1656_67B1_9E37_79F9
        h ^= UInt64(truncatingIfNeeded: b >> 64) &* 0x85EB_CA77_C2B2_AE63
        h ^= (rest ^ UInt64(vlans >> 24) << 56) &* 0x27D4_EB2F_1656_67C5  // VNI flag and tag count in the top bits
        h ^= h >> 32
        h &*= 0xBF58_476D_1CE4_E5B9
        return h ^ (h >> 29)
    }
}
