extension PolicyConfig {
    /// This configuration as the reload of `old`: each zone of `old` it no longer declares (renamed or
    /// removed) is kept after its own zones, with no networks and no VLANs. No address falls in such a zone
    /// and no rule looks at it; it is there so that what was judged under the old map (the matrix's cells,
    /// the zones of flows still open) keeps its name, since a zone is known across a reload by its id.
    /// None is ever dropped within a run: every worker's state may still name one, and the workers share one
    /// zone list (the bound this sets is in docs/operations.md, on `SIGHUP`).
    public func keepingRetiredZones(of old: PolicyConfig) -> PolicyConfig {
        var out = self
        var declared = Set(zones.map(\.id))
        for z in old.zones where !declared.contains(z.id) && out.zones.count < Int(ZoneRef.external.rawValue) {
            out.zones.append(Zone(id: z.id, kind: z.kind, label: z.label, networks: []))
            declared.insert(z.id)
        }
        return out
    }
}

/// Zone refs of one configuration as refs of its reload, by zone id: what was noted under the old map
/// (a finding's zones, a flow's judged zones) named as before under the new one. The classes (`external`,
/// `unzoned`, `local`) stay; a zone the new configuration lacks has none (nil).
public struct ZoneRenumbering: Sendable {
    private let refs: [ZoneRef?]

    public init(from old: PolicyConfig, to new: PolicyConfig) {
        var index: [String: Int] = [:]
        for (i, z) in new.zones.enumerated() where index[z.id] == nil { index[z.id] = i }
        refs = old.zones.map { index[$0.id].map { ZoneRef(zone: $0) } }
    }

    public func callAsFunction(_ r: ZoneRef) -> ZoneRef? {
        guard r.isZone else { return r }
        return r.zoneIndex < refs.count ? refs[r.zoneIndex] : nil
    }
}
