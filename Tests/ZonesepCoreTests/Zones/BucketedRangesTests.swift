import XCTest

@testable import ZonesepCore

final class BucketedRangesTests: XCTestCase {
    /// The class of the last start at or below `key` in sorted `starts`: the definition, by linear search.
    func reference<Key: FixedWidthInteger>(_ starts: [Key], _ classes: [ZoneRef], _ key: Key) -> ZoneRef {
        classes[starts.lastIndex { $0 <= key }!]
    }

    /// Lookups agree with the definition for 32- and 64-bit keys: starts spread over the key space (the
    /// window), crowded under one value of the top bits (the bisection), both in one table, and keys at
    /// each start, just below it, at 0 and at the top of the key space.
    func testAgreesWithTheDefinition() {
        var rng = SplitMix(seed: 3)
        func check<Key: FixedWidthInteger & UnsignedInteger & BitwiseCopyable & Sendable>(_: Key.Type) {
            for round in 0..<24 {
                let count = [1, 2, 7, 50, 600, 5000][round % 6]
                var set = Set<Key>([0])
                while set.count < count {
                    let r = Key(truncatingIfNeeded: rng.next())
                    // Rounds 6-11 crowd every start under a few top-bits values; 12-17 crowd half of them.
                    let crowd = round / 6 == 1 || (round / 6 == 2 && set.count % 2 == 0)
                    set.insert(crowd ? (Key(truncatingIfNeeded: rng.next() % 3) << (Key.bitWidth - 2)) | r >> 12 : r)
                }
                if round % 4 == 3 { set.insert(Key.max) }
                let starts = set.sorted()
                let classes = starts.indices.map { _ in ZoneRef(zone: Int(rng.next() % 5)) }
                let ranges = BucketedRanges(starts: starts, classes: classes)
                var keys: [Key] = [0, Key.max]
                for s in starts {
                    keys.append(s)
                    if s > 0 { keys.append(s - 1) }
                }
                for _ in 0..<2000 { keys.append(Key(truncatingIfNeeded: rng.next())) }
                for key in keys {
                    XCTAssertEqual(
                        ranges.lookup(key), reference(starts, classes, key),
                        "round \(round), \(count) starts, key \(key)")
                }
            }
        }
        check(UInt32.self)
        check(UInt64.self)
    }
}
