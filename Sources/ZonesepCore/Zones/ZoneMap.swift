/// The compiled address → zone lookup: every declared prefix flattened into sorted, disjoint ranges.
///
/// CIDR prefixes either nest or are disjoint, so the most specific prefix at each point can be laid out as
/// non-overlapping ranges once, at load; a lookup then finds the range holding the address, with no
/// allocation. An IPv6 prefix around the IPv4-mapped block enters as its parts outside the block
/// (`IPPrefix.matchedParts`), so that it takes no IPv4 address. IPv4 addresses (the IPv4-mapped block) are keyed by their 32 bits in a `BucketedRanges`, and
/// so are IPv6 addresses in the block the IPv6 zones share, by the 48 bits after it, when every range
/// boundary inside it falls on those bits (a town hall's /48s to /64s under its allocation do, and so do
/// /48s scattered over fd00::/8). Narrow keys keep a large table in cache. Everything else is in a
/// `RangeTree` of 128-bit keys. The map is immutable: a reload builds a new one and swaps it whole. A class,
/// so that a lookup through a policy reads the tables in place rather than copying the map first.
public final class ZoneMap: Sendable {
    public let zones: [Zone]
    /// The IPv4-mapped block ::ffff:0:0/96, keyed by the IPv4 address itself.
    @usableFromInline let v4: Block
    /// The IPv6 zones' block, or `Block.empty` (not an optional: unwrapping one copies its buffers, a
    /// reference count up and down on every lookup).
    @usableFromInline let v6: Block
    @usableFromInline let all: RangeTree<UInt128>

    /// A block `base`/`length` of the address space and the flattened ranges inside it, keyed by the
    /// address bits after the block: all of them up to 48, the first 48 of a longer rest.
    @usableFromInline
    struct Block: Sendable {
        @usableFromInline let base: UInt128
        @usableFromInline let mask: UInt128
        /// Bits below the key: an address's key is `(address - base) >> shift`.
        @usableFromInline let shift: UInt128
        @usableFromInline let ranges: BucketedRanges

        /// The ranges of `starts`/`classes` inside the block, with the class it begins in; nil when a
        /// boundary inside it falls below the key's bits (the 128-bit tree then serves).
        init?(base: UInt128, length: Int, starts: [UInt128], classes: [ZoneRef]) {
            let keyBits = min(48, 128 - length)
            let mask = IPPrefix.mask(length)
            let shift = UInt128(128 - length - keyBits)
            let granule: UInt128 = (1 << shift) - 1
            let inside = starts.indices.filter { starts[$0] > base && starts[$0] & mask == base }
            guard inside.allSatisfy({ starts[$0] & granule == 0 }) else { return nil }
            let atBase = (starts.lastIndex { $0 <= base })!  // starts[0] is 0
            self.mask = mask
            self.base = base
            self.shift = shift
            ranges = BucketedRanges(
                keyBits: keyBits,
                starts: [0] + inside.map { UInt64(truncatingIfNeeded: (starts[$0] - base) >> shift) },
                classes: [classes[atBase]] + inside.map { classes[$0] })
        }

        /// A block that holds no address.
        static var empty: Block {
            Block(base: 1, mask: 0, shift: 0, ranges: BucketedRanges(keyBits: 1, starts: [0], classes: [.external]))
        }

        init(base: UInt128, mask: UInt128, shift: UInt128, ranges: BucketedRanges) {
            self.base = base
            self.mask = mask
            self.shift = shift
            self.ranges = ranges
        }

        /// The class of `address`, or nil when it is outside the block.
        @inlinable @inline(__always)
        func lookup(_ address: UInt128) -> ZoneRef? {
            guard address & mask == base else { return nil }
            return ranges.lookup(UInt64(truncatingIfNeeded: (address &- base) &>> shift))
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

    /// Added to a zone prefix's length for its rank: above every `[internal]` prefix (at most 128).
    static let zoneRank = 200

    public init(zones: [Zone], internal: [IPPrefix]) {
        self.zones = zones
        // Rank decides who wins where prefixes nest: local ranges win over all; an address in a zone belongs
        // to it even where a longer `[internal]` prefix covers it too (the internal space only decides
        // between unzoned and external for addresses in no zone); among zones a longer prefix wins.
        // An IPv6 prefix around the IPv4-mapped block enters as its parts outside it, at its own rank: it
        // holds no IPv4 address.
        var entries: [(prefix: IPPrefix, rank: Int, ref: ZoneRef)] = []
        func enter(_ p: IPPrefix, rank: Int, _ ref: ZoneRef) {
            guard p.coversIPv4Block else { return entries.append((p, rank, ref)) }
            for q in p.matchedParts { entries.append((q, rank, ref)) }
        }
        for p in `internal` { enter(p, rank: p.length, .unzoned) }
        for (i, z) in zones.enumerated() {
            for p in z.networks { enter(p, rank: ZoneMap.zoneRank + p.length, ZoneRef(zone: i)) }
        }
        for p in ZoneMap.localPrefixes { entries.append((p, 1000 + p.length, .local)) }
        let (starts, classes) = ZoneMap.flatten(entries)
        // Every boundary inside ::ffff:0:0/96 is an IPv4 address: that block always takes 32-bit keys.
        let v4Prefix = IPPrefix(address: IPAddress(rawValue: IPAddress.v4MappedPrefix), length: 96)
        v4 = Block(base: v4Prefix.first, length: 96, starts: starts, classes: classes)!
        let shared = ZoneMap.sharedBlock(of: zones.flatMap(\.networks).filter { !$0.address.isIPv4 })
        let block = shared.flatMap { Block(base: $0.first, length: $0.length, starts: starts, classes: classes) }
        v6 = block ?? .empty
        // The 128-bit tree keeps only the boundaries outside the blocks (a lookup inside one never reaches
        // it), so it stays small and in cache beside them; each block's end becomes a boundary.
        let blocks = [v4Prefix] + (block != nil ? [shared!] : [])
        var outside = starts.indices.filter { i in
            !blocks.contains { starts[i] > $0.first && $0.contains(IPAddress(rawValue: starts[i])) }
        }.map { (start: starts[$0], ref: classes[$0]) }
        for block in blocks where block.last < .max && !outside.contains(where: { $0.start == block.last + 1 }) {
            let end = block.last + 1
            outside.append((end, classes[starts.lastIndex { $0 <= end }!]))
        }
        outside.sort { $0.start < $1.start }
        all = RangeTree(starts: outside.map(\.start), classes: outside.map(\.ref))
        rangeCount = starts.count
        self.starts = starts
        self.classes = classes
        hasIPv6Block = block != nil
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
        if address.isIPv4 { return v4.ranges.lookup(UInt64(address.v4)) }
        let key = address.rawValue
        if let ref = v6.lookup(key) { return ref }
        return all.lookup(key)
    }

    /// The flattened ranges, as `flatten` made them: kept for `ranges(from:through:)`, which a policy asks
    /// once per declared prefix when it is compiled (never per packet).
    private let starts: [UInt128]
    private let classes: [ZoneRef]

    /// The flattened ranges that meet `first...last`, as indices for `rangeClass`: every zone, or other
    /// class, an address of a declared prefix can be in is the class of one of them.
    func ranges(from first: UInt128, through last: UInt128) -> Range<Int> {
        // The last range starting at or before `first`, to the last starting at or before `last`.
        func after(_ v: UInt128) -> Int {
            starts.withUnsafeBufferPointer { starts in
                var lo = 0
                var hi = starts.count
                while lo < hi {
                    let mid = (lo &+ hi) &>> 1
                    if starts[mid] <= v { lo = mid &+ 1 } else { hi = mid }
                }
                return lo
            }
        }
        // starts[0] is 0: `after` is at least 1. A narrow prefix (most are) meets a range or two: walked.
        let lo = after(first) - 1
        var hi = lo + 1
        while hi < starts.count && starts[hi] <= last {
            if hi - lo == 8 { return lo..<after(last) }
            hi += 1
        }
        return lo..<hi
    }

    /// The class of flattened range `i`.
    func rangeClass(_ i: Int) -> ZoneRef { classes[i] }

    /// Whether IPv6 lookups in the zones' block have narrow keys of their own (for tests).
    let hasIPv6Block: Bool

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
