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
    public func classBit(_ zone: ZoneRef) -> UInt8 {
        if zone == .external { return HostRules.externalClass }
        return zone.isZone && zone.zoneIndex < zoneClass.count ? zoneClass[zone.zoneIndex] : 0
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
