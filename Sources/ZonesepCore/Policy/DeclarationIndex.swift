/// The declarations of one kind indexed by the prefixes they name, so that finding the first one (in file
/// order) that matches a flow costs about the same with 10 or 10,000 of them. `Policy` asks it only for a
/// kind of more than 64 declarations (fewer are tried one by one among `EndCandidates`' candidates).
///
/// Tuple-space search: each declaration is entered under every pair (initiator prefix, responder prefix)
/// it names, in a hash table per pair of prefix lengths. A flow's addresses, masked to each table's two
/// lengths, find the only bucket there that can hold a match; the buckets' members are candidates, in
/// file order, which the caller verifies against the whole declaration. The answer is the smallest member
/// that verifies, over all tables: the same as scanning the list in order. A policy has few distinct pairs
/// of lengths, so a lookup probes a few tables whatever the number of declarations.
///
/// Buckets are found by bits alone, so an IPv6 prefix around the IPv4-mapped block (`::/0`) puts IPv4
/// flows among the candidates; the verification, against `PrefixRanges` that leave the block out, turns
/// them away (entering such a prefix as its 96 parts would add a table per length to every lookup).
@usableFromInline
struct DeclarationIndex: Sendable {
    /// One hash table: the masks of its pair of lengths and its slots in `slots`.
    @usableFromInline
    struct Table: Sendable {
        @usableFromInline let fromMask: UInt128
        @usableFromInline let toMask: UInt128
        /// First slot of the table in `slots`; the table holds `mask + 1` slots (a power of two).
        @usableFromInline let base: Int
        @usableFromInline let mask: Int
        /// The bits every key of the table has alike, and their values: a flow's masked addresses that
        /// differ there are in no bucket, told without reading a slot (a large policy's slots are out of
        /// the cache, and most flows asked about, to addresses no declaration names, stop here).
        @usableFromInline let fromFixed: UInt128
        @usableFromInline let fromValue: UInt128
        @usableFromInline let toFixed: UInt128
        @usableFromInline let toValue: UInt128

        /// Whether some key of the table can be `from` and `to` (already masked) by the bits all share.
        @inlinable @inline(__always)
        func mayHold(_ from: UInt128, _ to: UInt128) -> Bool {
            (from & fromFixed) == fromValue && (to & toFixed) == toValue
        }
    }

    /// A bucket: both masked keys, and its members `members[start..<start+count]`; `count == 0` is free,
    /// and a free slot is all zero bits (`DeclarationSlots` relies on it).
    @usableFromInline
    struct Slot: Sendable {
        @usableFromInline var from: UInt128 = 0
        @usableFromInline var to: UInt128 = 0
        @usableFromInline var start: Int32 = 0
        @usableFromInline var count: Int32 = 0
    }

    @usableFromInline let tables: [Table]
    @usableFromInline let slots: DeclarationSlots
    /// Declaration positions (within their kind), ascending within each bucket.
    @usableFromInline let members: [Int32]

    /// Beyond this many (from, to) pairs a declaration is entered only under the prefixes of its shorter
    /// list, the other side left to verification: a declaration naming 1,000 × 1,000 prefixes must not
    /// make a million entries.
    static let maxPairs = 16

    /// `sides(declarations[i])` are declaration i's initiator and responder prefixes (an empty list matches
    /// nothing), read in place: an array of the pairs made first was a large allocation and two reference
    /// counts per declaration.
    init<D>(_ declarations: [D], _ sides: (D) -> (from: [IPPrefix], to: [IPPrefix])) {
        let any = [IPPrefix(address: IPAddress(rawValue: 0), length: 0)]
        // One list of entries (masked from, masked to, member) per pair of lengths, in member order; a
        // policy has few pairs, so they are found by a scan rather than hashed.
        var lengthPairs: [Int] = []
        var entries: [[Entry]] = []
        var lastPair = -1
        var lastList = -1
        for i in declarations.indices {
            let s = sides(declarations[i])
            if s.from.isEmpty || s.to.isEmpty { continue }
            var from = s.from
            var to = s.to
            if from.count * to.count > DeclarationIndex.maxPairs {
                if from.count <= to.count { to = any } else { from = any }
            }
            for f in from {
                for t in to {
                    let pair = f.length << 8 | t.length
                    if pair != lastPair {
                        if let k = lengthPairs.firstIndex(of: pair) {
                            lastList = k
                        } else {
                            lengthPairs.append(pair)
                            entries.append([])
                            lastList = entries.count - 1
                        }
                        lastPair = pair
                    }
                    entries[lastList].append(Entry(from: f.first, to: t.first, member: Int32(i)))
                }
            }
        }
        var tables: [Table] = []
        var members: [Int32] = []
        let order = lengthPairs.indices.sorted { lengthPairs[$0] < lengthPairs[$1] }
        // Every table's buckets first, then the slots in one block of their total size: appended table by
        // table, an array grew by copying itself into fresh pages (megabytes for ten thousand exceptions).
        let buckets = order.map { DeclarationIndex.buckets(entries[$0], members: &members) }
        let sizes = buckets.map { b in
            var size = 4
            while size < b.count * 2 { size <<= 1 }
            return size
        }
        let slots = DeclarationSlots(count: sizes.reduce(0, +))
        var base = 0
        for (n, k) in order.enumerated() {
            let lengths = lengthPairs[k]
            let size = sizes[n]
            DeclarationIndex.place(buckets[n], size: size, in: slots.base + base)
            // A bit is fixed where the AND and the OR of the keys agree (a list has at least one entry).
            var fromAnd = UInt128.max
            var fromOr: UInt128 = 0
            var toAnd = UInt128.max
            var toOr: UInt128 = 0
            for e in entries[k] {
                fromAnd &= e.from
                fromOr |= e.from
                toAnd &= e.to
                toOr |= e.to
            }
            let fromFixed = ~(fromAnd ^ fromOr)
            let toFixed = ~(toAnd ^ toOr)
            tables.append(
                Table(
                    fromMask: IPPrefix.mask(lengths >> 8), toMask: IPPrefix.mask(lengths & 0xff), base: base,
                    mask: size - 1, fromFixed: fromFixed, fromValue: fromAnd & fromFixed, toFixed: toFixed,
                    toValue: toAnd & toFixed))
            base += size
        }
        self.tables = tables
        self.slots = slots
        self.members = members
    }

    struct Entry {
        var from: UInt128
        var to: UInt128
        var member: Int32
    }

    /// The buckets of one table for `entries` (in member order), their members appended to `members`.
    /// Buckets are found by hashing, not by sorting the entries: members reach each bucket in ascending
    /// order, a member repeated in a bucket (a prefix written twice) is kept once.
    private static func buckets(_ entries: [Entry], members: inout [Int32]) -> [Slot] {
        // Buckets in order of first appearance, found through an open-addressed table of bucket numbers.
        var finder = 4
        while finder < entries.count * 2 { finder <<= 1 }
        var bucketAt = [Int32](repeating: -1, count: finder)
        var buckets: [Slot] = []
        var lastMember: [Int32] = []
        var entryBucket = [Int32](repeating: -1, count: entries.count)
        for (n, e) in entries.enumerated() {
            var s = hash(e.from, e.to) & (finder - 1)
            var b = -1
            while true {
                let at = Int(bucketAt[s])
                if at < 0 {
                    b = buckets.count
                    bucketAt[s] = Int32(b)
                    buckets.append(Slot(from: e.from, to: e.to, start: 0, count: 0))
                    lastMember.append(-1)
                    break
                }
                if buckets[at].from == e.from && buckets[at].to == e.to {
                    b = at
                    break
                }
                s = (s + 1) & (finder - 1)
            }
            if lastMember[b] != e.member {
                lastMember[b] = e.member
                buckets[b].count += 1
                entryBucket[n] = Int32(b)
            }
        }
        // Each bucket's run of `members`, filled in entry (so member) order.
        var next = Int32(members.count)
        for b in buckets.indices {
            buckets[b].start = next
            next += buckets[b].count
        }
        members.append(contentsOf: repeatElement(0, count: Int(next) - members.count))
        var filled = [Int32](repeating: 0, count: buckets.count)
        for (n, e) in entries.enumerated() where entryBucket[n] >= 0 {
            let b = Int(entryBucket[n])
            members[Int(buckets[b].start + filled[b])] = e.member
            filled[b] += 1
        }
        return buckets
    }

    /// Fills the table of `size` free slots (a power of two) at `table` with `buckets`.
    private static func place(_ buckets: [Slot], size: Int, in table: UnsafeMutablePointer<Slot>) {
        for b in buckets {
            var s = hash(b.from, b.to) & (size - 1)
            while table[s].count != 0 { s = (s + 1) & (size - 1) }
            table[s] = b
        }
    }

    @inlinable
    static func hash(_ from: UInt128, _ to: UInt128) -> Int {
        let a = UInt64(truncatingIfNeeded: from) ^ UInt64(truncatingIfNeeded: from >> 64)
        let b = UInt64(truncatingIfNeeded: to) ^ UInt64(truncatingIfNeeded: to >> 64)
        var h = (a &* 0x9e37_79b9_7f4a_7c15) ^ (b &* 0xc2b2_ae3d_27d4_eb4f)
        h ^= h >> 32
        return Int(truncatingIfNeeded: h)
    }

    /// The smallest member that `verify` accepts among the declarations that could hold initiator
    /// `from` and responder `to`, or -1. `verify` is asked only about candidates, in ascending order
    /// within a bucket, and never about one above a member already accepted.
    @inlinable
    func first(_ from: IPAddress, _ to: IPAddress, where verify: (Int) -> Bool) -> Int {
        firstTwo(from, to) { verify($0) ? .primary : .none }.primary
    }

    /// What a candidate is to the caller of `firstTwo`.
    @usableFromInline
    enum Match {
        case none
        /// What is looked for (the conduit that allows, the unexpired exception).
        case primary
        /// The fallback when there is no primary (the conduit with another MAC, the expired exception).
        case secondary
    }

    /// The smallest primary member and, when there is none, the smallest secondary one (-1 for none), in
    /// one pass over the candidates: a large policy's tables are read from memory once per flow, not twice.
    @inlinable
    func firstTwo(_ from: IPAddress, _ to: IPAddress, classify: (Int) -> Match) -> (primary: Int, secondary: Int) {
        var primary = Int.max
        var secondary = Int.max
        tables.withUnsafeBufferPointer { tables in
            withExtendedLifetime(slots) {
                let slots = UnsafeBufferPointer(start: self.slots.base, count: self.slots.count)
                members.withUnsafeBufferPointer { members in
                    for t in tables {
                        let kf = from.rawValue & t.fromMask
                        let kt = to.rawValue & t.toMask
                        guard t.mayHold(kf, kt) else { continue }
                        var s = DeclarationIndex.hash(kf, kt) & t.mask
                        while true {
                            let slot = slots[t.base &+ s]
                            if slot.count == 0 { break }
                            if slot.from == kf && slot.to == kt {
                                let start = Int(slot.start)
                                for k in start..<(start &+ Int(slot.count)) {
                                    let m = Int(members[k])
                                    if m >= primary { break }
                                    switch classify(m) {
                                    case .none: continue
                                    case .primary: primary = m
                                    case .secondary: secondary = min(secondary, m)
                                    }
                                    if primary == m { break }
                                }
                                break
                            }
                            s = (s &+ 1) & t.mask
                        }
                    }
                }
            }
        }
        if primary != Int.max { return (primary, -1) }
        return (-1, secondary == Int.max ? -1 : secondary)
    }
}
