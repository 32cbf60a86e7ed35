/// The compiled address → zone lookup: every declared prefix flattened into sorted, disjoint ranges.
///
/// CIDR prefixes either nest or are disjoint, so the most specific prefix at each point can be laid out as
/// non-overlapping ranges once, at load; a lookup is then a binary search, with no allocation. The ranges
/// are stored in Eytzinger order (the search tree laid out breadth first), so a search walks down one array
/// and can ask for the nodes four levels below while it compares: with 100,000 prefixes the tree is larger
/// than the CPU cache, and those misses overlap instead of following one another. The map is immutable: a
/// reload builds a new one and swaps it whole.
public struct ZoneMap: Sendable {
    public let zones: [Zone]
    /// Range starts in Eytzinger order, 1-based (index 0 unused): node k's children are 2k and 2k+1.
    @usableFromInline let treeStart: [UInt128]
    /// For each node, the class of the range that ends just before its start.
    @usableFromInline let treeClassBefore: [ZoneRef]
    /// The class of the last range (up to the top of the address space).
    @usableFromInline let lastClass: ZoneRef

    /// Broadcast, multicast, loopback, link-local and unspecified: `local` whatever zones.conf says.
    public static let localPrefixes: [IPPrefix] = [
        "0.0.0.0/32", "127.0.0.0/8", "169.254.0.0/16", "224.0.0.0/4", "255.255.255.255/32",
        "::/128", "::1/128", "fe80::/10", "ff00::/8",
    ].compactMap { IPPrefix($0) }

    public init(zones: [Zone], internal: [IPPrefix]) {
        self.zones = zones
        // Rank decides who wins where prefixes nest: a longer prefix wins, and local ranges win over all.
        var entries: [(prefix: IPPrefix, rank: Int, ref: ZoneRef)] = []
        for p in `internal` { entries.append((p, p.length, .unzoned)) }
        for (i, z) in zones.enumerated() {
            for p in z.networks { entries.append((p, p.length, ZoneRef(zone: i))) }
        }
        for p in ZoneMap.localPrefixes { entries.append((p, 1000 + p.length, .local)) }
        let (starts, classes) = ZoneMap.flatten(entries)
        (treeStart, treeClassBefore) = ZoneMap.eytzinger(starts, classes)
        lastClass = classes[classes.count - 1]
    }

    /// Lays sorted ranges out breadth first (an in-order walk of the implicit tree takes them in order).
    static func eytzinger(_ starts: [UInt128], _ classes: [ZoneRef]) -> ([UInt128], [ZoneRef]) {
        let n = starts.count
        var tree = [UInt128](repeating: 0, count: n + 1)
        var before = [ZoneRef](repeating: .external, count: n + 1)
        var next = 0
        func place(_ k: Int) {
            guard k <= n else { return }
            place(2 * k)
            tree[k] = starts[next]
            before[k] = next > 0 ? classes[next - 1] : .external
            next += 1
            place(2 * k + 1)
        }
        place(1)
        return (tree, before)
    }

    /// Lays nested prefixes out as disjoint ranges; everything outside any prefix is `external`.
    static func flatten(_ input: [(prefix: IPPrefix, rank: Int, ref: ZoneRef)]) -> ([UInt128], [ZoneRef]) {
        // Outer prefixes first at the same start; equal prefixes keep the higher rank (the later push wins).
        let sorted = input.sorted {
            if $0.prefix.first != $1.prefix.first { return $0.prefix.first < $1.prefix.first }
            if $0.prefix.length != $1.prefix.length { return $0.prefix.length < $1.prefix.length }
            return $0.rank < $1.rank
        }
        var starts: [UInt128] = [0]
        var classes: [ZoneRef] = [.external]
        func emit(_ start: UInt128, _ ref: ZoneRef) {
            if starts.last == start {
                classes[classes.count - 1] = ref
            } else {
                starts.append(start)
                classes.append(ref)
            }
            if classes.count >= 2 && classes[classes.count - 2] == ref {
                starts.removeLast()
                classes.removeLast()
            }
        }
        // Stack of open prefixes: (last address, effective rank, effective class).
        var stack: [(last: UInt128, rank: Int, ref: ZoneRef)] = []
        func close(upTo start: UInt128?) {
            while let top = stack.last, start == nil || top.last < start! {
                stack.removeLast()
                if top.last == UInt128.max { continue }
                emit(top.last + 1, stack.last?.ref ?? .external)
            }
        }
        for e in sorted {
            close(upTo: e.prefix.first)
            var rank = e.rank
            var ref = e.ref
            if let outer = stack.last, outer.rank > rank {
                rank = outer.rank
                ref = outer.ref
            }
            stack.append((e.prefix.last, rank, ref))
            emit(e.prefix.first, ref)
        }
        close(upTo: nil)
        return (starts, classes)
    }

    /// The zone, or address class, of `address`.
    @inlinable
    public func lookup(_ address: IPAddress) -> ZoneRef {
        let key = address.rawValue
        let k: Int = treeStart.withUnsafeBufferPointer { tree in
            let n = tree.count - 1
            let base = UnsafeRawPointer(tree.baseAddress!)
            var k = 1
            while k <= n {
                // The first of the 16 nodes four levels down (a hint: it never faults, even past the end).
                Prefetch.read(base + 16 &* k &* MemoryLayout<UInt128>.stride)
                k = 2 &* k &+ (tree[k] <= key ? 1 : 0)
            }
            // The path went right at every node at or below the key: dropping those steps (the trailing
            // ones) and the last left turn leaves the first node above the key, or 0 when there is none.
            return k >> ((~k).trailingZeroBitCount &+ 1)
        }
        return k == 0 ? lastClass : treeClassBefore[k]
    }

    /// Number of flattened ranges (for benchmarks and `check`).
    public var rangeCount: Int { treeStart.count - 1 }

    /// The zone id, or the class name (`external`, `unzoned`, `local`) used in alerts.
    public func name(of ref: ZoneRef) -> String {
        switch ref {
        case .external: return "external"
        case .unzoned: return "unzoned"
        case .local: return "local"
        default: return ref.zoneIndex < zones.count ? zones[ref.zoneIndex].id : "zone-\(ref.rawValue)"
        }
    }

    /// The human label for messages (the zone's label, or the class name).
    public func label(of ref: ZoneRef) -> String {
        ref.isZone && ref.zoneIndex < zones.count ? zones[ref.zoneIndex].label : name(of: ref)
    }

    /// The kind of a declared zone, or nil for external/unzoned/local.
    @inlinable
    public func kind(of ref: ZoneRef) -> ZoneKind? {
        ref.isZone && ref.zoneIndex < zones.count ? zones[ref.zoneIndex].kind : nil
    }
}
