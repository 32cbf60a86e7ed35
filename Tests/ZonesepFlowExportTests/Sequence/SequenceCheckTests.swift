import XCTest
import ZonesepCore
import ZonesepFlowExport

/// Sequence numbers tell loss from reordering and restarts: a gap right after a datagram whose set could
/// not be counted is still seen, a reordered datagram is not loss, and softflowd's IPFIX (which counts the
/// message's own records) is recognised rather than read as a gap or a reset on every datagram.
final class SequenceCheckTests: XCTestCase {
    /// An IPFIX message of `records` records with template 256 (`template`: the template set first).
    static func message(
        _ sequence: UInt32, records: Int, domain: UInt32 = 1, template: Bool = false, extra: [UInt8] = []
    ) -> [UInt8] {
        let data = Export.set(256) { b in for _ in 0..<records { IPFIXDecoderTests.record256(&b) } }
        let sets = (template ? IPFIXDecoderTests.template256 : []) + extra + data
        return Export.ipfix(sequence: sequence, domain: domain, sets)
    }

    /// The reviewer's four messages: the second holds a set of a template never sent (its record count
    /// unknown), then 996 and 499 records are lost. Before, the check after a held set was skipped: 1 gap.
    func testAGapRightAfterADatagramWithAHeldSetIsCounted() {
        var d = FlowExportDecoder()
        _ = d.records(Self.message(0, records: 2, domain: 7, template: true))
        let unknown = Export.set(500) { IPFIXDecoderTests.record256(&$0) }
        _ = d.records(Self.message(2, records: 1, domain: 7, extra: unknown))
        _ = d.records(Self.message(1000, records: 1, domain: 7))
        _ = d.records(Self.message(1500, records: 1, domain: 7))
        d.finish()
        let s = d.testStats
        XCTAssertEqual(s.sequenceGaps, 2)
        XCTAssertEqual(s.sequenceResets, 0)
        // The held set's 61 bytes could hold up to 61 records, so the first gap is known to be at least
        // 1000 - (2 + 1 + 61) = 936 records (996 were lost); the second is exact.
        XCTAssertEqual(s.missedRecords, 936 + 499)
        XCTAssertEqual(s.failures[.noTemplate], 1, "the set whose template never came")
    }

    /// Sequence 0, 20, 10, 30, 40 of 10 records each: the third overtook the second. Before: 2 gaps, 20
    /// records missed and a reset, for 50 records that all arrived.
    func testAReorderedDatagramIsLateNotLoss() {
        var d = FlowExportDecoder()
        _ = d.records(Self.message(0, records: 10, template: true))
        for sequence: UInt32 in [20, 10, 30, 40] { _ = d.records(Self.message(sequence, records: 10)) }
        d.finish()
        let s = d.testStats
        XCTAssertEqual(s.records, 50)
        XCTAssertEqual(s.sequenceGaps, 0)
        XCTAssertEqual(s.missedRecords, 0)
        XCTAssertEqual(s.sequenceResets, 0)
        XCTAssertEqual(s.lateDatagrams, 1)
    }

    /// A late datagram fills only its own part of a gap; the rest is loss.
    func testALateDatagramTakesBackOnlyWhatItCarried() {
        var d = FlowExportDecoder()
        _ = d.records(Self.message(0, records: 10, template: true))
        _ = d.records(Self.message(30, records: 10))
        _ = d.records(Self.message(10, records: 10))
        d.finish()
        XCTAssertEqual(d.testStats.sequenceGaps, 1)
        XCTAssertEqual(d.testStats.missedRecords, 10, "records 20-29 never came")
        XCTAssertEqual(d.testStats.lateDatagrams, 1)
    }

    /// A gap the sequence has left 8 datagrams behind is counted without waiting for the clock, and a
    /// datagram arriving after that does not take it back: the counts only grow.
    func testAGapFarBehindIsCountedAndStaysCounted() {
        var d = FlowExportDecoder()
        _ = d.records(Self.message(0, records: 10, template: true))
        for sequence in stride(from: UInt32(20), through: 90, by: 10) {
            _ = d.records(Self.message(sequence, records: 10))
        }
        XCTAssertEqual(d.testStats.sequenceGaps, 1, "records 10-19: 80 records behind")
        XCTAssertEqual(d.testStats.missedRecords, 10)
        _ = d.records(Self.message(10, records: 10))
        XCTAssertEqual(d.testStats.lateDatagrams, 1)
        XCTAssertEqual(d.testStats.missedRecords, 10)
        XCTAssertEqual(d.testStats.sequenceResets, 0)
    }

    /// A restart is a step back far beyond the last datagrams; a step back smaller than one datagram's
    /// records never is.
    func testOnlyAFarStepBackIsAReset() {
        var d = FlowExportDecoder()
        _ = d.records(Self.message(100_000, records: 10, template: true))
        _ = d.records(Self.message(100_005, records: 10))
        XCTAssertEqual(d.testStats.sequenceResets, 0)
        XCTAssertEqual(d.testStats.lateDatagrams, 1)
        _ = d.records(Self.message(0, records: 10))
        XCTAssertEqual(d.testStats.sequenceResets, 1)
        _ = d.records(Self.message(10, records: 10))
        d.finish()
        XCTAssertEqual(d.testStats.sequenceGaps, 0)
    }

    /// NetFlow v9 counts datagrams: 1, 3, 2, 4 is one datagram overtaken, not two gaps and a reset.
    func testNetFlowV9ReorderedDatagram() {
        var d = FlowExportDecoder()
        let s = NetFlowV9DecoderTests.self
        _ = d.records(Export.netflowV9(sequence: 1, s.template, s.data))
        for sequence: UInt32 in [3, 2, 4] { _ = d.records(Export.netflowV9(sequence: sequence, s.data)) }
        d.finish()
        XCTAssertEqual(d.testStats.records, 4)
        XCTAssertEqual(d.testStats.sequenceGaps, 0)
        XCTAssertEqual(d.testStats.missedDatagrams, 0)
        XCTAssertEqual(d.testStats.sequenceResets, 0)
        XCTAssertEqual(d.testStats.lateDatagrams, 1)
    }

    /// softflowd 1.1.0's IPFIX, as committed (each run one transport session): its sequence numbers
    /// include the message's own flow records (18, 44, 62 for 18, 26, 18 records). Before, a loss-free
    /// loopback read as gaps and resets.
    func testSoftflowdIPFIXHasNoGapsOrResets() throws {
        for name in ["softflowd-ipfix.pcap", "softflowd-ipfix-biflow.pcap"] {
            let datagrams = try Fixtures.datagrams(name)
            XCTAssertEqual(Set(datagrams.map(\.sourcePort)).count, 3, "\(name): three softflowd runs")
            var d = FlowExportDecoder()
            _ = Fixtures.decode(datagrams, with: &d)
            d.finish()
            let s = try XCTUnwrap(d.stats[datagrams[0].source])
            XCTAssertGreaterThan(s.records, 30, name)
            XCTAssertEqual(s.sequenceGaps, 0, name)
            XCTAssertEqual(s.missedRecords, 0, name)
            XCTAssertEqual(s.sequenceResets, 0, name)
            XCTAssertEqual(s.lateDatagrams, 0, name)
        }
    }

    /// pmacct's IPFIX follows RFC 7011 (0, 2, 8, … for 2, 6, 6, … records): no gaps either.
    func testPmacctIPFIXHasNoGaps() throws {
        let datagrams = try Fixtures.datagrams("pmacct-ipfix.pcap")
        var d = FlowExportDecoder()
        _ = Fixtures.decode(datagrams, with: &d)
        d.finish()
        let s = try XCTUnwrap(d.stats[datagrams[0].source])
        XCTAssertEqual(s.sequenceGaps, 0)
        XCTAssertEqual(s.sequenceResets, 0)
        XCTAssertEqual(s.lateDatagrams, 0)
    }

    /// Once the message-inclusive count is recognised, a lost message is still a gap of its records.
    func testLossIsStillSeenInAnExporterCountingItsOwnRecords() {
        var d = FlowExportDecoder()
        // 18, 26, 18, (12 lost), 8 records: sequence numbers 18, 44, 62, (74), 82.
        _ = d.records(Self.message(18, records: 18, template: true))
        _ = d.records(Self.message(44, records: 26))
        _ = d.records(Self.message(62, records: 18))
        _ = d.records(Self.message(82, records: 8))
        d.finish()
        XCTAssertEqual(d.testStats.sequenceGaps, 1)
        XCTAssertEqual(d.testStats.missedRecords, 12)
        XCTAssertEqual(d.testStats.sequenceResets, 0)
    }
}
