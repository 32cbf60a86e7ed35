import ZonesepCore

/// The flows `zone-vlan-mismatch` could not judge: untagged (or priority-tagged, VLAN 0) flows with an end in
/// a zone that declares `vlans` (the summary's `coverage.flows_untagged_vlan_zones` and
/// `flows_untagged_by_zone`). A run with some tagged flows can still leave a zone's hosts unchecked: a trunk
/// mirror whose native VLAN carries one zone untagged.
public struct UntaggedVLANFlows: Sendable, Equatable {
    /// A zone that declares `vlans`, and its untagged flows (a flow within the zone counts once).
    public struct Zone: Sendable, Equatable {
        public var zone: ZoneRef
        public var flows: UInt64
        public init(zone: ZoneRef, flows: UInt64) {
            self.zone = zone
            self.flows = flows
        }
    }

    /// Untagged flows with at least one end in a zone that declares `vlans`, each counted once.
    public var total: UInt64
    /// The zones with such flows, in zones.conf order (their flows add up to more than `total` when a flow
    /// joins two of them).
    public var zones: [Zone]

    public init(total: UInt64, zones: [Zone]) {
        self.total = total
        self.zones = zones
    }

    /// From the matrix's untagged flows, by the zones `policy` declares with `vlans` (the policy the run
    /// ended with: after a reload, the last map's zones and VLANs, as the matrix shows them).
    public init(policy: Policy, matrix: ZoneMatrix) {
        let zones = policy.config.zones
        guard matrix.zoneCount == zones.count else {
            self.init(total: 0, zones: [])
            return
        }
        let declares = (0..<matrix.side).map { i in i < zones.count && !zones[i].vlans.isEmpty }
        var total: UInt64 = 0
        var byZone = [UInt64](repeating: 0, count: zones.count)
        for a in 0..<matrix.side {
            for b in 0..<matrix.side {
                let n = matrix.untaggedFlows[a * matrix.side + b]
                guard n > 0, declares[a] || declares[b] else { continue }
                total &+= n
                if declares[a] { byZone[a] &+= n }
                if declares[b] && b != a { byZone[b] &+= n }
            }
        }
        self.init(
            total: total,
            zones: byZone.indices.filter { byZone[$0] > 0 }.map { Zone(zone: ZoneRef(zone: $0), flows: byZone[$0]) })
    }

    /// The summary's `flows_untagged_by_zone` object: zone id → flows, only zones with some.
    func json(_ map: ZoneMap) -> String {
        var o = JSONObject()
        for z in zones { o.add(map.name(of: z.zone), z.flows) }
        return o.json
    }

    /// "mynumber: 3, internet: 12": the zones as a person reads them.
    public func zoneList(_ map: ZoneMap) -> String {
        zones.map { "\(map.name(of: $0.zone)): \(CoverageReport.grouped($0.flows))" }.joined(separator: ", ")
    }

    /// The text summary's line and stderr's warning when zones that declare `vlans` had untagged flows: their
    /// hosts were not checked against `vlans`, though other flows were tagged (or none was).
    public func warning(_ map: ZoneMap, flows: UInt64) -> String? {
        guard total > 0 else { return nil }
        return "\(CoverageReport.grouped(total)) of \(CoverageReport.grouped(flows)) flows had an end in a zone that "
            + "declares VLANs and were untagged or VLAN 0 (\(zoneList(map))): zone-vlan-mismatch could not judge their hosts"
    }
}
