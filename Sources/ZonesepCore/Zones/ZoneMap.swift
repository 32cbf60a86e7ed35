/// The compiled address → zone lookup: every declared prefix flattened into sorted, disjoint ranges.
///
/// CIDR prefixes either nest or are disjoint, so the most specific prefix at each point can be laid out as
/// non-overlapping ranges once, at load; a lookup then finds the range holding the address, with no
/// allocation. IPv4 addresses (the IPv4-mapped block) are keyed by their 32 bits in a `BucketedRanges`, and
/// so are IPv6 addresses in the block the IPv6 zones share: with 32-bit keys when every range boundary
/// inside it falls on the 32 bits after the block (a town hall's /48s and /64s under one allocation do),
/// with 64-bit keys when they fall on the 64 bits after it (/48s scattered over fd00::/8 do). Narrow keys
/// keep a large table in cache. Everything else is in a `RangeTree` of 128-bit keys. The map is immutable:
/// a reload builds a new one and swaps it whole.
public struct ZoneMap: Sendable {
    public let zones: [Zone]
    /// The IPv4-mapped block ::ffff:0:0/96, keyed by the IPv4 address itself.
    @usableFromInline let v4: Block<UInt32>
    /// The IPv6 zones' block with 32-bit keys, or failing that with 64-bit keys; at most one of the two
    /// holds any address, the other is `Block.empty` (not optionals: unwrapping one copies its buffers,
    /// a reference count up and down on every lookup).
    @usableFromInline let v6Narrow: Block<UInt32>
    @usableFromInline let v6Wide: Block<UInt64>
    @usableFromInline let all: RangeTree<UInt128>

    /// A block `base`/`length` of the address space and the flattened ranges inside it, keyed by the
    /// `Key.bitWidth` address bits after the block.
    @usableFromInline
    struct Block<Key: FixedWidthInteger & UnsignedInteger & BitwiseCopyable & Sendable>: Sendable {
        @usableFromInline let base: UInt128
        @usableFromInline let mask: UInt128
        /// Bits below the key: an address's key is `(address - base) >> shift`.
        @usableFromInline let shift: UInt128
        @usableFromInline let tree: BucketedRanges<Key>

        /// The ranges of `starts`/`classes` inside the block, with the class it begins in; nil when the
        /// block is too long for the key or a boundary inside it falls below the key's bits (a wider tree
        /// then serves).
        init?(base: UInt128, length: Int, starts: [UInt128], classes: [ZoneRef]) {
            guard length + Key.bitWidth <= 128 else { return nil }
            let mask = IPPrefix.mask(length)
            let shift = UInt128(128 - Key.bitWidth - length)
            let granule: UInt128 = (1 << shift) - 1
            let inside = starts.indices.filter { starts[$0] > base && starts[$0] & mask == base }
            guard inside.allSatisfy({ starts[$0] & granule == 0 }) else { return nil }
            let atBase = (starts.lastIndex { $0 <= base })!  // starts[0] is 0
            self.mask = mask
            self.base = base
            self.shift = shift
            tree = BucketedRanges(
                starts: [0] + inside.map { Key(truncatingIfNeeded: (starts[$0] - base) >> shift) },
                classes: [classes[atBase]] + inside.map { classes[$0] })
        }

        /// A block that holds no address.
        static var empty: Block {
            Block(base: 1, mask: 0, shift: 0, tree: BucketedRanges(starts: [0], classes: [.external]))
        }

        init(base: UInt128, mask: UInt128, shift: UInt128, tree: BucketedRanges<Key>) {
            self.base = base
            self.mask = mask
            self.shift = shift
            self.tree = tree
        }

        /// The class of `address`, or nil when it is outside the block.
        @inlinable @inline(__always)
        func lookup(_ address: UInt128) -> ZoneRef? {
            guard address & mask == base else { return nil }
            return tree.lookup(Key(truncatingIfNeeded: (address &- base) >> shift))
        }
    }

    /// The block `prefixes` (IPv6 zone networks) share, when it is not the whole space.
    static func sharedBlock(of prefixes: [IPPrefix]) -> IPPrefix? {
        guard let firstPrefix = prefixes.first else { return nil }
        var length = firstPrefix.length
        for p in prefixes {
            length = min(length, p.length, (p.first ^ firstPrefix.first).leadingZeroBitCount)
        }
        guard length > 0 else { return nil }
        return IPPrefix(address: IPAddress(rawValue: firstPrefix.first), length: length)
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
        // Every boundary inside ::ffff:0:0/96 is an IPv4 address: that block always takes 32-bit keys.
        let v4Prefix = IPPrefix(address: IPAddress(rawValue: IPAddress.v4MappedPrefix), length: 96)
        v4 = Block(base: v4Prefix.first, length: 96, starts: starts, classes: classes)!
        let shared = ZoneMap.sharedBlock(of: zones.flatMap(\.networks).filter { !$0.address.isIPv4 })
        let narrow = shared.flatMap {
            Block<UInt32>(base: $0.first, length: $0.length, starts: starts, classes: classes)
        }
        let wide =
            narrow != nil
            ? nil
            : shared.flatMap { Block<UInt64>(base: $0.first, length: $0.length, starts: starts, classes: classes) }
        v6Narrow = narrow ?? .empty
        v6Wide = wide ?? .empty
        // The 128-bit tree keeps only the boundaries outside the blocks (a lookup inside one never reaches
        // it), so it stays small and in cache beside them; each block's end becomes a boundary.
        let blocks = [v4Prefix] + (narrow != nil || wide != nil ? [shared!] : [])
        var outside = starts.indices.filter { i in
            !blocks.contains { starts[i] > $0.first && $0.contains(IPAddress(rawValue: starts[i])) }
        }.map { (start: starts[$0], ref: classes[$0]) }
        for block in blocks where block.last < .max && !starts.contains(block.last + 1) {
            let end = block.last + 1
            outside.append((end, classes[starts.lastIndex { $0 <= end }!]))
        }
        outside.sort { $0.start < $1.start }
        all = RangeTree(starts: outside.map(\.start), classes: outside.map(\.ref))
        rangeCount = starts.count
        ipv6BlockKeyBits = narrow != nil ? 32 : wide != nil ? 64 : 128
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
        if address.isIPv4 { return v4.tree.lookup(address.v4) }
        let key = address.rawValue
        if let ref = v6Narrow.lookup(key) { return ref }
        if let ref = v6Wide.lookup(key) { return ref }
        return all.lookup(key)
    }

    /// The key width of the tree that IPv6 lookups in the zones' block use: 32, 64, or 128 when there is
    /// no block tree (for tests).
    let ipv6BlockKeyBits: Int

    /// Number of flattened ranges (for benchmarks and `check`).
    public let rangeCount: Int

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
