import Foundation
import XCTest
import ZonesepCore
import ZonesepFlowExport

/// IPFIX's NTP-format times (flowStart/EndMicroseconds 154/155, flowStart/EndNanoseconds 156/157): seconds
/// since 1900 and a binary fraction of a second. The fraction was multiplied by `1_000_000 >> 32` (Swift's
/// `>>` binds tighter than `&*`), that is by 0, so every such time fell on a whole second. The committed
/// fixtures use milliseconds only; these records, checked by hand and against tshark, use the NTP forms.
final class NTPTimeTests: XCTestCase {
    /// 2026-06-15T10:00:00Z, in seconds since 1970 and since 1900.
    static let unix: UInt32 = 1_781_517_600
    static let ntp = UInt64(unix) + 2_208_988_800

    /// Template `id`: the 5-tuple, then a start and an end time of elements `ids` (8 bytes each).
    static func template(_ id: UInt16, times ids: (UInt16, UInt16)) -> [UInt8] {
        Export.set(2) { b in
            b.u16(id)
            b.u16(7)
            for (f, len) in [(8, 4), (12, 4), (7, 2), (11, 2), (4, 1), (ids.0, 8), (ids.1, 8)] as [(UInt16, UInt16)] {
                Export.field(&b, f, len)
            }
        }
    }

    /// A TCP record from 10.20.1.`host`, starting and ending at NTP seconds + fraction.
    static func record(_ b: inout Bytes, host: UInt8, start: (UInt64, UInt32), end: (UInt64, UInt32)) {
        b.v4("10.20.1.\(host)")
        b.v4("10.30.1.\(host)")
        b.u16(40000 + UInt16(host))
        b.u16(445)
        b.u8(6)
        b.u64(start.0 << 32 | UInt64(start.1))
        b.u64(end.0 << 32 | UInt64(end.1))
    }

    /// The message of the review's reproduction (a quarter and a half second, microseconds then
    /// nanoseconds), and records at the edges of the fraction in both forms.
    static var message: [UInt8] {
        Export.ipfix(
            exportTime: unix + 60, domain: 12, template(256, times: (154, 157)), template(257, times: (156, 155)),
            Export.set(256) { b in
                record(&b, host: 1, start: (ntp, 0x4000_0000), end: (ntp + 1, 0x8000_0000))
                // 1 µs as an exporter of microseconds writes it (RFC 7011 6.1.9: the low 11 bits cleared).
                record(&b, host: 2, start: (ntp, 4294 & ~0x7ff), end: (ntp + 1, 0))
            },
            Export.set(257) { b in
                // 1 ns, and the largest fraction (a hair under the next second).
                record(&b, host: 3, start: (ntp, 5), end: (ntp + 1, 0xffff_ffff))
                record(&b, host: 4, start: (ntp + 2, 0x1999_999a), end: (ntp + 3, 0xe666_6666))
            })
    }

    func testFractionsOfASecondAreKept() {
        var d = FlowExportDecoder()
        let rs = d.records(Self.message)
        XCTAssertEqual(rs.count, 4)
        let t0 = Int64(Self.unix) * 1_000_000
        XCTAssertEqual(rs.map(\.src), (1...4).map { IPAddress("10.20.1.\($0)")! })
        XCTAssertEqual(rs.map { $0.startMicros - t0 }, [250_000, 1, 0, 2_100_000])
        XCTAssertEqual(rs.map { $0.endMicros - t0 }, [1_500_000, 1_000_000, 2_000_000, 3_900_000])
        XCTAssertTrue(rs.allSatisfy { $0.timeSource == .record })
        XCTAssertEqual(d.testStats.totalFailures, 0)
    }

    /// The same datagram through tshark: every record's fields and times (rounded to the µs) agree.
    func testTheSameTimesAsTshark() throws {
        try XCTSkipUnless(Tshark.available, "tshark is not installed")
        let name = "zonesep-ntp-\(UUID().uuidString).pcap"
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(name).path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try DatagramPcap.write([Self.message], port: 4739, seconds: Self.unix + 60, to: path)
        var d = FlowExportDecoder()
        let ours = Fixtures.decode(try Fixtures.datagrams(atPath: path), with: &d)
        let theirs = try Tshark.cflowRecords(path, port: 4739)
        XCTAssertEqual(ours.count, 1)
        XCTAssertEqual(ours.first?.count, 4)
        XCTAssertEqual(ours.first?.map { Canonical.line($0) }.sorted(), theirs.first)
    }
}
