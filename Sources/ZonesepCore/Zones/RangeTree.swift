/// Sorted, disjoint ranges that cover a key space, each with a class, searched for the range holding a key.
///
/// The range starts are stored in Eytzinger order (the binary search tree laid out breadth first, 1-based:
/// node k's children are 2k and 2k+1), so a search walks down one array with no branch to mispredict and
/// can ask for the nodes four levels below while it compares: when the tree is larger than the CPU cache
/// those misses overlap instead of following one another. Narrow keys keep more of the tree in cache:
/// `ZoneMap` keeps IPv4 in a tree of 32-bit keys.
@usableFromInline
struct RangeTree<Key: FixedWidthInteger & UnsignedInteger & Sendable>: Sendable {
    /// Range starts in Eytzinger order; index 0 unused.
    @usableFromInline let start: [Key]
    /// For each node, the class of the range that ends just before its start.
    @usableFromInline let classBefore: [ZoneRef]
    /// The class of the last range (up to the top of the key space).
    @usableFromInline let lastClass: ZoneRef

    /// `starts` ascending, the first 0; `classes[i]` holds from `starts[i]` up to the next start.
    init(starts: [Key], classes: [ZoneRef]) {
        let n = starts.count
        var tree = [Key](repeating: 0, count: n + 1)
        var before = [ZoneRef](repeating: .external, count: n + 1)
        var next = 0
        // An in-order walk of the implicit tree visits its nodes in sorted order.
        func place(_ k: Int) {
            guard k <= n else { return }
            place(2 * k)
            tree[k] = starts[next]
            before[k] = next > 0 ? classes[next - 1] : .external
            next += 1
            place(2 * k + 1)
        }
        place(1)
        start = tree
        classBefore = before
        lastClass = classes[n - 1]
    }

    var count: Int { start.count - 1 }

    /// The class of the range holding `key`.
    @inlinable
    func lookup(_ key: Key) -> ZoneRef {
        let k: Int = start.withUnsafeBufferPointer { tree in
            let n = tree.count - 1
            let base = UnsafeRawPointer(tree.baseAddress!)
            var k = 1
            while k <= n {
                // The first of the 16 nodes four levels down (a hint: it never faults, even past the end).
                Prefetch.read(base + 16 &* k &* MemoryLayout<Key>.stride)
                k = 2 &* k &+ (tree[k] <= key ? 1 : 0)
            }
            // The path went right at every node at or below the key: dropping those steps (the trailing
            // ones) and the last left turn leaves the first node above the key, or 0 when there is none.
            return k >> ((~k).trailingZeroBitCount &+ 1)
        }
        return k == 0 ? lastClass : classBefore[k]
    }
}
