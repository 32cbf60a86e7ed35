import XCTest
import ZonesepTestSupport

@testable import ZonesepOutput

/// Numbers written by a record writer (its length found by comparisons, then two digits at a time) are
/// the decimal text Swift gives them, at every length and at each edge between two lengths.
final class RecordWriterNumberTests: XCTestCase {
    func written(_ v: UInt64) -> String {
        var out: [UInt8] = []
        RecordWriter.writing(into: &out) { w in w.integer(v) }
        return String(decoding: out, as: UTF8.self)
    }

    func testEveryLengthAndEveryEdgeBetweenTwo() {
        var values: [UInt64] = [0, 1, 9, UInt64.max, UInt64.max - 1, UInt64(UInt16.max), UInt64(UInt32.max)]
        var p: UInt64 = 1
        for _ in 0..<19 {
            p *= 10
            values += [p - 1, p, p + 1, p &* 5 &+ 7]
        }
        var rng = SplitMix64(seed: 0x9E37_79B9_7F4A_7C15)
        for _ in 0..<5000 {
            let x = rng.next()
            values.append(x >> (x % 64))
        }
        for v in values { XCTAssertEqual(written(v), String(v), "\(v)") }
        // Several in one record, as a flow record writes them.
        var out: [UInt8] = []
        RecordWriter.writing(into: &out) { w in
            for v in values.prefix(100) {
                w.integer(v)
                w.byte(UInt8(ascii: ","))
            }
        }
        XCTAssertEqual(String(decoding: out, as: UTF8.self), values.prefix(100).map { "\($0)," }.joined())
    }
}
