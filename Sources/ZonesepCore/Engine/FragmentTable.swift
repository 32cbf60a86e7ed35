/// Remembers the ports of first fragments, so later fragments join the same flow (a small direct-mapped
/// cache: a collision overwrites, and the loser's later fragments are counted as orphans).
struct FragmentTable {
    struct Slot {
        var src = IPAddress(rawValue: 0)
        var dst = IPAddress(rawValue: 0)
        var id: UInt32 = 0
        var proto: UInt8 = 0
        var used = false
        var srcPort: UInt16 = 0
        var dstPort: UInt16 = 0
        var seen: Int64 = 0
    }

    static let size = 4096
    /// Fragments of one datagram arrive within this much packet time, or are orphans.
    static let lifetime: Int64 = 30_000_000
    var slots = [Slot](repeating: Slot(), count: FragmentTable.size)

    /// Keyed by addresses and identification only: a later IPv6 fragment names the header after the
    /// fragment header (say, destination options), not the transport its first fragment revealed.
    @inline(__always)
    static func index(_ src: IPAddress, _ dst: IPAddress, _ id: UInt32) -> Int {
        var h = UInt64(truncatingIfNeeded: src.rawValue) &* 0x9E37_79B9_7F4A_7C15
        h ^= UInt64(truncatingIfNeeded: dst.rawValue) &* 0xC2B2_AE3D_27D4_EB4F
        h ^= UInt64(id) &* 0x1656_67B1_9E37_79F9
        return Int(truncatingIfNeeded: h >> 40) & (size - 1)
    }

    /// Records the flow ports (`srcPort`, `dstPort` as the flow key uses them) of a first fragment.
    mutating func record(_ p: DecodedPacket, srcPort: UInt16, dstPort: UInt16, at now: Int64) {
        let i = FragmentTable.index(p.src, p.dst, p.fragmentID)
        slots[i] = Slot(
            src: p.src, dst: p.dst, id: p.fragmentID, proto: p.proto, used: true, srcPort: srcPort,
            dstPort: dstPort, seen: now)
    }

    /// The transport protocol and flow ports of the datagram a later fragment belongs to.
    func lookup(_ p: DecodedPacket, at now: Int64) -> (proto: UInt8, srcPort: UInt16, dstPort: UInt16)? {
        let s = slots[FragmentTable.index(p.src, p.dst, p.fragmentID)]
        guard s.used, s.id == p.fragmentID, s.src == p.src, s.dst == p.dst, now - s.seen <= FragmentTable.lifetime
        else { return nil }
        return (s.proto, s.srcPort, s.dstPort)
    }
}
