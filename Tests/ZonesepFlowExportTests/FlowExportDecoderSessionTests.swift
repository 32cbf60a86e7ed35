import XCTest
import ZonesepCore
import ZonesepFlowExport

/// The session table's cap (`Limits.sessions`): a NetFlow v5, v9 or sFlow datagram that would open a session
/// beyond it is dropped and counted in `rejectedDatagrams`; the sessions already open go on decoding.
final class FlowExportDecoderSessionTests: XCTestCase {
    /// Sends `datagram` from ports 1 and 2 (two sessions, the cap), then 3 (refused), then 1 again.
    func checkCap(_ datagram: [UInt8], records: Int, _ what: String) {
        var limits = FlowExportDecoder.Limits()
        limits.sessions = 2
        var d = FlowExportDecoder(limits: limits)
        XCTAssertEqual(d.records(datagram, port: 1).count, records, what)
        XCTAssertEqual(d.records(datagram, port: 2).count, records, what)
        XCTAssertEqual(d.rejectedDatagrams, 0, what)
        XCTAssertEqual(d.records(datagram, port: 3).count, 0, "\(what): a third session is refused")
        XCTAssertEqual(d.rejectedDatagrams, 1, what)
        XCTAssertEqual(d.records(datagram, port: 1).count, records, "\(what): an open session goes on")
        XCTAssertEqual(d.rejectedDatagrams, 1, what)
        XCTAssertEqual(d.testStats.datagrams, 4, "\(what): every datagram reached its exporter's counts")
    }

    func testNetFlowV5() {
        checkCap(NetFlowV5DecoderTests.packet(), records: 2, "v5")
    }

    func testNetFlowV9() {
        let packet = Export.netflowV9(
            uptime: 100_000, unixSecs: 1_781_481_600, NetFlowV9DecoderTests.template, NetFlowV9DecoderTests.data)
        checkCap(packet, records: 1, "v9")
    }

    func testSFlow() {
        let s = SFlowDecoderTests.self
        checkCap(s.datagram(s.flowSample(s.rawHeader(s.frame()))), records: 1, "sFlow")
    }
}
