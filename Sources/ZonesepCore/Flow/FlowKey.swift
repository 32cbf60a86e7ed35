/// A bidirectional flow's identity: VLAN tags, protocol, and the two endpoints in canonical order.
///
/// Endpoint A is the lower (address, port) pair, so both directions of a flow produce the same key;
/// `PacketDirection` says which way a given packet went.
public struct FlowKey: Hashable, Sendable {
    // In this order the key takes 41 bytes with no hole, and `FlowEntry` packs its one-byte fields into
    // the rest of the first 48.
    public var addressA: IPAddress
    public var addressB: IPAddress
    /// Tag count in the top bits, then the outer and inner 12-bit VLAN ids.
    public var vlans: UInt32
    public var portA: UInt16
    public var portB: UInt16
    public var proto: UInt8

    @inlinable
    public init(addressA: IPAddress, addressB: IPAddress, portA: UInt16, portB: UInt16, proto: UInt8, vlans: UInt32) {
        self.addressA = addressA
        self.addressB = addressB
        self.portA = portA
        self.portB = portB
        self.proto = proto
        self.vlans = vlans
    }

    /// Builds the canonical key for a packet from `src`:`srcPort` to `dst`:`dstPort`; `fromA` is true when the
    /// packet's source is endpoint A. Without a branch: which endpoint comes first is a coin toss from one
    /// packet to the next, and a branch on it mispredicted every other packet.
    @inlinable
    public static func canonical(
        src: IPAddress, srcPort: UInt16, dst: IPAddress, dstPort: UInt16, proto: UInt8, vlans: UInt32
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
            portA: srcPort ^ ports, portB: dstPort ^ ports, proto: proto, vlans: vlans)
        return (key, fromA == 1)
    }

    /// Packs up to two VLAN ids with their count.
    @inlinable
    public static func packVLANs(count: UInt8, outer: UInt16, inner: UInt16) -> UInt32 {
        UInt32(count) << 24 | UInt32(outer & 0xfff) << 12 | UInt32(inner & 0xfff)
    }

    /// A 64-bit hash of every field: each word times its own odd constant (independent multiplies, so
    /// they overlap in the CPU), folded, then one finishing mix so the low bits that pick a slot depend on
    /// all of them. No per-process seed, so runs repeat.
    @inlinable
    public var hashValue64: UInt64 {
        let a = addressA.rawValue
        let b = addressB.rawValue
        let rest = UInt64(portA) << 48 | UInt64(portB) << 32 | UInt64(proto) << 24 | UInt64(vlans & 0xff_ffff)
        var h = UInt64(truncatingIfNeeded: a) &* 0x9E37_79B9_7F4A_7C15
        h ^= UInt64(truncatingIfNeeded: a >> 64) &* 0xC2B2_AE3D_27D4_EB4F
        h ^= UInt64(truncatingIfNeeded: b) &* 0x1656_67B1_9E37_79F9
        h ^= UInt64(truncatingIfNeeded: b >> 64) &* 0x85EB_CA77_C2B2_AE63
        h ^= (rest ^ UInt64(vlans >> 24) << 62) &* 0x27D4_EB2F_1656_67C5  // the tag count (0-2) in the top bits
        h ^= h >> 32
        h &*= 0xBF58_476D_1CE4_E5B9
        return h ^ (h >> 29)
    }
}

/// How the initiator of a flow was known (the `initiator` field of an alert).
public enum InitiatorMethod: UInt8, Sendable {
    case syn, synAck, inferred, firstPacket

    public var name: String {
        switch self {
        case .syn: return "syn"
        case .synAck: return "syn-ack"
        case .inferred: return "inferred"
        case .firstPacket: return "first-packet"
        }
    }
}

/// DESIGN.md's direction rules, applied to a flow's first packet.
public enum InitiatorRule {
    /// Well-known ports rank before registered before dynamic.
    @inlinable
    static func rank(_ port: UInt16) -> UInt8 { port < 1024 ? 0 : (port < 49152 ? 1 : 2) }

    /// Whether the sender of the first packet is the initiator, and how that was decided.
    @inlinable
    public static func decide(
        proto: UInt8, srcPort: UInt16, dstPort: UInt16, tcpFlags: UInt8, icmpType: UInt8, hasPorts: Bool
    ) -> (senderInitiates: Bool, method: InitiatorMethod) {
        switch proto {
        case IPProtocolNumber.tcp where hasPorts:
            let syn = tcpFlags & DecodedPacket.TCPFlag.syn != 0
            let ack = tcpFlags & DecodedPacket.TCPFlag.ack != 0
            if syn && !ack { return (true, .syn) }
            if syn && ack { return (false, .synAck) }
            let rs = rank(srcPort)
            let rd = rank(dstPort)
            if rs < rd { return (false, .inferred) }
            if rd < rs { return (true, .inferred) }
            return (true, .firstPacket)
        case IPProtocolNumber.udp where hasPorts:
            if rank(srcPort) < rank(dstPort) { return (false, .inferred) }
            return (true, .firstPacket)
        case IPProtocolNumber.icmp:
            return (icmpType != 0, .firstPacket)  // echo reply seen first: its receiver asked
        case IPProtocolNumber.icmpv6:
            return (icmpType != 129, .firstPacket)
        default:
            return (true, .firstPacket)
        }
    }
}
