/// The declarations of one kind indexed by the prefixes they name, so that finding the first one (in file
/// order) that matches a flow costs about the same with 10 or 10,000 of them.
///
/// Tuple-space search: each declaration is entered under every pair (initiator prefix, responder prefix)
/// it names, in a hash table per pair of prefix lengths. A flow's addresses, masked to each table's two
/// lengths, find the only bucket there that can hold a match; the buckets' members are candidates, in
/// file order, which the caller verifies against the whole declaration. The answer is the smallest member
/// that verifies, over all tables: the same as scanning the list in order. A policy has few distinct pairs
/// of lengths, so a lookup probes a few tables whatever the number of declarations.
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
    }

    /// A bucket: both masked keys, and its members `members[start..<start+count]`; `count == 0` is free.
    @usableFromInline
    struct Slot: Sendable {
        @usableFromInline var from: UInt128 = 0
        @usableFromInline var to: UInt128 = 0
        @usableFromInline var start: Int32 = 0
        @usableFromInline var count: Int32 = 0
    }

    @usableFromInline let tables: [Table]
    @usableFromInline let slots: [Slot]
    /// Declaration positions (within their kind), ascending within each bucket.
    @usableFromInline let members: [Int32]

    /// Beyond this many (from, to) pairs a declaration is entered only under the prefixes of its shorter
    /// list, the other side left to verification: a declaration naming 1,000 × 1,000 prefixes must not
    /// make a million entries.
    static let maxPairs = 16

    /// `sides[i]` are declaration i's initiator and responder prefixes; an empty list matches nothing.
    init(_ sides: [(from: [IPPrefix], to: [IPPrefix])]) {
        let any = [IPPrefix(address: IPAddress(rawValue: 0), length: 0)]
        // (from length, to length) → entries (masked from, masked to, member).
        var byLengths: [Int: [(from: UInt128, to: UInt128, member: Int32)]] = [:]
        for (i, s) in sides.enumerated() where !s.from.isEmpty && !s.to.isEmpty {
            var from = s.from
            var to = s.to
            if from.count * to.count > DeclarationIndex.maxPairs {
                if from.count <= to.count { to = any } else { from = any }
            }
            for f in from {
                for t in to {
                    byLengths[f.length << 8 | t.length, default: []].append((f.first, t.first, Int32(i)))
                }
            }
        }
        var tables: [Table] = []
        var slots: [Slot] = []
        var members: [Int32] = []
        for lengths in byLengths.keys.sorted() {
            var entries = byLengths[lengths]!
            entries.sort { ($0.from, $0.to, $0.member) < ($1.from, $1.to, $1.member) }
            // Buckets: runs of equal keys, members deduplicated (a prefix written twice).
            var buckets: [Slot] = []
            for e in entries {
                if let last = buckets.last, last.from == e.from, last.to == e.to {
                    if members.last != e.member {
                        members.append(e.member)
                        buckets[buckets.count - 1].count += 1
                    }
                } else {
                    buckets.append(Slot(from: e.from, to: e.to, start: Int32(members.count), count: 1))
                    members.append(e.member)
                }
            }
            var size = 4
            while size < buckets.count * 2 { size <<= 1 }
            let base = slots.count
            slots.append(contentsOf: repeatElement(Slot(), count: size))
            for b in buckets {
                var s = DeclarationIndex.hash(b.from, b.to) & (size - 1)
                while slots[base + s].count != 0 { s = (s + 1) & (size - 1) }
                slots[base + s] = b
            }
            tables.append(
                Table(
                    fromMask: IPPrefix.mask(lengths >> 8), toMask: IPPrefix.mask(lengths & 0xff), base: base,
                    mask: size - 1))
        }
        self.tables = tables
        self.slots = slots
        self.members = members
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
            slots.withUnsafeBufferPointer { slots in
                members.withUnsafeBufferPointer { members in
                    for t in tables {
                        let kf = from.rawValue & t.fromMask
                        let kt = to.rawValue & t.toMask
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
