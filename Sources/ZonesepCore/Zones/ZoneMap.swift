/// The compiled address → zone lookup: every declared prefix flattened into sorted, disjoint ranges.
///
/// CIDR prefixes either nest or are disjoint, so the most specific prefix at each point can be laid out as
/// non-overlapping ranges once, at load; a lookup is then a search of a `RangeTree`, with no allocation.
/// IPv4 addresses (the IPv4-mapped block) have a tree of their own with 32-bit keys: a quarter of the
/// memory, so a large table stays in the CPU cache. So do IPv6 addresses in the block the IPv6 zones
/// share, when every range boundary inside it falls on the 32 bits after the block (a town hall's /48s
/// and /64s under one allocation do). The map is immutable: a reload builds a new one and swaps it whole.
public struct ZoneMap: Sendable {
    public let zones: [Zone]
    /// The IPv4-mapped block ::ffff:0:0/96, keyed by the IPv4 address itself.
    @usableFromInline let v4: Block
    @usableFromInline let v6Block: Block?
    @usableFromInline let all: RangeTree<UInt128>

    /// A block `base`/`length` of the address space (length 96 or less) and the flattened ranges inside it,
    /// keyed by the 32 address bits after the block.
    @usableFromInline
    struct Block: Sendable {
        @usableFromInline let base: UInt128
        @usableFromInline let mask: UInt128
        /// Bits below the key: an address's key is `(address - base) >> shift`.
        @usableFromInline let shift: UInt128
        @usableFromInline let tree: RangeTree<UInt32>

        /// The ranges of `starts`/`classes` inside the block, with the class it begins in; nil when a
        /// boundary inside it falls below the key's 32 bits (the 128-bit tree then serves).
        init?(base: UInt128, length: Int, starts: [UInt128], classes: [ZoneRef]) {
            let mask = IPPrefix.mask(length)
            let shift = UInt128(96 - length)
            let granule: UInt128 = (1 << shift) - 1
            let inside = starts.indices.filter { starts[$0] > base && starts[$0] & mask == base }
            guard inside.allSatisfy({ starts[$0] & granule == 0 }) else { return nil }
            let atBase = (starts.lastIndex { $0 <= base })!  // starts[0] is 0
            self.mask = mask
            self.base = base
            self.shift = shift
            tree = RangeTree(
                starts: [0] + inside.map { UInt32(truncatingIfNeeded: (starts[$0] - base) >> shift) },
                classes: [classes[atBase]] + inside.map { classes[$0] })
        }

        /// The block `prefixes` (IPv6 zone networks) share, when it is at most 96 bits long and not the
        /// whole space.
        static func shared(by prefixes: [IPPrefix]) -> (base: UInt128, length: Int)? {
            guard let firstPrefix = prefixes.first else { return nil }
            var length = firstPrefix.length
            for p in prefixes {
                length = min(length, p.length, (p.first ^ firstPrefix.first).leadingZeroBitCount)
            }
            guard length > 0, length <= 96 else { return nil }
            return (firstPrefix.first & IPPrefix.mask(length), length)
        }
    }

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
        all = RangeTree(starts: starts, classes: classes)
        // Every boundary inside ::ffff:0:0/96 is an IPv4 address: that block always takes 32-bit keys.
        v4 = Block(base: IPAddress.v4MappedPrefix, length: 96, starts: starts, classes: classes)!
        v6Block = Block.shared(by: zones.flatMap(\.networks).filter { !$0.address.isIPv4 }).flatMap {
            Block(base: $0.base, length: $0.length, starts: starts, classes: classes)
        }
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
        if address.isIPv4 { return v4.tree.lookup(address.v4) }
        if let block = v6Block, key & block.mask == block.base {
            return block.tree.lookup(UInt32(truncatingIfNeeded: (key &- block.base) >> block.shift))
        }
        return all.lookup(key)
    }

    /// Whether IPv6 lookups in the zones' block use the 32-bit tree (for tests).
    var hasIPv6Block: Bool { v6Block != nil }

    /// Number of flattened ranges (for benchmarks and `check`).
    public var rangeCount: Int { all.count }

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
