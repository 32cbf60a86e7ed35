/// Sorted, disjoint ranges that cover a key space, found through a direct index on the key's top bits.
///
/// The starts are kept sorted, each beside its range's class, and cut into 2^b buckets by their top b
/// bits (b grows with the number of ranges, about four starts to a bucket). A bucket's entry is the
/// index of the range holding its first key, so a lookup reads that entry and the next, then counts the
/// starts at or below the key in a fixed window of `window` nodes from there: three dependent reads, none
/// of them a branch, however many ranges there are. A bucket with more starts than the window holds
/// (prefixes crowded under one top-bits value) is searched by bisection instead.
@usableFromInline
struct BucketedRanges<Key: FixedWidthInteger & UnsignedInteger & BitwiseCopyable & Sendable>: Sendable {
    /// A range start and the class of the range it starts.
    @usableFromInline
    struct Node: BitwiseCopyable {
        @usableFromInline var start: Key
        @usableFromInline var ref: ZoneRef
    }

    /// Nodes a lookup reads from its bucket's first range.
    @usableFromInline static var window: Int { 8 }

    /// The ranges in order, then `window` copies of the last so that a window never reads past the end.
    @usableFromInline let nodes: AlignedBuffer<Node>
    /// For each bucket, the index of the range holding its first key; one more entry closes the last.
    @usableFromInline let buckets: AlignedBuffer<UInt32>
    /// Key bits below the bucket number.
    @usableFromInline let shift: Int

    /// `starts` ascending, the first 0; `classes[i]` holds from `starts[i]` up to the next start.
    init(starts: [Key], classes: [ZoneRef]) {
        let n = starts.count
        let bits = max(1, min(24, Int.bitWidth - (n / 2).leadingZeroBitCount))
        shift = Key.bitWidth - bits
        var padded = (0..<n).map { Node(start: starts[$0], ref: classes[$0]) }
        padded += Array(repeating: padded[n - 1], count: Self.window)
        nodes = AlignedBuffer(padded, alignment: 64)
        var index = [UInt32](repeating: 0, count: (1 << bits) + 1)
        var r = 0
        for b in 0..<(1 << bits) {
            let first = Key(truncatingIfNeeded: b) << shift
            while r + 1 < n && starts[r + 1] <= first { r += 1 }
            index[b] = UInt32(r)
        }
        index[1 << bits] = UInt32(n - 1)
        buckets = AlignedBuffer(index, alignment: 64)
    }

    var count: Int { nodes.count - Self.window }

    /// 1 when `start` is at or below `key`, as a subtraction's borrow rather than a comparison, which the
    /// compiler may turn into a branch.
    @inlinable @inline(__always)
    static func atOrBelow(_ start: Key, _ key: Key) -> Int {
        let (_, borrow) = key.subtractingReportingOverflow(start)
        return 1 &- Int(unsafeBitCast(borrow, to: UInt8.self))
    }

    /// The class of the range holding `key`.
    @inlinable
    func lookup(_ key: Key) -> ZoneRef {
        let b = Int(truncatingIfNeeded: key >> shift)
        let first = Int(buckets.base[b])
        let last = Int(buckets.base[b &+ 1])
        let n = nodes.base + first
        // The key's range is one of `first...last`. When they fit the window, the number of starts in it at
        // or below the key finds it: any start the window holds past `last` is above the key, or a copy of
        // the last range's when the key is in that range.
        guard last &- first < Self.window else { return crowded(key, from: first, to: last) }
        var below = 0
        for t in 0..<Self.window { below &+= Self.atOrBelow(n[t].start, key) }
        return n[below &- 1].ref
    }

    /// A bucket too full for the window: bisection over its ranges.
    @usableFromInline
    func crowded(_ key: Key, from first: Int, to last: Int) -> ZoneRef {
        var lo = first
        var count = last - first + 1
        while count > 1 {
            let half = count / 2
            lo += Self.atOrBelow(nodes.base[lo + half].start, key) * half
            count -= half
        }
        return nodes.base[lo].ref
    }
}
