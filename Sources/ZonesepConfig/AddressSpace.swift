import ZonesepCore

/// The zones and the internal space, to tell which zones a declared address or network falls in.
struct AddressSpace {
    let zones: [Zone]
    let internalSpace: [IPPrefix]
    /// Every zone network, sorted by first address: the networks inside a prefix are one run of it (with
    /// the length of the network as declared, for a part of one around the IPv4-mapped block).
    private let networks: [(prefix: IPPrefix, zone: Int, declared: Int)]
    /// Each network's zone by its bits, and the network lengths in use, longest first: the networks
    /// holding a prefix are found by one lookup per length, not by scanning them all (a prefecture's
    /// policy asks this for tens of thousands of prefixes).
    private let zoneOf: PrefixTable
    private let lengths: [Int]
    /// The addresses some zone network holds, as sorted disjoint ranges: a prefix starting outside them
    /// (an external address, as half of an exception's are) has no enclosing network, found by one
    /// binary search instead of a lookup per length.
    private let covered: [(first: UInt128, last: UInt128)]

    init(zones: [Zone], internal internalSpace: [IPPrefix]) {
        self.zones = zones
        self.internalSpace = internalSpace
        // An IPv6 network around the IPv4-mapped block enters as its parts outside the block (it holds no
        // IPv4 address); where two zones' parts are the same prefix, the longer declared network's comes
        // first and wins, as in the zone map.
        var networks: [(prefix: IPPrefix, zone: Int, declared: Int)] = []
        for (i, z) in zones.enumerated() {
            for n in z.networks {
                guard n.coversIPv4Block else {
                    networks.append((n, i, n.length))
                    continue
                }
                for q in n.matchedParts { networks.append((q, i, n.length)) }
            }
        }
        networks.sort {
            if $0.prefix.first != $1.prefix.first { return $0.prefix.first < $1.prefix.first }
            if $0.prefix.length != $1.prefix.length { return $0.prefix.length < $1.prefix.length }
            return $0.declared > $1.declared
        }
        self.networks = networks
        var zoneOf = PrefixTable(capacity: networks.count)
        for n in networks where zoneOf[n.prefix.first, n.prefix.length] == nil {
            zoneOf.insert(n.prefix.first, n.prefix.length, n.zone)
        }
        self.zoneOf = zoneOf
        lengths = Set(networks.map(\.prefix.length)).sorted(by: >)
        var covered: [(first: UInt128, last: UInt128)] = []
        for n in networks {
            if let end = covered.last?.last, n.prefix.first <= end {
                covered[covered.count - 1].last = max(end, n.prefix.last)
            } else {
                covered.append((n.prefix.first, n.prefix.last))
            }
        }
        self.covered = covered
    }

    /// Whether some zone network holds `address`.
    private func isCovered(_ address: UInt128) -> Bool {
        var lo = 0
        var hi = covered.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if covered[mid].first <= address { lo = mid + 1 } else { hi = mid }
        }
        return lo > 0 && address <= covered[lo - 1].last
    }

    /// The networks strictly inside `p`.
    private func inside(_ p: IPPrefix) -> ArraySlice<(prefix: IPPrefix, zone: Int, declared: Int)> {
        var lo = 0
        var hi = networks.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if networks[mid].prefix.first < p.first { lo = mid + 1 } else { hi = mid }
        }
        var end = lo
        while end < networks.count && networks[end].prefix.first <= p.last { end += 1 }
        return networks[lo..<end]
    }

    /// The zone networks of `p`'s family strictly inside it, with their zones (an IPv6 network around the
    /// IPv4-mapped block as its parts outside it).
    func networks(inside p: IPPrefix) -> [(prefix: IPPrefix, zone: Int)] {
        inside(p).filter { $0.prefix.length > p.length && $0.prefix.isIPv4 == p.isIPv4 }.map { ($0.prefix, $0.zone) }
    }

    /// The zone of the most specific network holding all of `p`.
    private func enclosing(_ p: IPPrefix) -> Int? {
        // A network holding all of p holds its first address.
        guard isCovered(p.first) else { return nil }
        for length in lengths where length <= p.length {
            if let zone = zoneOf[IPPrefix(address: p.address, length: length).first, length] { return zone }
        }
        return nil
    }

    struct Reach {
        /// Indexes into `zones` that some address of the prefix belongs to (most specific network wins).
        var zones: Set<Int> = []
        /// Some address of the prefix is in no zone and outside the internal space.
        var external = false
        /// Some address of the prefix is in no zone but inside the internal space.
        var unzoned = false
        /// Some address of the prefix is local (broadcast, multicast, loopback, link-local, unspecified):
        /// the rules allow every flow with such an end before any declaration is looked at.
        var local = false

        /// All of the prefix is in one zone.
        var isOneZone: Bool { zones.count == 1 && !external && !unzoned && !local }
    }

    /// The local ranges, which win over every zone and the internal space (as in `ZoneMap`).
    static let localPrefixes = ZoneMap.localPrefixes
    /// The same with their first and last addresses, and the IPv4 ones alone (no IPv6 local range overlaps
    /// an IPv4 prefix): a policy's prefixes, mostly IPv4 and clear of every local range, are told apart
    /// from them by two comparisons each rather than by masking.
    private static let localRanges = localPrefixes.map { (prefix: $0, first: $0.first, last: $0.last) }
    private static let localIPv4Ranges = localRanges.filter(\.prefix.isIPv4)

    /// The local ranges inside `p`, or nil when a local range holds all of `p`. An array only when
    /// some range is inside `p`, which few prefixes of a policy reach.
    private static func localParts(of p: IPPrefix) -> [IPPrefix]? {
        var parts: [IPPrefix] = []
        let first = p.first
        let last = p.last
        // Two prefixes that overlap share an address, so their ranges meet: the comparisons only skip.
        for q in p.isIPv4 ? localIPv4Ranges : localRanges
        where q.first <= last && first <= q.last && overlaps(q.prefix, p) {
            if q.prefix.length <= p.length { return nil }
            parts.append(q.prefix)
        }
        return parts
    }

    /// The local ranges a zone network takes in, which stay local whatever zone holds them: nil when all of
    /// `p` is local, else those inside it (none for nearly every network).
    static func localRanges(in p: IPPrefix) -> [IPPrefix]? {
        guard p.coversIPv4Block else { return localParts(of: p) }
        // Its parts outside the IPv4-mapped block: none of them is local as a whole.
        return p.matchedParts.flatMap { localParts(of: $0) ?? [$0] }
    }

    /// How much of its family `p` holds when it is a catch-all ("every IPv4 address", "half of all IPv6
    /// addresses"), else nil. The one rule for a declaration that names the Internet at large: a prefix that
    /// short in an exception with any port, or in a gateway, switches rules off for everything it holds.
    static func catchAll(_ p: IPPrefix) -> String? {
        // Asked of every prefix of every exception: nothing is spelled for the others.
        guard p.displayLength <= 1 else { return nil }
        let family = p.isIPv4 ? "IPv4" : "IPv6"
        return p.displayLength == 0 ? "every \(family) address" : "half of all \(family) addresses"
    }

    /// The external addresses of a family (in no zone, outside the internal space, not local), as sorted
    /// disjoint ranges: what a gateway would have to hold to switch security-cloud-bypass off altogether.
    func externalRanges(ipv4: Bool) -> [(first: UInt128, last: UInt128)] {
        let block = IPPrefix(address: IPAddress(rawValue: IPAddress.v4MappedPrefix), length: 96)
        var filled = covered
        for q in internalSpace + AddressSpace.localPrefixes {
            for part in q.matchedParts { filled.append((part.first, part.last)) }
        }
        // IPv6 goes round the IPv4-mapped block, which holds only IPv4 addresses.
        if !ipv4 { filled.append((block.first, block.last)) }
        let span = ipv4 ? (first: block.first, last: block.last) : (first: UInt128.min, last: UInt128.max)
        var out: [(first: UInt128, last: UInt128)] = []
        var next: UInt128? = span.first
        for r in AddressSpace.merged(filled) where r.last >= span.first && r.first <= span.last {
            guard let n = next else { break }
            if r.first > n { out.append((n, r.first - 1)) }
            next = r.last >= span.last ? nil : max(n, r.last + 1)
        }
        if let n = next { out.append((n, span.last)) }
        return out
    }

    /// Whether the prefixes of one family hold every one of `ranges` (sorted, disjoint).
    static func hold(_ prefixes: [IPPrefix], all ranges: [(first: UInt128, last: UInt128)]) -> Bool {
        guard !ranges.isEmpty else { return false }
        let held = merged(prefixes.flatMap(\.matchedParts).map { ($0.first, $0.last) })
        var i = 0
        for r in ranges {
            // Both lists are sorted: the range holding r, if any, is at or after the last one used.
            while i < held.count && held[i].last < r.first { i += 1 }
            guard i < held.count, held[i].first <= r.first, held[i].last >= r.last else { return false }
        }
        return true
    }

    /// `ranges` sorted, with those that overlap or touch joined.
    private static func merged(_ ranges: [(first: UInt128, last: UInt128)]) -> [(first: UInt128, last: UInt128)] {
        var out: [(first: UInt128, last: UInt128)] = []
        for r in ranges.sorted(by: { $0.first < $1.first }) {
            if let end = out.last?.last, end == .max || r.first <= end + 1 {
                out[out.count - 1].last = max(end, r.last)
            } else {
                out.append(r)
            }
        }
        return out
    }

    func reach(_ p: IPPrefix) -> Reach {
        var r = Reach()
        // An IPv6 prefix around the IPv4-mapped block reaches what its parts outside the block reach.
        if p.coversIPv4Block {
            for q in p.matchedParts {
                let s = reach(q)
                r.zones.formUnion(s.zones)
                r.external = r.external || s.external
                r.unzoned = r.unzoned || s.unzoned
                r.local = r.local || s.local
            }
            return r
        }
        // Local ranges keep their addresses whatever zone or internal prefix holds them.
        guard let local = AddressSpace.localParts(of: p) else {
            r.local = true
            return r
        }
        r.local = !local.isEmpty
        // Networks inside p keep their own addresses; the rest of p goes to the most specific
        // network holding all of p, or else is unzoned or external.
        let inner = inside(p).filter { $0.prefix.length > p.length }
        for n in inner { r.zones.insert(n.zone) }
        let filled = inner.map(\.prefix) + local
        if !filled.isEmpty && AddressSpace.covers(p, filled) { return r }
        if let zone = enclosing(p) {
            r.zones.insert(zone)
            return r
        }
        if !AddressSpace.covers(p, filled + internalSpace) { r.external = true }
        if internalSpace.contains(where: { AddressSpace.overlaps($0, p) }) { r.unzoned = true }
        return r
    }

    /// Whether `reach(p).zones` holds a zone of `kind`, without building the set.
    func reaches(_ p: IPPrefix, kind: ZoneKind) -> Bool { classes(p).contains(Classes(AddressClass(kind))) }

    /// The classes of address (zone kinds, unzoned, external) that some address of `p` belongs to, as
    /// `reach` finds them but without building its set of zones: every prefix of every exception is asked
    /// this. The internal space's part of `p` that zones nested in `p` fill is not unzoned.
    func classes(_ p: IPPrefix) -> Classes {
        // An IPv6 prefix around the IPv4-mapped block: what its parts outside the block reach.
        if p.coversIPv4Block { return p.matchedParts.reduce(into: []) { $0.formUnion(classes($1)) } }
        // Local ranges keep their addresses whatever zone or internal prefix holds them.
        guard var inner = AddressSpace.localParts(of: p) else { return .local }
        var out: Classes = inner.isEmpty ? [] : .local
        // Networks strictly inside p keep their own addresses. None is longer than p for nearly every address
        // and small network a policy names, and the search for them is skipped.
        if let longest = lengths.first, p.length < longest {
            for n in inside(p) where n.prefix.length > p.length {
                out.insert(Classes(AddressClass(zones[n.zone].kind)))
                inner.append(n.prefix)
            }
        }
        if !inner.isEmpty && AddressSpace.covers(p, inner) { return out }
        // The rest of p goes to the most specific network holding all of p, or else is unzoned or external.
        if let zone = enclosing(p) { return out.union(Classes(AddressClass(zones[zone].kind))) }
        if !AddressSpace.covers(p, inner.isEmpty ? internalSpace : inner + internalSpace) { out.insert(.external) }
        for q in internalSpace where AddressSpace.overlaps(q, p) {
            // The smaller of the two is their common part.
            if inner.isEmpty || !AddressSpace.covers(q.length > p.length ? q : p, inner) {
                out.insert(.unzoned)
                break
            }
        }
        return out
    }

    /// A set of `AddressClass`es in one byte.
    struct Classes: OptionSet, Hashable {
        let rawValue: UInt8
        static let mynumber = Classes(.mynumber)
        static let lgwan = Classes(.lgwan)
        static let internet = Classes(.internet)
        static let external = Classes(.external)
        static let unzoned = Classes(.unzoned)
        static let local = Classes(.local)

        init(rawValue: UInt8) { self.rawValue = rawValue }
        init(_ c: AddressClass) {
            switch c {
            case .mynumber: rawValue = 1
            case .lgwan: rawValue = 2
            case .internet: rawValue = 4
            case .external: rawValue = 8
            case .unzoned: rawValue = 16
            case .local: rawValue = 32
            }
        }

        /// The members, in `AddressClass.allCases` order.
        var members: [AddressClass] { AddressClass.allCases.filter { contains(Classes($0)) } }
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
        var local = false
        for p in prefixes {
            let r = reach(p)
            ids.formUnion(r.zones)
            external = external || r.external
            unzoned = unzoned || r.unzoned
            local = local || r.local
        }
        var parts = ids.sorted().map { "\(zones[$0].id) (\(zones[$0].kind.rawValue))" }
        if unzoned { parts.append("unzoned") }
        if external { parts.append("external") }
        if local { parts.append("local") }
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

/// Zone networks by their bits (first address and length), in an open-addressed table with a
/// multiplicative hash: a dictionary's keyed hash cost more than the rest of the lookup, asked once per
/// network length for every prefix of a policy.
struct PrefixTable {
    private var firsts: [UInt128]
    private var lengths: [Int]
    /// The zone index, or -1 for a free slot.
    private var zones: [Int]
    private let mask: Int

    init(capacity: Int) {
        var size = 8
        while size < capacity * 2 { size <<= 1 }
        firsts = Array(repeating: 0, count: size)
        lengths = Array(repeating: 0, count: size)
        zones = Array(repeating: -1, count: size)
        mask = size - 1
    }

    private func slot(_ first: UInt128, _ length: Int) -> Int {
        let a = UInt64(truncatingIfNeeded: first) ^ UInt64(truncatingIfNeeded: first >> 64)
        var h = (a ^ UInt64(length)) &* 0x9e37_79b9_7f4a_7c15
        h ^= h >> 29
        return Int(truncatingIfNeeded: h) & mask
    }

    subscript(first: UInt128, length: Int) -> Int? {
        var s = slot(first, length)
        while zones[s] >= 0 {
            if firsts[s] == first && lengths[s] == length { return zones[s] }
            s = (s + 1) & mask
        }
        return nil
    }

    /// Adds a key not yet in the table.
    mutating func insert(_ first: UInt128, _ length: Int, _ zone: Int) {
        var s = slot(first, length)
        while zones[s] >= 0 { s = (s + 1) & mask }
        firsts[s] = first
        lengths[s] = length
        zones[s] = zone
    }
}
