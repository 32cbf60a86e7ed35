import XCTest
import ZonesepTestSupport

@testable import ZonesepCore

final class BucketedRangesTests: XCTestCase {
    /// The class of the last start at or below `key` in sorted `starts`: the definition, by linear search.
    func reference(_ starts: [UInt64], _ classes: [ZoneRef], _ key: UInt64) -> ZoneRef {
        classes[starts.lastIndex { $0 <= key }!]
    }

    /// Checks every start, the key just below each, 0, the top of the key space and random keys.
    func check(_ starts: [UInt64], keyBits: Int, _ rng: inout SplitMix64, _ what: String) -> BucketedRanges {
        // Neighbours always differ, so a range taken for the one beside it shows; the top code is among them.
        let classes = starts.indices.map { $0 % 7 == 6 ? ZoneRef.local : ZoneRef(zone: $0 % 7) }
        let ranges = BucketedRanges(keyBits: keyBits, starts: starts, classes: classes)
        let top: UInt64 = (1 << keyBits) - 1
        var keys: [UInt64] = [0, top]
        for s in starts {
            keys.append(s)
            if s > 0 { keys.append(s - 1) }
            if s < top { keys.append(s + 1) }
        }
        for _ in 0..<2000 { keys.append(rng.next() & top) }
        for key in keys {
            XCTAssertEqual(ranges.lookup(key), reference(starts, classes, key), "\(what), key \(key)")
        }
        return ranges
    }

    /// Lookups agree with the definition for 32- and 48-bit keys: boundaries spread over the key space,
    /// crowded under a few values of the top bits, both in one table, and bunched in ever narrower spans
    /// (tables within tables, down to bisection); a single range; the top of the key space as a boundary.
    func testAgreesWithTheDefinition() {
        var rng = SplitMix64(seed: 3)
        for keyBits in [32, 48] {
            let top: UInt64 = (1 << keyBits) - 1
            for round in 0..<24 {
                let count = [1, 2, 7, 50, 600, 5000][round % 6]
                var set = Set<UInt64>([0])
                while set.count < count {
                    let r = rng.next() & top
                    // Rounds 6-11 crowd every start under a few top-bits values; 12-17 crowd half of them.
                    let crowd = round / 6 == 1 || (round / 6 == 2 && set.count % 2 == 0)
                    set.insert(crowd ? (rng.next() % 3) << UInt64(keyBits - 2) | r >> 12 : r)
                }
                if round % 4 == 3 { set.insert(top) }
                _ = check(set.sorted(), keyBits: keyBits, &rng, "\(keyBits)-bit keys, round \(round), \(count) starts")
            }
            // Bunches in nested spans, each a small part of the one before: every level crowds a bucket.
            var set = Set<UInt64>([0])
            var base: UInt64 = rng.next() & (top >> 1)
            var width = top >> 2
            for _ in 0..<9 {
                for _ in 0..<40 { set.insert(base + rng.next() % width) }
                base += rng.next() % (width / 2)
                width = max(64, width >> 7)
            }
            let ranges = check(set.sorted(), keyBits: keyBits, &rng, "\(keyBits)-bit keys, nested bunches")
            XCTAssertGreaterThan(ranges.shape.tables, 1, "tables within tables")
        }
    }

    /// Past the greatest depth a crowded bucket is bisected: eight boundaries spread over a span and,
    /// at its bottom, the same again over a span 128 times narrower, seven times over, then 20 consecutive
    /// keys, crowd one bucket at every depth.
    func testBisectionBelowTheGreatestDepth() {
        var rng = SplitMix64(seed: 9)
        let base: UInt64 = 1 << 40
        var starts = Set<UInt64>([0])
        var width: UInt64 = 1 << 46
        for _ in 0..<7 {
            for j in 1...UInt64(8) { starts.insert(base + j * (width / 8) - 1) }
            width >>= 7
        }
        for j in 0..<UInt64(20) { starts.insert(base + j) }
        let ranges = check(starts.sorted(), keyBits: 48, &rng, "nested spans")
        XCTAssertGreaterThan(ranges.shape.tables, BucketedRanges.maximumDepth)
        XCTAssertGreaterThan(ranges.shape.bisected, 0)
    }
}
