/// Remembers what later fragments need of their first: the ports of a fragmented datagram, so its later
/// fragments join the same flow; and, for a tunnel entered from the first fragment of its outer datagram,
/// what that fragment's inner packet came to, so the outer datagram's later fragments count with it. Two
/// small direct-mapped caches: a collision overwrites, and the loser's later fragments are orphans.
struct FragmentTable {
    struct Slot {
        var src = IPAddress(rawValue: 0)
        var dst = IPAddress(rawValue: 0)
        /// The datagram's `DecodedPacket.fragmentContext` (VLANs, VNI).
        var context: UInt64 = 0
        var id: UInt32 = 0
        var proto: UInt8 = 0
        var used = false
        var srcPort: UInt16 = 0
        var dstPort: UInt16 = 0
        var seen: Int64 = 0
    }

    /// An outer datagram whose first fragment held a tunnel, and what its inner packet came to.
    struct TunnelSlot {
        var src = IPAddress(rawValue: 0)
        var dst = IPAddress(rawValue: 0)
        var context: UInt64 = 0
        var id: UInt32 = 0
        var used = false
        var seen: Int64 = 0
        var datagram = TunnelDatagram(
            coverage: .judged, counted: .neither, anomaly: nil, src: IPAddress(rawValue: 0),
            dst: IPAddress(rawValue: 0), flow: nil, fromA: false)
    }

    /// What the inner packet of a fragmented tunnel datagram came to, all that its frame counted, so that
    /// each later fragment counts the same: the summary's totals then still add up.
    struct TunnelDatagram {
        /// Which of the summary's totals the frame counted in.
        enum Counted: UInt8 {
            /// `ip_packets`, and the zone matrix by `src` and `dst`.
            case ip
            /// `non_ip_packets`.
            case nonIP
            /// Neither: malformed before its IP addresses were read.
            case neither
        }
        var coverage: FrameCoverage
        var counted: Counted
        /// The anomaly the frame counted, if any (malformed, `fragment-orphan`).
        var anomaly: DecodeAnomaly?
        /// The inner packet's own addresses, which chose its zone-matrix cell (with `counted == .ip`).
        var src: IPAddress
        var dst: IPAddress
        /// The flow it joined (with the direction it went in it), when it was judged as one.
        var flow: FlowKey?
        var fromA: Bool
    }

    static let size = 4096
    static let tunnelSize = 1024
    /// Fragments of one datagram arrive within this much packet time, or are orphans.
    static let lifetime: Int64 = 30_000_000
    var slots = [Slot](repeating: Slot(), count: FragmentTable.size)
    var tunnelSlots = [TunnelSlot](repeating: TunnelSlot(), count: FragmentTable.tunnelSize)

    /// Keyed by addresses, identification and context (VLANs, VNI, as flows are: two tenants may reuse
    /// addresses and ids), not by protocol: a later IPv6 fragment names the header after the fragment
    /// header (say, destination options), not the transport its first fragment revealed.
    @inline(__always)
    static func index(_ src: IPAddress, _ dst: IPAddress, _ id: UInt32, _ context: UInt64, size: Int) -> Int {
        var h = UInt64(truncatingIfNeeded: src.rawValue) &* 0x9E37_79B9_7F4A_7C15
        h ^= UInt64(truncatingIfNeeded: dst.rawValue) &* 0xC2B2_AE3D_27D4_EB4F
        h ^= UInt64(id) &* 0x1656_67B1_9E37_79F9
        h ^= context &* 0x85EB_CA77_C2B2_AE63
        return Int(truncatingIfNeeded: h >> 40) & (size - 1)
    }

    /// Records the flow ports (`srcPort`, `dstPort` as the flow key uses them) of a first fragment.
    mutating func record(_ p: DecodedPacket, srcPort: UInt16, dstPort: UInt16, at now: Int64) {
        let context = p.fragmentContext
        let i = FragmentTable.index(p.src, p.dst, p.fragmentID, context, size: FragmentTable.size)
        slots[i] = Slot(
            src: p.src, dst: p.dst, context: context, id: p.fragmentID, proto: p.proto, used: true,
            srcPort: srcPort, dstPort: dstPort, seen: now)
    }

    /// The transport protocol and flow ports of the datagram a later fragment belongs to.
    func lookup(_ p: DecodedPacket, at now: Int64) -> (proto: UInt8, srcPort: UInt16, dstPort: UInt16)? {
        let context = p.fragmentContext
        let s = slots[FragmentTable.index(p.src, p.dst, p.fragmentID, context, size: FragmentTable.size)]
        guard s.used, s.id == p.fragmentID, s.src == p.src, s.dst == p.dst, s.context == context,
            now - s.seen <= FragmentTable.lifetime
        else { return nil }
        return (s.proto, s.srcPort, s.dstPort)
    }

    /// Records what the inner packet of `p` came to, `p` having entered a tunnel from the first fragment
    /// of its outer datagram (`p.fragmentedTunnel != 0`).
    mutating func recordTunnel(_ p: DecodedPacket, _ datagram: TunnelDatagram, at now: Int64) {
        let outer = p.tunnels[Int(p.fragmentedTunnel) &- 1]
        let i = FragmentTable.index(
            outer.src, outer.dst, p.tunnelFragmentID, p.tunnelFragmentContext, size: FragmentTable.tunnelSize)
        tunnelSlots[i] = TunnelSlot(
            src: outer.src, dst: outer.dst, context: p.tunnelFragmentContext, id: p.tunnelFragmentID, used: true,
            seen: now, datagram: datagram)
    }

    /// What the inner packet of the tunnel datagram a later fragment belongs to came to.
    func lookupTunnel(_ p: DecodedPacket, at now: Int64) -> TunnelDatagram? {
        let context = p.fragmentContext
        let s = tunnelSlots[
            FragmentTable.index(p.src, p.dst, p.fragmentID, context, size: FragmentTable.tunnelSize)]
        guard s.used, s.id == p.fragmentID, s.src == p.src, s.dst == p.dst, s.context == context,
            now - s.seen <= FragmentTable.lifetime
        else { return nil }
        return s.datagram
    }
}
