/// A declaration's list of prefixes as sorted, merged address ranges: membership by bisection, so a
/// conduit or exception naming hundreds of prefixes costs a few comparisons per candidate flow.
@usableFromInline
struct PrefixSet: Sendable {
    /// First and last address of each range, sorted, neither overlapping nor adjacent.
    @usableFromInline let firsts: [UInt128]
    @usableFromInline let lasts: [UInt128]

    init(_ prefixes: [IPPrefix]) {
        let sorted = prefixes.map { (first: $0.first, last: $0.last) }.sorted { $0.first < $1.first }
        var firsts: [UInt128] = []
        var lasts: [UInt128] = []
        for r in sorted {
            // Prefixes nest or are disjoint: a later one either lies inside the last range, touches its end,
            // or starts a new one.
            if let end = lasts.last, end == .max || r.first <= end + 1 {
                lasts[lasts.count - 1] = max(end, r.last)
            } else {
                firsts.append(r.first)
                lasts.append(r.last)
            }
        }
        self.firsts = firsts
        self.lasts = lasts
    }

    /// Whether some prefix of the list holds `a`.
    @inlinable
    func contains(_ a: IPAddress) -> Bool {
        let v = a.rawValue
        // The last range starting at or before `v`.
        var lo = 0
        var hi = firsts.count
        while lo < hi {
            let mid = (lo &+ hi) &>> 1
            if firsts[mid] <= v { lo = mid &+ 1 } else { hi = mid }
        }
        return lo > 0 && v <= lasts[lo &- 1]
    }
}
