/// Sorted, disjoint ranges over keys of up to 48 bits, found through a direct index on the keys.
///
/// The span from the first range boundary to the last is cut into 2^b equal buckets (b grows with the
/// number of ranges, one or two boundaries to a bucket; keys below or above the span go to the first or
/// last bucket). Each bucket is one cache line: a header word, then the ranges that hold its keys, each one
/// 64-bit word (its start above its class, `start << 16 | class`), the first being the range its first key
/// is in. A lookup reads its bucket's line and counts the words at or below `key << 16 | 0xffff`: one cache
/// line and no branch, however many ranges there are. A bucket with more ranges than a line holds (prefixes
/// crowded in one part of the span, as a network's subnets numbered from the bottom of 10/8 are) names in
/// its header a table of its own over its ranges, cut the same way.
@usableFromInline
struct BucketedRanges: Sendable {
    /// Range words in a bucket's line, after its header.
    @usableFromInline static var slots: Int { 7 }
    /// Tables within tables before a crowded bucket is bisected instead (only boundaries bunched ever
    /// more tightly, each bunch a small part of the last, go that deep).
    static let maximumDepth = 4

    /// How one table cuts its keys into buckets, and where its lines are.
    @usableFromInline
    struct Table: BitwiseCopyable {
        /// Keys below this (the table's first boundary) go to bucket 0.
        @usableFromInline var low: UInt64
        /// Key bits below the bucket number, counted from `low`.
        @usableFromInline var shift: UInt64
        /// The last bucket, which also takes every key past the span.
        @usableFromInline var lastBucket: UInt64
        /// The line of bucket 0 in `lines`.
        @usableFromInline var firstLine: Int
    }

    /// Every table, the outermost first: plain values in one buffer, so that descending into the table of
    /// a crowded bucket copies nothing that is reference-counted.
    @usableFromInline let tables: AlignedBuffer<Table>
    /// Every table's lines. Per bucket: a header, then `slots` range words, the unused ones copies of the
    /// last. The header is 0, or for a crowded bucket `1 << 62 | t` (its table is `tables[t]`) or
    /// `2 << 62 | first << 31 | last` (bisect `words[first...last]`).
    @usableFromInline let lines: AlignedBuffer<UInt64>
    /// Every range word in order, for the bisection.
    @usableFromInline let words: AlignedBuffer<UInt64>

    /// Keys of `keyBits` bits (at most 48); `starts` ascending, the first 0; `classes[i]` holds from
    /// `starts[i]` up to the next start.
    init(keyBits: Int, starts: [UInt64], classes: [ZoneRef]) {
        precondition(keyBits <= 48 && starts.first == 0 && starts.allSatisfy { $0 >> keyBits == 0 })
        let words = (0..<starts.count).map { starts[$0] << 16 | UInt64(classes[$0].rawValue) }
        var tables: [Table] = []
        var lines: [UInt64] = []
        Self.build(words, first: 0, last: words.count - 1, depth: 0, into: &tables, &lines)
        self.tables = AlignedBuffer(tables, alignment: 64)
        self.lines = AlignedBuffer(lines, alignment: 64)
        self.words = AlignedBuffer(words, alignment: 64)
    }

    /// Appends the table of `words[first...last]`, which between them hold every key it will be asked for
    /// (the first range holding the least of them), then the tables of its crowded buckets.
    private static func build(
        _ words: [UInt64], first: Int, last: Int, depth: Int, into tables: inout [Table], _ lines: inout [UInt64]
    ) {
        let start = { (i: Int) in words[i] >> 16 }
        let count = last - first + 1
        let bits = max(1, min(24, Int.bitWidth - (count / 2).leadingZeroBitCount))
        let low = count > 1 ? start(first + 1) : 0
        let span = count > 1 ? start(last) - low : 0
        // The least shift that numbers every boundary in the span with `bits` bits.
        let shift = UInt64(max(0, UInt64.bitWidth - span.leadingZeroBitCount - bits))
        let buckets = Int(span >> shift) + 1
        let width = slots + 1
        let firstLine = lines.count / width
        tables.append(Table(low: low, shift: shift, lastBucket: UInt64(buckets - 1), firstLine: firstLine))
        lines += [UInt64](repeating: 0, count: buckets * width)
        var holding = first  // the range holding the bucket's first key
        for b in 0..<buckets {
            let end = b == buckets - 1 ? UInt64.max : low + (UInt64(b + 1) << shift)  // the next bucket's first key
            if b > 0 {
                while holding < last && start(holding + 1) <= low + (UInt64(b) << shift) { holding += 1 }
            }
            var through = holding
            while through < last && start(through + 1) < end { through += 1 }
            let line = (firstLine + b) * width
            if through - holding < slots {
                for s in 0..<slots { lines[line + 1 + s] = words[min(holding + s, through)] }
            } else if depth < maximumDepth {
                lines[line] = 1 << 62 | UInt64(tables.count)
                build(words, first: holding, last: through, depth: depth + 1, into: &tables, &lines)
            } else {
                lines[line] = 2 << 62 | UInt64(holding) << 31 | UInt64(through)
            }
        }
    }

    /// Tables, the outermost among them, and buckets bisected at the bottom (for tests).
    var shape: (tables: Int, bisected: Int) {
        let width = Self.slots + 1
        var bisected = 0
        for t in 0..<tables.count {
            let table = tables.base[t]
            for b in 0...Int(table.lastBucket) where lines.base[(table.firstLine + b) * width] >> 62 == 2 {
                bisected += 1
            }
        }
        return (tables.count, bisected)
    }

    /// The line of `key`'s bucket in `table`.
    @inlinable @inline(__always)
    func line(_ key: UInt64, in table: Table) -> UnsafeMutablePointer<UInt64> {
        // The bucket, without a branch: 0 below the span, the last past it.
        let offset = (key &- table.low) &>> table.shift
        let below = UInt64(bitPattern: Int64(Branchless.atOrBelow(table.low, key) &- 1))  // all ones below the span
        let past = UInt64(bitPattern: Int64(Branchless.atOrBelow(offset, table.lastBucket) &- 1))  // all ones past it
        let bucket = (offset & ~past | table.lastBucket & past) & ~below
        return lines.base + (table.firstLine &+ Int(truncatingIfNeeded: bucket)) &* (Self.slots &+ 1)
    }

    /// The class of the range holding `key`.
    @inlinable @inline(__always)
    func lookup(_ key: UInt64) -> ZoneRef {
        let line = line(key, in: tables.base[0])
        let header = line[0]
        guard header == 0 else { return crowded(key, header) }
        return Self.count(line, key)
    }

    /// The range in `line` that holds `key`. A word is at or below the bound exactly when its start is at
    /// or below the key, whatever its class. The first word always is, so the count is at least 1; copies
    /// of the last range's word are counted only when the key is in that range, and then name it too.
    @inlinable @inline(__always)
    static func count(_ line: UnsafeMutablePointer<UInt64>, _ key: UInt64) -> ZoneRef {
        let bound = key << 16 | 0xffff
        var count = 0
        for s in 1...slots { count &+= Branchless.atOrBelow(line[s], bound) }
        return ZoneRef(rawValue: UInt16(truncatingIfNeeded: line[count]))
    }

    /// A bucket too full for its line: the tables within, or at the greatest depth, bisection.
    @usableFromInline
    func crowded(_ key: UInt64, _ header: UInt64) -> ZoneRef {
        var header = header
        while header >> 62 == 1 {
            let line = line(key, in: tables.base[Int(truncatingIfNeeded: header & 0xffff_ffff)])
            header = line[0]
            if header == 0 { return Self.count(line, key) }
        }
        let bound = key << 16 | 0xffff
        var lo = Int(truncatingIfNeeded: header >> 31 & 0x7fff_ffff)
        var count = Int(truncatingIfNeeded: header & 0x7fff_ffff) - lo + 1
        while count > 1 {
            let half = count / 2
            lo += Branchless.atOrBelow(words.base[lo + half], bound) * half
            count -= half
        }
        return ZoneRef(rawValue: UInt16(truncatingIfNeeded: words.base[lo]))
    }
}
