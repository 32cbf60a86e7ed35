import XCTest

@testable import ZonesepCore

final class BucketedRangesTests: XCTestCase {
    /// The class of the last start at or below `key` in sorted `starts`: the definition, by linear search.
    func reference(_ starts: [UInt64], _ classes: [ZoneRef], _ key: UInt64) -> ZoneRef {
        classes[starts.lastIndex { $0 <= key }!]
    }

    /// Lookups agree with the definition for 32- and 48-bit keys: starts spread over the key space (the
    /// window), crowded under a few values of the top bits (the bisection), both in one table, and keys at
    /// each start, just below it, at 0 and at the top of the key space; classes up to the top code.
    func testAgreesWithTheDefinition() {
        var rng = SplitMix(seed: 3)
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
                let starts = set.sorted()
                let classes = starts.indices.map { _ in
                    rng.next() % 4 == 0 ? ZoneRef.local : ZoneRef(zone: Int(rng.next() % 5))
                }
                let ranges = BucketedRanges(keyBits: keyBits, starts: starts, classes: classes)
                var keys: [UInt64] = [0, top]
                for s in starts {
                    keys.append(s)
                    if s > 0 { keys.append(s - 1) }
                }
                for _ in 0..<2000 { keys.append(rng.next() & top) }
                for key in keys {
                    XCTAssertEqual(
                        ranges.lookup(key), reference(starts, classes, key),
                        "\(keyBits)-bit keys, round \(round), \(count) starts, key \(key)")
                }
            }
        }
    }
}
