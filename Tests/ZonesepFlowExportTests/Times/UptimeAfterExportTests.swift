import XCTest
import ZonesepCore
import ZonesepFlowExport

/// NetFlow v5 and v9 record times are uptimes, placed against the header's uptime, and IPFIX uptimes
/// against the uptime the exporter's system init time gives at the export. A record whose time lies after
/// its own datagram's export (beyond 1 s) cannot be: before, the signed 32-bit difference placed it up to
/// 24.8 days in the future (softflowd reading a file stamped every alert 24 days ahead; in IPFIX, 23 days
/// ahead, until REVIEW-140 F2), and such a record moved record time ahead for every exporter. Now it is
/// counted as `timestamp-out-of-range` and not handed on.
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

    /// An IPFIX record of flowStartSysUpTime / flowEndSysUpTime (22, 21) with its own systemInitTimeMilliseconds
    /// (160), exported at `export` s.
    func ipfix(init initMs: UInt64, start: UInt32, end: UInt32, export: UInt32 = 1_781_481_600) -> [UInt8] {
        let template = Export.set(2) { b in
            b.u16(256)
            b.u16(5)
            for (id, len) in [(8, 4), (12, 4), (22, 4), (21, 4), (160, 8)] as [(UInt16, UInt16)] {
                Export.field(&b, id, len)
            }
        }
        let data = Export.set(256) { b in
            b.v4("10.20.3.4")
            b.v4("10.30.7.8")
            b.u32(start)
            b.u32(end)
            b.u64(initMs)
        }
        return Export.ipfix(exportTime: export, template, data)
    }

    /// softflowd's IPFIX without `-A`: uptimes that, read against its system init time, lie 23 days after
    /// the export. Refused as the same uptimes in v9 and v5 are, not judged 23 days ahead.
    func testAnIPFIXUptimeAfterTheExportIsCountedNotJudged() {
        let exportMs: UInt64 = 1_781_481_600_000
        var d = FlowExportDecoder()
        let day23: UInt32 = 23 * 86_400_000
        XCTAssertEqual(d.records(ipfix(init: exportMs - 60_000, start: day23, end: day23 + 1000)).count, 0)
        XCTAssertEqual(d.testStats.failures[.timestampOutOfRange], 1)
        // A system that started after its own export places nothing.
        XCTAssertEqual(d.records(ipfix(init: exportMs + 3_600_000, start: 0, end: 10)).count, 0)
        XCTAssertEqual(d.testStats.failures[.timestampOutOfRange], 2)
        // Within the second's tolerance, kept as it is.
        let kept = d.records(ipfix(init: exportMs - 60_000, start: 59_000, end: 60_900))
        XCTAssertEqual(kept.first?.startMicros, Int64(exportMs) * 1000 - 1_000_000)
        XCTAssertEqual(kept.first?.endMicros, Int64(exportMs) * 1000 + 900_000)
    }

    /// A system up for a year: its uptime wrapped seven times since the init time. The record's uptime is
    /// placed before the export by the 32-bit difference, as v9's against its header, not a year back.
    func testAnIPFIXUptimeAfterManyWrapsIsPlacedBeforeTheExport() {
        let exportMs: UInt64 = 1_781_481_600_000
        let initMs = exportMs - 365 * 86_400_000
        let nowUptime = UInt32(truncatingIfNeeded: exportMs - initMs)
        var d = FlowExportDecoder()
        let rs = d.records(ipfix(init: initMs, start: nowUptime &- 30_000, end: nowUptime &- 10_000))
        XCTAssertEqual(rs.first?.startMicros, Int64(exportMs) * 1000 - 30_000_000)
        XCTAssertEqual(rs.first?.endMicros, Int64(exportMs) * 1000 - 10_000_000)
        XCTAssertEqual(d.testStats.failures[.timestampOutOfRange], 0)
    }

    /// A connection open for 30 days on a system up for 40: the uptime has not wrapped, so the init time
    /// places it 30 days back, as it is; a signed 32-bit difference read it as after the export and refused
    /// the record, and the long violating connection raised no alert (REVIEW-141 F4).
    func testAnIPFIXUptimeLongBeforeTheExportIsPlacedByTheInitTime() {
        let exportMs: UInt64 = 1_781_481_600_000_000 / 1000
        let day: UInt64 = 86_400_000
        var d = FlowExportDecoder()
        let rs = d.records(ipfix(init: exportMs - 40 * day, start: UInt32(10 * day), end: UInt32(40 * day - 5000)))
        XCTAssertEqual(rs.first?.startMicros, Int64(exportMs - 30 * day) * 1000)
        XCTAssertEqual(rs.first?.endMicros, Int64(exportMs - 5000) * 1000)
        XCTAssertEqual(d.testStats.failures[.timestampOutOfRange], 0)
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
