import XCTest
import ZonesepCore

@testable import ZonesepOutput

/// IPv4 addresses written by a record writer (each octet copied from a table with its dot, four bytes
/// stored whatever its length) are their dotted-quad text: every value of every octet, quoted and bare,
/// and the bytes after an address are what comes next, not the table's padding.
final class RecordWriterAddressTests: XCTestCase {
    static func text(_ v: UInt32) -> String { "\(v >> 24).\(v >> 16 & 0xff).\(v >> 8 & 0xff).\(v & 0xff)" }

    func testEveryOctetValueInEveryPosition() {
        var values: [UInt32] = [0, UInt32.max, 0x0a00_0001, 0x6464_6464, 0x0909_0909, 0x0a0a_0a0a, 0x6363_6363]
        for o in 0..<256 {
            let b = UInt32(o)
            values += [
                b << 24 | 0x0001_0203, 0x0102_0300 | b, 0x0100_0003 | b << 16, 0x0100_0003 | b << 8, b * 0x0101_0101,
            ]
        }
        for v in values {
            let a = IPAddress(v4: v)
            var out: [UInt8] = []
            RecordWriter.writing(into: &out) { w in
                w.address(a)
                w.byte(UInt8(ascii: ","))
                w.addressText(a)
                w.byte(UInt8(ascii: "|"))
            }
            let t = Self.text(v)
            XCTAssertEqual(String(decoding: out, as: UTF8.self), "\"\(t)\",\(t)|", t)
            XCTAssertEqual(a.description, t)
        }
    }
}
