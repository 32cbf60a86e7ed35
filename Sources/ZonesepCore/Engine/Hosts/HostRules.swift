/// What the host rules need from the policy, compiled once per policy: the declared routers' MACs, each
/// zone's kind and its `vlans` as a 4096-bit set. The host table takes it with each observation, so that
/// workers sharing one table each judge by the policy they run. A class: passed with every observation,
/// a struct of three arrays cost three reference counts up and down each time (about 130 instructions).
public final class HostRules: Sendable {
    /// Declared routers' MACs, sorted (a binary search: routers are few).
    public let routers: [UInt64]
    /// The class bit of each zone (its kind's), and of external addresses: `dual-homed-host` is two bits.
    public let zoneClass: [UInt8]
    /// The bit of a zone of kind `mynumber`: a finding with it is critical.
    public static let mynumberClass: UInt8 = 1 << 0
    public static let externalClass: UInt8 = 1 << 3
    /// Per zone, its `vlans` as 64 words of a 4096-bit set; nil where the zone declares none.
    public let zoneVLANs: [[UInt64]?]
    /// The class bit of every `ZoneRef` at `rawValue &+ 3` (external, unzoned and local wrap to 0...2, the
    /// zones follow): one bounds check and one load where `classBit` would branch on the kind of ref.
    let classByRef: [UInt8]
    /// Whether any router is declared: most policies declare none, and their observations skip the search.
    let hasRouters: Bool
    /// Added to `admit`'s answer when the address's zone does not list the frame's VLAN.
    static let vlanMismatchBit: UInt16 = 1 << 8

    public init(_ config: PolicyConfig) {
        routers = config.routers.flatMap { $0.macs.map(\.rawValue) }.sorted()
        zoneClass = config.zones.map {
            switch $0.kind {
            case .mynumber: return HostRules.mynumberClass
            case .lgwan: return 1 << 1
            case .internet: return 1 << 2
            }
        }
        zoneVLANs = config.zones.map { z in
            guard !z.vlans.isEmpty else { return nil }
            var words = [UInt64](repeating: 0, count: 64)
            for v in z.vlans { words[Int(v & 0xfff) >> 6] |= 1 << UInt64(v & 63) }
            return words
        }
        classByRef = [HostRules.externalClass, 0, 0] + zoneClass
        hasRouters = !routers.isEmpty
    }

    /// Whether `mac` belongs to a declared router.
    public func isRouter(_ mac: UInt64) -> Bool {
        var lo = 0
        var hi = routers.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if routers[mid] < mac { lo = mid + 1 } else { hi = mid }
        }
        return lo < routers.count && routers[lo] == mac
    }

    /// The class bit of an address in `zone` (0: not counted by `dual-homed-host`: unzoned or local).
    @inline(__always)
    public func classBit(_ zone: ZoneRef) -> UInt8 {
        let i = Int(zone.rawValue &+ 3)
        return i < classByRef.count ? classByRef[i] : 0
    }

    /// What the host table is to make of `o`, from the policy alone: 0 when it records nothing (an address
    /// outside every counted zone; a group or all-zero source MAC is no device; a router's is exempt), else
    /// the address's class bit, plus `vlanMismatchBit` when `checksVLAN` (an IP packet's source) and the
    /// frame's innermost VLAN is not one of its zone's `vlans` (an untagged frame is not checked).
    @inline(__always)
    func admit(_ o: HostTable.Observation, checksVLAN: Bool) -> UInt16 {
        let classBit = classBit(o.zone)
        guard classBit != 0, o.mac & 0x0100_0000_0000 == 0, o.mac != 0, !hasRouters || !isRouter(o.mac) else {
            return 0
        }
        // The VLAN count is bits 24...27.
        guard checksVLAN && o.vlans >> 24 != 0 else { return UInt16(classBit) }
        return UInt16(classBit)
            | (o.innermostVLAN.map { vlanMismatch(o.zone, vlan: $0) } == true ? HostRules.vlanMismatchBit : 0)
    }

    /// Whether an address of `zone` on innermost VLAN `vlan` breaks the zone's `vlans` (false when the zone
    /// declares none, or the address is in no zone).
    public func vlanMismatch(_ zone: ZoneRef, vlan: UInt16) -> Bool {
        guard zone.isZone, zone.zoneIndex < zoneVLANs.count, let words = zoneVLANs[zone.zoneIndex] else {
            return false
        }
        let v = Int(vlan & 0xfff)
        return words[v >> 6] & (1 << UInt64(v & 63)) == 0
    }
}
