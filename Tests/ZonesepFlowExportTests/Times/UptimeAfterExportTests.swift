import XCTest
import ZonesepCore
import ZonesepFlowExport

/// NetFlow v5 and v9 record times are uptimes, placed against the header's uptime. A record whose time
/// lies after its own datagram's export (beyond 1 s) cannot be: before, the signed 32-bit difference
/// placed it up to 24.8 days in the future (softflowd reading a file stamped every alert 24 days ahead),
/// and such a record moved record time ahead for every exporter. Now it is counted as
/// `timestamp-out-of-range` and not handed on.
final class UptimeAfterExportTests: XCTestCase {
    /// 2026-06-15T00:00:00.250Z, the v5 test packet's export time, in µs.
    let export: Int64 = 1_781_481_600_250_000

    /// The v5 test packet with its first record's First and Last (uptime ms; the header's is 100,000).
    func v5(first: UInt32, last: UInt32, uptime: UInt32 = 100_000) -> [UInt8] {
        var p = NetFlowV5DecoderTests.packet()
        for (at, v) in [(4, uptime), (48, first), (52, last)] {
            for i in 0..<4 { p[at + i] = UInt8(truncatingIfNeeded: v >> (24 - 8 * UInt32(i))) }
        }
        return p
    }

    func testAV5RecordADayAfterItsExportIsCountedNotJudged() {
        var d = FlowExportDecoder()
        let rs = d.records(v5(first: 100_000 + 86_400_000, last: 100_000 + 86_401_000))
        XCTAssertEqual(rs.count, 1, "the other record of the datagram")
        XCTAssertTrue(rs.allSatisfy { $0.startMicros <= export && $0.endMicros <= export })
        XCTAssertEqual(d.testStats.failures[.timestampOutOfRange], 1)
        XCTAssertEqual(d.testStats.records, 1)
    }

    func testAV5RecordWithinTheToleranceIsKeptAsItIs() {
        var d = FlowExportDecoder()
        let rs = d.records(v5(first: 99_000, last: 100_900))
        XCTAssertEqual(rs.count, 2)
        XCTAssertEqual(rs.first?.startMicros, export - 1_000_000)
        XCTAssertEqual(rs.first?.endMicros, export + 900_000, "900 ms after the export: within 1 s")
        XCTAssertEqual(d.testStats.failures[.timestampOutOfRange], 0)
    }

    /// An uptime that wrapped between the record and the header (49.7 days up) is still before the export.
    func testAnUptimeThatWrappedIsBeforeTheExport() {
        var d = FlowExportDecoder()
        let rs = d.records(v5(first: UInt32.max - 999, last: 500, uptime: 1000))
        XCTAssertEqual(rs.first?.startMicros, export - 2_000_000)
        XCTAssertEqual(rs.first?.endMicros, export - 500_000)
    }

    func testAV9RecordADayAfterItsExportIsCountedNotJudged() {
        var d = FlowExportDecoder()
        let s = NetFlowV9DecoderTests.self
        let data = Export.set(260, padding: 3) {
            s.record(&$0, first: 100_000 + 86_400_000, last: 100_000 + 86_400_500)
        }
        let rs = d.records(Export.netflowV9(uptime: 100_000, unixSecs: 1_781_481_600, count: 2, s.template, data))
        XCTAssertEqual(rs.count, 0)
        XCTAssertEqual(d.testStats.failures[.timestampOutOfRange], 1)
    }
}
