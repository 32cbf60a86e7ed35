import ZonesepCore

/// The zones and the internal space, to tell which zones a declared address or network falls in.
struct AddressSpace {
    let zones: [Zone]
    let internalSpace: [IPPrefix]
    private let networks: [(prefix: IPPrefix, zone: Int)]

    init(zones: [Zone], internal internalSpace: [IPPrefix]) {
        self.zones = zones
        self.internalSpace = internalSpace
        networks = zones.enumerated().flatMap { z in z.element.networks.map { ($0, z.offset) } }
    }

    struct Reach {
        /// Indexes into `zones` that some address of the prefix belongs to (most specific network wins).
        var zones: Set<Int> = []
        /// Some address of the prefix is in no zone and outside the internal space.
        var external = false
        /// Some address of the prefix is in no zone but inside the internal space.
        var unzoned = false
    }

    func reach(_ p: IPPrefix) -> Reach {
        var r = Reach()
        // Networks inside p keep their own addresses; the rest of p goes to the most specific
        // network holding all of p, or else is unzoned or external.
        let inner = networks.filter { $0.prefix.length > p.length && p.contains($0.prefix.address) }
        for n in inner { r.zones.insert(n.zone) }
        if AddressSpace.covers(p, inner.map(\.prefix)) { return r }
        let enclosing = networks.filter { $0.prefix.length <= p.length && $0.prefix.contains(p.address) }
            .max { $0.prefix.length < $1.prefix.length }
        if let enclosing {
            r.zones.insert(enclosing.zone)
            return r
        }
        if !AddressSpace.covers(p, inner.map(\.prefix) + internalSpace) { r.external = true }
        if internalSpace.contains(where: { AddressSpace.overlaps($0, p) }) { r.unzoned = true }
        return r
    }

    func kinds(_ prefixes: [IPPrefix]) -> Set<ZoneKind> {
        var out: Set<ZoneKind> = []
        for p in prefixes { for z in reach(p).zones { out.insert(zones[z].kind) } }
        return out
    }

    /// "lgwan, external": the zones and address classes a list reaches, for messages.
    func describe(_ prefixes: [IPPrefix]) -> String {
        var ids: Set<Int> = []
        var external = false
        var unzoned = false
        for p in prefixes {
            let r = reach(p)
            ids.formUnion(r.zones)
            external = external || r.external
            unzoned = unzoned || r.unzoned
        }
        var parts = ids.sorted().map { "\(zones[$0].id) (\(zones[$0].kind.rawValue))" }
        if unzoned { parts.append("unzoned") }
        if external { parts.append("external") }
        return parts.joined(separator: ", ")
    }

    static func overlaps(_ a: IPPrefix, _ b: IPPrefix) -> Bool {
        a.length <= b.length ? a.contains(b.address) : b.contains(a.address)
    }

    /// Whether the union of `parts` covers every address of `p`.
    static func covers(_ p: IPPrefix, _ parts: [IPPrefix]) -> Bool {
        var ranges: [(UInt128, UInt128)] = []
        for q in parts where overlaps(p, q) {
            if q.length <= p.length { return true }
            ranges.append((q.first, q.last))
        }
        ranges.sort { $0.0 < $1.0 }
        var next = p.first
        for (lo, hi) in ranges {
            if lo > next { return false }
            if hi >= p.last { return true }
            if hi >= next { next = hi + 1 }
        }
        return false
    }
}
