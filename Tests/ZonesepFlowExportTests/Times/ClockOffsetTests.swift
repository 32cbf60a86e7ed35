import XCTest
import ZonesepCore
import ZonesepFlowExport

/// Each exporter's clock against arrival: the offset of its latest datagram's export time (NetFlow v5's
/// seconds and nanoseconds, v9's and IPFIX's seconds) from the datagram's arrival, and the exporter named
/// once when the offset passes 5 minutes. sFlow carries no export time and keeps none.
final class ClockOffsetTests: XCTestCase {
    /// The v5 test packet's export time, 2026-06-15T00:00:00.250Z, in µs.
    let export: Int64 = 1_781_481_600_250_000

    func testTheOffsetIsExportTimeMinusArrival() {
        var d = FlowExportDecoder()
        _ = d.records(NetFlowV5DecoderTests.packet(), receivedMicros: export + 2_000_000)
        XCTAssertEqual(d.testStats.clockOffsetMicros, -2_000_000)
        XCTAssertEqual(d.testStats.clockOffsetSeconds, -2)
        XCTAssertEqual(d.takeSkewedExporters(), [], "2 s: within what a datagram's wait explains")
        XCTAssertFalse(d.testStats.clockOffsetWarned)
    }

    /// A router whose clock was never set: an offset of years is kept and the exporter named once,
    /// however many datagrams it sends; the latest datagram's offset is the one kept.
    func testAnOffsetPastFiveMinutesNamesTheExporterOnce() {
        var d = FlowExportDecoder()
        let arrival = export + 700 * 86_400 * 1_000_000
        _ = d.records(NetFlowV5DecoderTests.packet(), receivedMicros: arrival)
        let skewed = d.takeSkewedExporters()
        XCTAssertEqual(skewed.count, 1)
        XCTAssertEqual(skewed.first?.exporter, IPAddress(v4: 0xc000_0201))
        XCTAssertEqual(skewed.first?.input, .netflowV5)
        XCTAssertEqual(skewed.first?.offsetMicros, export - arrival)
        XCTAssertEqual(skewed.first?.exportMicros, export)
        _ = d.records(NetFlowV5DecoderTests.packet(sequence: 2), receivedMicros: arrival + 60_000_000)
        XCTAssertEqual(d.takeSkewedExporters(), [], "said once")
        XCTAssertEqual(d.testStats.clockOffsetMicros, export - arrival - 60_000_000)
        XCTAssertTrue(d.testStats.clockOffsetWarned)
    }

    func testFiveMinutesExactlyIsNotPastTheThreshold() {
        var d = FlowExportDecoder()
        let limit = FlowExportDecoder.clockOffsetWarningMicros
        _ = d.records(NetFlowV5DecoderTests.packet(), receivedMicros: export + limit)
        XCTAssertEqual(d.takeSkewedExporters(), [])
        _ = d.records(
            NetFlowV5DecoderTests.packet(sequence: 2),
            receivedMicros: export - FlowExportDecoder.clockOffsetWarningMicros - 1)
        XCTAssertEqual(d.takeSkewedExporters().map(\.offsetMicros), [FlowExportDecoder.clockOffsetWarningMicros + 1])
    }

    func testSecondsRoundHalfAwayFromZero() {
        XCTAssertEqual(ExporterStats.seconds(1_499_999), 1)
        XCTAssertEqual(ExporterStats.seconds(1_500_000), 2)
        XCTAssertEqual(ExporterStats.seconds(-1_500_000), -2)
        XCTAssertEqual(ExporterStats.seconds(-1_499_999), -1)
    }
}
