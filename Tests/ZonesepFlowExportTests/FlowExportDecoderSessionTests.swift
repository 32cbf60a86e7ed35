import XCTest
import ZonesepCore
import ZonesepFlowExport

/// The session table's cap (`Limits.sessions`): a NetFlow v5, v9 or sFlow datagram that would open a session
/// beyond it is dropped and counted in `rejectedDatagrams`; the sessions already open go on decoding.
final class FlowExportDecoderSessionTests: XCTestCase {
    /// Sends `datagram(0)` from exporters .1 and .2 (two sessions, the cap), then .3 (refused), then the next
    /// (`datagram(1)`: the same bytes again would be a duplicate) from .1. (Addresses, not ports: NetFlow's
    /// sessions are the address and source id or engine, whatever the port.)
    func checkCap(_ datagram: (Int) -> [UInt8], records: Int, _ what: String) {
        var limits = FlowExportDecoder.Limits()
        limits.sessions = 2
        var d = FlowExportDecoder(limits: limits)
        let exporter = { (n: UInt32) in IPAddress(v4: 0xc000_0200 | n) }
        XCTAssertEqual(d.records(datagram(0), exporter: exporter(1)).count, records, what)
        XCTAssertEqual(d.records(datagram(0), exporter: exporter(2)).count, records, what)
        XCTAssertEqual(d.rejectedDatagrams, 0, what)
        XCTAssertEqual(d.records(datagram(0), exporter: exporter(3)).count, 0, "\(what): a third session is refused")
        XCTAssertEqual(d.rejectedDatagrams, 1, what)
        XCTAssertEqual(d.records(datagram(1), exporter: exporter(1)).count, records, "\(what): an open session goes on")
        XCTAssertEqual(d.rejectedDatagrams, 1, what)
        XCTAssertEqual(
            d.stats.values.reduce(0) { $0 + $1.datagrams }, 4, "\(what): every datagram reached its exporter's counts")
    }

    func testNetFlowV5() {
        checkCap({ NetFlowV5DecoderTests.packet(sequence: UInt32($0 * 2)) }, records: 2, "v5")
    }

    func testNetFlowV9() {
        let packet = { (i: Int) in
            Export.netflowV9(
                uptime: 100_000, unixSecs: 1_781_481_600, sequence: UInt32(i), NetFlowV9DecoderTests.template,
                NetFlowV9DecoderTests.data)
        }
        checkCap(packet, records: 1, "v9")
    }

    func testSFlow() {
        let s = SFlowDecoderTests.self
        checkCap({ s.datagram(sequence: UInt32(1 + $0), s.flowSample(s.rawHeader(s.frame()))) }, records: 1, "sFlow")
    }
}

/// Which datagrams share templates and a sequence: NetFlow's sessions are the exporter's address and source
/// id (v9, RFC 3954 section 5.1) or engine (v5), whatever source port each datagram leaves from; IPFIX over
/// UDP keeps the transport session, port included (RFC 7011 section 8).
final class SessionScopeTests: XCTestCase {
    /// A v9 template sent from one port reads the data sent from another. Before, the data was held for a
    /// template already received, and never decoded.
    func testNetFlowV9TemplateFromAnotherPortReadsTheData() {
        var d = FlowExportDecoder()
        let s = NetFlowV9DecoderTests.self
        XCTAssertEqual(d.records(Export.netflowV9(sequence: 0, sourceID: 3, s.template), port: 46001).count, 0)
        let rs = d.records(Export.netflowV9(sequence: 1, sourceID: 3, s.data), port: 46002)
        XCTAssertEqual(rs.count, 1)
        XCTAssertEqual(rs.first?.exporterPort, 46002, "the record names the port its datagram came from")
        XCTAssertEqual(d.testStats.setsHeld, 0)
        // Another source id is another session, whatever the port.
        XCTAssertEqual(d.records(Export.netflowV9(sequence: 2, sourceID: 4, s.data), port: 46001).count, 0)
        d.finish()
        XCTAssertEqual(d.testStats.sequenceGaps, 0)
        XCTAssertEqual(d.testStats.failures[.noTemplate], 1, "source id 4's data")
    }

    /// A v5 exporter's sequence goes on across its source ports: 28 records lost between ports are a gap.
    func testNetFlowV5SequenceSpansSourcePorts() {
        var d = FlowExportDecoder()
        _ = d.records(NetFlowV5DecoderTests.packet(sequence: 0), port: 1)
        _ = d.records(NetFlowV5DecoderTests.packet(sequence: 30), port: 2)
        d.finish()
        XCTAssertEqual(d.testStats.sequenceGaps, 1)
        XCTAssertEqual(d.testStats.missedRecords, 28)
    }

    /// IPFIX over UDP: a template belongs to the transport session it came in.
    func testIPFIXTemplatesStayInTheirTransportSession() {
        var d = FlowExportDecoder()
        _ = d.records(Export.ipfix(IPFIXDecoderTests.template256), port: 1)
        XCTAssertEqual(d.records(Export.ipfix(Export.set(256) { IPFIXDecoderTests.record256(&$0) }), port: 2).count, 0)
        XCTAssertEqual(d.testStats.setsHeld, 1)
    }
}
