/// Sorted, disjoint ranges over keys of up to 48 bits, found through a direct index on the keys' top bits.
///
/// Each range is one 64-bit word, its start above its class (`start << 16 | class`), kept in order and cut
/// into 2^b buckets by the starts' top b bits (b grows with the number of ranges, about two to a bucket).
/// A bucket's entry is the index of the range holding its first key, so a lookup reads that entry and the
/// next, then counts the words at or below `key << 16 | 0xffff` in a fixed window of `window` from there:
/// three dependent reads and no branch, however many ranges there are. A bucket with more ranges than the
/// window holds (prefixes crowded under one top-bits value) is searched by bisection instead.
@usableFromInline
struct BucketedRanges: Sendable {
    /// Words a lookup reads from its bucket's first range.
    @usableFromInline static var window: Int { 8 }

    /// The ranges in order, then `window` copies of the last, so that a window never reads past the end.
    @usableFromInline let words: AlignedBuffer<UInt64>
    /// For each bucket, the index of the range holding its first key; one more entry closes the last.
    @usableFromInline let buckets: AlignedBuffer<UInt32>
    /// Key bits below the bucket number.
    @usableFromInline let shift: Int

    /// Keys of `keyBits` bits (at most 48); `starts` ascending, the first 0; `classes[i]` holds from
    /// `starts[i]` up to the next start.
    init(keyBits: Int, starts: [UInt64], classes: [ZoneRef]) {
        precondition(keyBits <= 48 && starts.allSatisfy { $0 >> keyBits == 0 })
        let n = starts.count
        let bits = max(1, min(24, keyBits, Int.bitWidth - (n / 2).leadingZeroBitCount))
        shift = keyBits - bits
        var packed = (0..<n).map { starts[$0] << 16 | UInt64(classes[$0].rawValue) }
        packed += Array(repeating: packed[n - 1], count: Self.window)
        words = AlignedBuffer(packed, alignment: 64)
        var index = [UInt32](repeating: 0, count: (1 << bits) + 1)
        var r = 0
        for b in 0..<(1 << bits) {
            let first = UInt64(b) << shift
            while r + 1 < n && starts[r + 1] <= first { r += 1 }
            index[b] = UInt32(r)
        }
        index[1 << bits] = UInt32(n - 1)
        buckets = AlignedBuffer(index, alignment: 64)
    }

    var count: Int { words.count - Self.window }

    /// 1 when `word` is at or below `bound`, as a subtraction's borrow rather than a comparison, which the
    /// compiler may turn into a branch.
    @inlinable @inline(__always)
    static func atOrBelow(_ word: UInt64, _ bound: UInt64) -> Int {
        let (_, borrow) = bound.subtractingReportingOverflow(word)
        return 1 &- Int(unsafeBitCast(borrow, to: UInt8.self))
    }

    /// The class of the range holding `key`.
    @inlinable @inline(__always)
    func lookup(_ key: UInt64) -> ZoneRef {
        let b = Int(truncatingIfNeeded: key &>> shift)
        let first = Int(buckets.base[b])
        let last = Int(buckets.base[b &+ 1])
        // A word is at or below this bound exactly when its start is at or below the key, whatever its class.
        let bound = key << 16 | 0xffff
        // The key's range is one of `first...last`. When they fit the window, the number of words in it at
        // or below the bound finds it: any word the window holds past `last` is above the bound, or a copy
        // of the last range's when the key is in that range.
        guard last &- first < Self.window else { return crowded(bound, from: first, to: last) }
        let w = words.base + first
        var below = 0
        for t in 0..<Self.window { below &+= Self.atOrBelow(w[t], bound) }
        return ZoneRef(rawValue: UInt16(truncatingIfNeeded: w[below &- 1]))
    }

    /// A bucket too full for the window: bisection over its ranges.
    @usableFromInline
    func crowded(_ bound: UInt64, from first: Int, to last: Int) -> ZoneRef {
        var lo = first
        var count = last - first + 1
        while count > 1 {
            let half = count / 2
            lo += Self.atOrBelow(words.base[lo + half], bound) * half
            count -= half
        }
        return ZoneRef(rawValue: UInt16(truncatingIfNeeded: words.base[lo]))
    }
}
