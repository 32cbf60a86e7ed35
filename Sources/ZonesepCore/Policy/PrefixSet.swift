/// A declaration's list of prefixes as sorted, merged address ranges: membership by bisection, so a
/// conduit or exception naming hundreds of prefixes costs a few comparisons per candidate flow.
@usableFromInline
struct PrefixSet: Sendable {
    /// First and last address of each range, sorted, neither overlapping nor adjacent.
    @usableFromInline let firsts: [UInt128]
    @usableFromInline let lasts: [UInt128]

    init(_ prefixes: [IPPrefix]) {
        var ranges = PrefixRanges()
        let span = ranges.append(prefixes)
        firsts = Array(ranges.firsts[span])
        lasts = Array(ranges.lasts[span])
    }

    /// Whether some prefix of the list holds `a`.
    @inlinable
    func contains(_ a: IPAddress) -> Bool {
        PrefixRanges.contains(a, firsts: firsts, lasts: lasts, in: 0..<firsts.count)
    }
}

/// The prefix lists of every declaration of a kind, merged into ranges (as `PrefixSet` holds one list's)
/// and kept end to end in two arrays: a declaration holds the span of its ranges, so compiling 10,000
/// declarations makes two arrays rather than four for each.
@usableFromInline
struct PrefixRanges: Sendable {
    @usableFromInline var firsts: [UInt128] = []
    @usableFromInline var lasts: [UInt128] = []

    init() {}

    /// Appends the merged ranges of `prefixes` and returns where they are.
    mutating func append(_ prefixes: [IPPrefix]) -> Range<Int> {
        var scratch: [(first: UInt128, last: UInt128)] = []
        return append(prefixes, scratch: &scratch)
    }

    /// The same, sorting a list of several prefixes in `scratch` (reused from list to list, so compiling a
    /// policy allocates no buffer per declaration).
    mutating func append(_ prefixes: [IPPrefix], scratch: inout [(first: UInt128, last: UInt128)]) -> Range<Int> {
        let start = firsts.count
        if prefixes.count == 1 && !prefixes[0].coversIPv4Block {
            firsts.append(prefixes[0].first)
            lasts.append(prefixes[0].last)
            return start..<firsts.count
        }
        scratch.removeAll(keepingCapacity: true)
        for p in prefixes {
            // An IPv6 prefix around the IPv4-mapped block holds no IPv4 address: its parts outside the block.
            guard p.coversIPv4Block else {
                scratch.append((p.first, p.last))
                continue
            }
            for q in p.matchedParts { scratch.append((q.first, q.last)) }
        }
        scratch.sort { $0.first < $1.first }
        for r in scratch {
            // Prefixes nest or are disjoint: a later one either lies inside the last range, touches its end,
            // or starts a new one.
            if firsts.count > start, let end = lasts.last, end == .max || r.first <= end + 1 {
                lasts[lasts.count - 1] = max(end, r.last)
            } else {
                firsts.append(r.first)
                lasts.append(r.last)
            }
        }
        return start..<firsts.count
    }

    /// Whether one of the ranges `span` holds `a`.
    @inlinable
    func contains(_ a: IPAddress, in span: Range<Int>) -> Bool {
        PrefixRanges.contains(a, firsts: firsts, lasts: lasts, in: span)
    }

    @inlinable
    static func contains(_ a: IPAddress, firsts: [UInt128], lasts: [UInt128], in span: Range<Int>) -> Bool {
        let v = a.rawValue
        precondition(span.upperBound <= firsts.count && span.upperBound <= lasts.count)
        // The last range starting at or before `v`, read in place (a policy's every candidate comes here).
        return firsts.withUnsafeBufferPointer { firsts in
            lasts.withUnsafeBufferPointer { lasts in
                var lo = span.lowerBound
                var hi = span.upperBound
                while lo < hi {
                    let mid = (lo &+ hi) &>> 1
                    if firsts[mid] <= v { lo = mid &+ 1 } else { hi = mid }
                }
                return lo > span.lowerBound && v <= lasts[lo &- 1]
            }
        }
    }
}
