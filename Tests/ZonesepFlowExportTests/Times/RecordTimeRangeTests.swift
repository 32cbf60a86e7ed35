import XCTest
import ZonesepCore
import ZonesepFlowExport

/// Record times no RFC 3339 text can hold. An exporter's 64-bit times (flowStartMilliseconds, a delta, a
/// system init time) can say any year; the decoder handed them on as they came, past 9999 (and `collect`
/// wrote `10000-01-01T…Z`), or wrapped in 64 bits into a plausible time of 1970 that was judged. Now such a
/// record is not handed on: it is counted against its exporter as `timestamp-out-of-range`, as `replay`
/// counts a packet of such a time, and the rest of its set is read.
final class RecordTimeRangeTests: XCTestCase {
    /// 2026-11-20T00:00:00Z.
    static let t0: UInt64 = 1_795_132_800
    /// 10000-01-01T00:00:00Z in ms: the first millisecond no RFC 3339 time holds.
    static let year10000Millis: UInt64 = 253_402_300_800_000

    /// The count under the name `collect` reports (looked up by name, as the summary and stats write it).
    static func outOfRange(_ s: ExporterStats) -> UInt64 {
        s.failures.nonZero.first { $0.name == "timestamp-out-of-range" }?.count ?? 0
    }

    /// A template of the 5-tuple and two time fields of `ids` (8 bytes each), set `setID` (IPFIX 2, v9 0).
    static func template(_ id: UInt16, times ids: (UInt16, UInt16), setID: UInt16 = 2) -> [UInt8] {
        Export.set(setID) { b in
            b.u16(id)
            b.u16(7)
            for (f, len) in [(8, 4), (12, 4), (7, 2), (11, 2), (4, 1), (ids.0, 8), (ids.1, 8)] as [(UInt16, UInt16)] {
                Export.field(&b, f, len)
            }
        }
    }

    /// A TCP record from 10.20.3.`host` to 10.30.7.8:445 with raw time values.
    static func record(_ b: inout Bytes, host: UInt8, _ start: UInt64, _ end: UInt64) {
        b.v4("10.20.3.\(host)")
        b.v4("10.30.7.8")
        b.u16(40000 + UInt16(host))
        b.u16(445)
        b.u8(6)
        b.u64(start)
        b.u64(end)
    }

    /// Every record handed on has times every record writer can write.
    func assertWritable(_ rs: [FlowRecord], file: StaticString = #filePath, line: UInt = #line) {
        for r in rs {
            XCTAssertTrue(
                PacketTime.isWritable(r.startMicros), "\(r.src) starts at \(r.startMicros)", file: file, line: line)
            XCTAssertTrue(PacketTime.isWritable(r.endMicros), "\(r.src) ends at \(r.endMicros)", file: file, line: line)
        }
    }

    func testIPFIXMillisecondsPastYear9999OrBeyond64BitsAreCountedNotHandedOn() {
        var d = FlowExportDecoder()
        let t0ms = Self.t0 * 1000
        let last = Self.year10000Millis - 1
        let data = Export.set(256) { b in
            Self.record(&b, host: 1, t0ms, t0ms + 500)
            Self.record(&b, host: 2, last, last)  // 9999-12-31T23:59:59.999Z: still written
            Self.record(&b, host: 3, Self.year10000Millis, Self.year10000Millis)
            Self.record(&b, host: 4, t0ms, Self.year10000Millis)  // only its end is past 9999
            Self.record(&b, host: 5, 1 << 63 + 5, 1 << 63 + 5)  // wrapped to 1970-01-01T00:00:00.005Z
            Self.record(&b, host: 6, .max, .max)  // wrapped to 1969-12-31T23:59:59.999Z
            Self.record(&b, host: 7, t0ms + 1000, t0ms + 1000)
        }
        let rs = d.records(Export.ipfix(exportTime: UInt32(Self.t0), Self.template(256, times: (152, 153)), data))
        XCTAssertEqual(rs.map(\.src), ["10.20.3.1", "10.20.3.2", "10.20.3.7"].map { IPAddress($0)! })
        XCTAssertEqual(rs.dropFirst().first?.endMicros, PacketTime.latest - 999)
        assertWritable(rs)
        XCTAssertEqual(Self.outOfRange(d.testStats), 4)
        XCTAssertEqual(d.testStats.records, 3, "records handed on")
        XCTAssertEqual(d.testStats.totalFailures, 4)
    }

    func testIPFIXSecondsAndDeltasBeforeYear0000OrPast9999AreCounted() {
        var d = FlowExportDecoder()
        // Seconds fields of 8 bytes (a template may give any length up to the type's own and beyond).
        let seconds = Export.set(256) { b in
            Self.record(&b, host: 1, Self.t0, Self.t0 + 1)
            Self.record(&b, host: 2, 1 << 40, 1 << 40)  // the year 36812
            Self.record(&b, host: 3, .max, .max)
        }
        // Deltas before the export: 2^62 µs is some 146,000 years before 1970.
        let deltas = Export.set(257) { b in
            Self.record(&b, host: 4, 1_000_000, 0)
            Self.record(&b, host: 5, 1 << 62, 0)
            Self.record(&b, host: 6, .max, .max)
        }
        let rs = d.records(
            Export.ipfix(
                exportTime: UInt32(Self.t0), Self.template(256, times: (150, 151)),
                Self.template(257, times: (158, 159)),
                seconds, deltas))
        XCTAssertEqual(rs.map(\.src), ["10.20.3.1", "10.20.3.4"].map { IPAddress($0)! })
        XCTAssertEqual(rs.last?.startMicros, Int64(Self.t0 - 1) * 1_000_000)
        assertWritable(rs)
        XCTAssertEqual(Self.outOfRange(d.testStats), 4)
    }

    func testIPFIXUptimesPlacedByAFarSystemInitTimeAreCounted() {
        var d = FlowExportDecoder()
        let options = Export.set(3) { b in
            b.u16(500)
            b.u16(1)
            b.u16(1)
            Export.field(&b, 160, 8)
        }
        let optionsData = Export.set(500) { $0.u64(1 << 50) }  // the year 37648
        let uptimes = Export.set(2) { b in
            b.u16(256)
            b.u16(4)
            for (id, len) in [(8, 4), (12, 4), (22, 4), (21, 4)] as [(UInt16, UInt16)] { Export.field(&b, id, len) }
        }
        let ownInit = Export.set(2) { b in
            b.u16(257)
            b.u16(5)
            for (id, len) in [(8, 4), (12, 4), (22, 4), (21, 4), (160, 8)] as [(UInt16, UInt16)] {
                Export.field(&b, id, len)
            }
        }
        let data = Export.set(256) { b in
            b.v4("10.20.3.1")
            b.v4("10.30.7.8")
            b.u32(1000)
            b.u32(2000)
        }
        let dataOwnInit = Export.set(257) { b in
            b.v4("10.20.3.2")
            b.v4("10.30.7.8")
            b.u32(1000)
            b.u32(2000)
            b.u64(.max)  // wrapped to -1 ms: placed the flow at 1970-01-01T00:00:00.999Z
            b.v4("10.20.3.3")
            b.v4("10.30.7.8")
            b.u32(1000)
            b.u32(2000)
            b.u64(Self.t0 * 1000 - 5000)  // started 5 s before the export
        }
        let rs = d.records(
            Export.ipfix(exportTime: UInt32(Self.t0), options, optionsData, uptimes, ownInit, data, dataOwnInit))
        XCTAssertEqual(rs.map(\.src), [IPAddress("10.20.3.3")!])
        XCTAssertEqual(rs.first?.startMicros, Int64(Self.t0) * 1_000_000 - 4_000_000)
        XCTAssertEqual(Self.outOfRange(d.testStats), 2)
        XCTAssertEqual(d.testStats.optionsRecords, 1)
    }

    /// NetFlow v9 shares IPFIX's field numbers: an exporter may send absolute times (Cisco's NSEL sends
    /// 152 and 153), and they are held to the same range. Its header's times cannot leave it: unix_secs is
    /// 32 bits (at most 2106) and an uptime is at most 2^31 ms before the header's and 1 s after (later is
    /// refused, `UptimeAfterExportTests`).
    func testNetFlowV9AbsoluteTimesPastYear9999AreCountedAndHeaderTimesStayInRange() {
        var d = FlowExportDecoder()
        let data = Export.set(300) { b in
            Self.record(&b, host: 1, Self.year10000Millis, Self.year10000Millis)
            Self.record(&b, host: 2, Self.t0 * 1000, Self.t0 * 1000)
        }
        let rs = d.records(
            Export.netflowV9(unixSecs: UInt32(Self.t0), Self.template(300, times: (152, 153), setID: 0), data))
        XCTAssertEqual(rs.map(\.src), [IPAddress("10.20.3.2")!])
        XCTAssertEqual(Self.outOfRange(d.testStats), 1)

        var e = FlowExportDecoder()
        let uptime = Export.set(260) { NetFlowV9DecoderTests.record(&$0, first: 1000, last: 1000) }
        let early = e.records(Export.netflowV9(uptime: 0, unixSecs: .max, NetFlowV9DecoderTests.template, uptime))
        XCTAssertEqual(early.count, 1)
        assertWritable(early)
        XCTAssertEqual(e.testStats.totalFailures, 0)
    }

    /// Data held for its template is decoded when the template comes, and its far times are counted then.
    func testHeldDataWithFarTimesIsCountedWhenItsTemplateArrives() {
        var d = FlowExportDecoder()
        let data = Export.set(256) { b in
            Self.record(&b, host: 1, Self.year10000Millis, Self.year10000Millis)
            Self.record(&b, host: 2, Self.t0 * 1000, Self.t0 * 1000)
        }
        XCTAssertEqual(d.records(Export.ipfix(exportTime: UInt32(Self.t0), data)).count, 0)
        let rs = d.records(Export.ipfix(exportTime: UInt32(Self.t0), Self.template(256, times: (152, 153))))
        XCTAssertEqual(rs.map(\.src), [IPAddress("10.20.3.2")!])
        XCTAssertEqual(d.testStats.setsReleased, 1)
        XCTAssertEqual(Self.outOfRange(d.testStats), 1)
    }

    /// sFlow is timed by arrival: out of range only if the caller's clock is, and then held to the rule too.
    func testSFlowSampleArrivingPastYear9999IsCounted() {
        var d = FlowExportDecoder()
        let arrivals = [PacketTime.latest, PacketTime.latest + 1, PacketTime.earliest - 1, PacketTime.earliest]
        let handedOn = arrivals.enumerated().map { i, arrival in
            let sample = SFlowDecoderTests.flowSample(SFlowDecoderTests.rawHeader(SFlowDecoderTests.frame()))
            return d.records(SFlowDecoderTests.datagram(sequence: UInt32(i + 1), sample), receivedMicros: arrival).count
        }
        XCTAssertEqual(handedOn, [1, 0, 0, 1])
        XCTAssertEqual(Self.outOfRange(d.testStats), 2)
        XCTAssertEqual(d.testStats.records, 2)
    }

    /// NetFlow v5's times are all the header's: from 2^31 ms before 1970 to 1 s after 2106, all written.
    func testNetFlowV5TimesCannotLeaveTheRange() {
        for (uptime, unixSecs, first) in [(0x7fff_ffff, 0, 0), (0, UInt32.max, 1000)]
            as [(UInt32, UInt32, UInt32)]
        {
            let packet = Bytes { b in
                b.u16(5)
                b.u16(1)
                b.u32(uptime)
                b.u32(unixSecs)
                b.u32(999_999_999)
                b.u32(0)
                b.u16(0)
                b.u16(0)
                b.v4("10.20.3.4")
                b.v4("10.30.7.8")
                b.raw([UInt8](repeating: 0, count: 16))
                b.u32(first)
                b.u32(first)
                b.u16(40000)
                b.u16(445)
                b.raw([0, 0x02, 6, 0])
                b.raw([UInt8](repeating: 0, count: 8))
            }.bytes
            var d = FlowExportDecoder()
            let rs = d.records(packet)
            XCTAssertEqual(rs.count, 1)
            assertWritable(rs)
            XCTAssertEqual(d.testStats.totalFailures, 0)
        }
    }
}
