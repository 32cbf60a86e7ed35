/// Sorted, disjoint ranges that cover a key space, each with a class, searched for the range holding a key.
///
/// The range starts are stored in Eytzinger order (the binary search tree laid out breadth first, 1-based:
/// node k's children are 2k and 2k+1), so a search walks down one array with no branch to mispredict and
/// can ask for the nodes four levels below while it compares: when the tree is larger than the CPU cache
/// those misses overlap instead of following one another. The array starts on a cache line, so those 16
/// nodes fill whole lines. Every search takes the same number of steps, so the loop's exit is predicted
/// and the CPU can start the next lookup before this one's misses return. `ZoneMap` uses it for 128-bit
/// addresses outside its blocks: a few ranges when the blocks take the zones, and when they cannot, a
/// search that assumes nothing about how the boundaries spread (`BucketedRanges`, several times faster
/// inside the blocks, counts on them spreading over the key's top bits).
@usableFromInline
struct RangeTree<Key: FixedWidthInteger & UnsignedInteger & BitwiseCopyable & Sendable>: Sendable {
    /// A range start and the class of the range that ends just before it, side by side: the node a search
    /// ends on is one it has just compared, so its class is already in cache.
    @usableFromInline
    struct Node: BitwiseCopyable {
        @usableFromInline var start: Key
        @usableFromInline var classBefore: ZoneRef
    }

    /// Nodes in Eytzinger order. Index 0 is not in the tree: its class is that of the last range (up to
    /// the top of the key space), where a search that finds no node above its key ends.
    @usableFromInline let nodes: AlignedBuffer<Node>
    /// Number of nodes.
    @usableFromInline let n: Int
    /// Levels in which every node exists (2^fullLevels - 1 <= n); a search takes one step more when the
    /// node it reaches below them exists.
    @usableFromInline let fullLevels: Int

    /// `starts` ascending, the first 0; `classes[i]` holds from `starts[i]` up to the next start.
    init(starts: [Key], classes: [ZoneRef]) {
        let n = starts.count
        var tree = [Node](repeating: Node(start: 0, classBefore: .external), count: n + 1)
        var next = 0
        // An in-order walk of the implicit tree visits its nodes in sorted order.
        func place(_ k: Int) {
            guard k <= n else { return }
            place(2 * k)
            tree[k] = Node(start: starts[next], classBefore: next > 0 ? classes[next - 1] : .external)
            next += 1
            place(2 * k + 1)
        }
        place(1)
        self.n = n
        fullLevels = Int.bitWidth - (n + 1).leadingZeroBitCount - 1
        tree[0].classBefore = classes[n - 1]
        nodes = AlignedBuffer(tree, alignment: 64)
    }

    /// Cache lines holding 16 consecutive nodes.
    @usableFromInline static var linesPer16Nodes: Int { max(1, 16 * MemoryLayout<Node>.stride / 64) }

    /// Node k's right child when `node` (its start) is at or below `key`, else its left child. Without a
    /// comparison: as a branch, a search would mispredict it at every other level.
    @inlinable @inline(__always)
    static func child(_ k: Int, _ node: Key, _ key: Key) -> Int { 2 &* k &+ Branchless.atOrBelow(node, key) }

    /// The class of the range holding `key`.
    @inlinable
    func lookup(_ key: Key) -> ZoneRef {
        let tree = nodes.base
        let raw = UnsafeRawPointer(tree)
        var k = 1
        for _ in 0..<fullLevels {
            // The 16 nodes four levels down (a hint: it never faults, even past the end).
            let below = raw + 16 &* k &* MemoryLayout<Node>.stride
            for line in 0..<Self.linesPer16Nodes { Prefetch.read(below + 64 &* line) }
            k = Self.child(k, tree[k].start, key)
        }
        // One more level where the node exists (node 0 stands in, unused, where it does not).
        let exists = k <= n
        let deeper = Self.child(k, tree[exists ? k : 0].start, key)
        k = exists ? deeper : k
        // The path went right at every node at or below the key: dropping those steps (the trailing
        // ones) and the last left turn leaves the first node above the key, or 0 when there is none.
        return tree[k >> ((~k).trailingZeroBitCount &+ 1)].classBefore
    }
}
