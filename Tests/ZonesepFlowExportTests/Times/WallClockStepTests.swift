import XCTest
import ZonesepCore
import ZonesepFlowExport

/// Held data sets, sequence gaps and idle sessions age by the monotonic clock, the exporter's clock offset
/// and sFlow's times by the wall clock, which NTP or a resumed VM can step. Before, `collect` aged all of
/// them by the wall clock: a step forward gave up every held set at once (counted `no-template`), settled
/// gaps early and forgot live sessions with their templates; a step back stopped them ageing.
final class WallClockStepTests: XCTestCase {
    static let minute: Int64 = 60_000_000
    /// The wall clock before any step (the test messages' export time) and the monotonic clock then.
    static let wall = Int64(IPFIXDecoderTests.export) * 1_000_000
    static let monotonic: Int64 = 5_000 * 1_000_000

    static let data256 = Export.ipfix(Export.set(256) { IPFIXDecoderTests.record256(&$0) })
    static let template256 = Export.ipfix(IPFIXDecoderTests.template256)

    func testAStepForwardDoesNotGiveUpASetWhoseTemplateComesNext() {
        var d = FlowExportDecoder()
        XCTAssertEqual(d.records(Self.data256, wall: Self.wall, monotonic: Self.monotonic).count, 0)
        XCTAssertEqual(d.heldSetCount, 1)
        let records = d.records(Self.template256, wall: Self.wall + 60 * Self.minute, monotonic: Self.monotonic + 1)
        XCTAssertEqual(records.count, 1, "the held set is decoded with its template")
        XCTAssertEqual(d.testStats.setsReleased, 1)
        XCTAssertEqual(d.testStats.failures[.noTemplate], 0)
    }

    func testAStepForwardDoesNotForgetASessionsTemplates() {
        var d = FlowExportDecoder()
        _ = d.records(Self.template256, wall: Self.wall, monotonic: Self.monotonic)
        let records = d.records(Self.data256, wall: Self.wall + 61 * Self.minute, monotonic: Self.monotonic + 1)
        XCTAssertEqual(records.count, 1, "the session sent a template a moment ago")
        XCTAssertEqual(d.heldSetCount, 0)
    }

    /// Sequence 0, 20, then the late 10 after the wall clock stepped an hour on: the gap it fills was
    /// opened 200 ms before, and is not loss.
    func testAStepForwardDoesNotCountAGapALateDatagramFills() {
        var d = FlowExportDecoder()
        _ = d.records(
            SequenceCheckTests.message(0, records: 10, template: true), wall: Self.wall, monotonic: Self.monotonic)
        _ = d.records(SequenceCheckTests.message(20, records: 10), wall: Self.wall, monotonic: Self.monotonic + 100_000)
        _ = d.records(
            SequenceCheckTests.message(10, records: 10), wall: Self.wall + 60 * Self.minute,
            monotonic: Self.monotonic + 200_000)
        XCTAssertEqual(d.testStats.lateDatagrams, 1)
        XCTAssertEqual(d.testStats.sequenceGaps, 0)
        d.finish()
        XCTAssertEqual(d.testStats.sequenceGaps, 0)
        XCTAssertEqual(d.testStats.missedRecords, 0)
    }

    /// The wall clock stepped an hour back while a set waited 31 minutes for a template that never came,
    /// and a gap stayed open 3 s: both are given up as if the clock had not moved.
    func testAStepBackDoesNotStopSetsAndGapsAgeing() {
        var d = FlowExportDecoder()
        let orphan = Export.ipfix(sequence: 0, Export.set(300) { IPFIXDecoderTests.record256(&$0) })
        _ = d.records(orphan, wall: Self.wall, monotonic: Self.monotonic)
        _ = d.records(
            SequenceCheckTests.message(0, records: 10, domain: 2, template: true), wall: Self.wall,
            monotonic: Self.monotonic)
        _ = d.records(
            SequenceCheckTests.message(20, records: 10, domain: 2), wall: Self.wall, monotonic: Self.monotonic)
        XCTAssertEqual(d.heldSetCount, 1)
        _ = d.records(
            SequenceCheckTests.message(30, records: 10, domain: 2), wall: Self.wall - 60 * Self.minute,
            monotonic: Self.monotonic + 3_000_000)
        XCTAssertEqual(d.testStats.sequenceGaps, 1, "records 10-19, 3 s ago")
        XCTAssertEqual(d.testStats.missedRecords, 10)
        d.settle(monotonicMicros: Self.monotonic + 31 * Self.minute)
        XCTAssertEqual(d.heldSetCount, 0)
        XCTAssertEqual(d.testStats.failures[.noTemplate], 1)
    }

    /// The offset is the export time against the wall clock: the monotonic clock counts from boot.
    func testTheClockOffsetIsMeasuredAgainstTheWallClock() {
        var d = FlowExportDecoder()
        let export: Int64 = 1_781_481_600_250_000  // the v5 test packet's
        _ = d.records(NetFlowV5DecoderTests.packet(), wall: export + 2_000_000, monotonic: Self.monotonic)
        XCTAssertEqual(d.testStats.clockOffsetMicros, -2_000_000)
        XCTAssertEqual(d.takeSkewedExporters(), [])
    }

    /// sFlow carries no absolute time: its samples are timed by their arrival in calendar time.
    func testSFlowSamplesAreTimedByTheWallClock() {
        var d = FlowExportDecoder()
        let dg = SFlowDecoderTests.datagram(
            SFlowDecoderTests.flowSample(SFlowDecoderTests.rawHeader(SFlowDecoderTests.frame())))
        let records = d.records(dg, wall: 1_781_481_600_123_456, monotonic: Self.monotonic)
        XCTAssertEqual(records.map(\.startMicros), [1_781_481_600_123_456])
        XCTAssertEqual(records.map(\.endMicros), [1_781_481_600_123_456])
    }
}

extension FlowExportDecoder {
    /// Decodes one datagram received at `wall` by the wall clock and `monotonic` by the monotonic one.
    fileprivate mutating func records(_ bytes: [UInt8], wall: Int64, monotonic: Int64) -> [FlowRecord] {
        var out: [FlowRecord] = []
        bytes.withUnsafeBytes { b in
            decode(b, exporter: IPAddress(v4: 0xc000_0201), port: 4739, wallMicros: wall, monotonicMicros: monotonic) {
                out.append(copy $0)
            }
        }
        return out
    }
}
