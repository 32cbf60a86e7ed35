import XCTest
import ZonesepCore
import ZonesepFlowExport

/// A datagram received twice (the same sequence number and bytes as one its stream accepted) is counted in
/// `duplicateDatagrams` and not decoded: before, the second copy's records were judged again and read as
/// a late datagram. The real exporters' fixtures, each datagram sent twice, give the records and sequence
/// counts of a single send; a reordered pair is late, not duplicate; softflowd's NetFlow v9 runs, which
/// restart from sequence 0 in one stream, are restarts and decoded.
final class DuplicateDatagramTests: XCTestCase {
    static let fixtures = [
        "softflowd-ipfix.pcap", "softflowd-ipfix-biflow.pcap", "softflowd-v9.pcap", "softflowd-v5.pcap",
        "pmacct-ipfix.pcap", "pmacct-v9.pcap", "pmacct-sflow.pcap",
    ]

    /// Decodes `datagrams` with a fresh decoder: the records of each (canonical lines) and the exporter's stats.
    func decode(_ datagrams: [CapturedDatagram]) throws -> ([[String]], ExporterStats) {
        var d = FlowExportDecoder()
        let records = Fixtures.decode(datagrams, with: &d).map { $0.map { Canonical.line($0) } }
        d.finish()
        return (records, try XCTUnwrap(d.stats[datagrams[0].source]))
    }

    /// An IPFIX message that carries no data set (templates alone) shares its sequence number with a data
    /// message, so it is not remembered: sent again it is decoded again (its templates stored again).
    static func carriesData(_ d: CapturedDatagram) -> Bool {
        let b = d.payload
        guard b.count >= 2, b[0] == 0, b[1] == 10 else { return true }
        var at = 16
        while at + 4 <= b.count {
            let id = Int(b[at]) << 8 | Int(b[at + 1])
            let length = Int(b[at + 2]) << 8 | Int(b[at + 3])
            if id >= 256 { return true }
            guard length >= 4 else { return false }
            at += length
        }
        return false
    }

    func testEachDatagramSentTwiceGivesTheRecordsOfOneSend() throws {
        for name in Self.fixtures {
            let once = try Fixtures.datagrams(name)
            let twice = once.flatMap { [$0, $0] }
            let (expected, single) = try decode(once)
            let (records, s) = try decode(twice)
            XCTAssertEqual(single.duplicateDatagrams, 0, name)
            XCTAssertGreaterThan(expected.joined().count, 0, name)
            for i in once.indices {
                XCTAssertEqual(records[2 * i], expected[i], "\(name) datagram \(i)")
                XCTAssertEqual(
                    records[2 * i + 1], Self.carriesData(once[i]) ? [] : expected[i], "\(name) datagram \(i)")
            }
            XCTAssertEqual(s.datagrams, 2 * single.datagrams, name)
            XCTAssertEqual(s.duplicateDatagrams, UInt64(once.filter(Self.carriesData).count), name)
            // Everything else as for one send: no late datagram, no gap, the same restarts and failures.
            var same = s
            same.datagrams = single.datagrams
            same.duplicateDatagrams = 0
            same.templates = single.templates
            XCTAssertEqual(same, single, name)
        }
    }

    /// softflowd's NetFlow v9 fixture is three runs in one stream (RFC 3954: the address and source id,
    /// whatever the port), each starting again at sequence 0: the later runs' datagrams repeat sequence
    /// numbers already accepted with other bytes, and are decoded as the restarts they are.
    func testARestartRepeatingSequenceNumbersIsNoDuplicate() throws {
        let datagrams = try Fixtures.datagrams("softflowd-v9.pcap")
        let sequences = datagrams.map { d in d.payload[12..<16].reduce(UInt32(0)) { $0 << 8 | UInt32($1) } }
        XCTAssertEqual(sequences, [1, 2, 3, 1, 2, 1])
        let (records, s) = try decode(datagrams)
        XCTAssertEqual(s.duplicateDatagrams, 0)
        XCTAssertEqual(s.lateDatagrams, 3, "as before: a restart within 64 datagrams of the count reads as late")
        XCTAssertFalse(records.contains { $0.isEmpty }, "every datagram decoded")
        XCTAssertEqual(s.datagrams, 6)
    }

    /// Two datagrams swapped on the way: the late one's sequence number was never received, so it is read
    /// (late, not duplicate); each then sent again is a duplicate, whichever order the copies come in.
    func testAReorderedPairIsLateNotDuplicate() throws {
        // (softflowd's IPFIX runs are too short to show a swap as no loss: its numbering, which counts the
        // message's own records, is recognised from two datagrams in order.)
        for name in ["softflowd-v9.pcap", "pmacct-ipfix.pcap", "pmacct-v9.pcap", "pmacct-sflow.pcap"] {
            let all = try Fixtures.datagrams(name)
            // Two consecutive datagrams of one stream (one source port), both with data.
            let run = all.filter { $0.sourcePort == all[0].sourcePort && Self.carriesData($0) }
            guard run.count >= 3 else { return XCTFail(name) }
            let (expected, _) = try decode(Array(run.prefix(3)))
            let swapped = [run[0], run[2], run[1]]
            let (records, s) = try decode(swapped)
            XCTAssertEqual(records, [expected[0], expected[2], expected[1]], name)
            XCTAssertEqual(s.duplicateDatagrams, 0, name)
            XCTAssertEqual(s.lateDatagrams, 1, name)
            XCTAssertEqual(s.sequenceGaps, 0, name)
            let (again, t) = try decode(swapped + [run[1], run[2], run[0]])
            XCTAssertEqual(Array(again.suffix(3)), [[], [], []], name)
            XCTAssertEqual(t.duplicateDatagrams, 3, name)
            XCTAssertEqual(t.lateDatagrams, 1, name)
        }
    }

    /// A session remembers its last 4,096 datagrams at most: a stream of 10,000 NetFlow v9 datagrams, each
    /// sent again 4,000 datagrams later, has every copy told (before, each read as a restart).
    func testTheLastThousandsOfDatagramsAreRemembered() {
        func packet(_ sequence: UInt32) -> [UInt8] {
            var b = Bytes()
            b.u16(9)
            b.u16(0)
            b.u32(1000)
            b.u32(1_781_481_600)
            b.u32(sequence)
            b.u32(7)
            return b.bytes
        }
        var d = FlowExportDecoder()
        for i in 0..<UInt32(10_000) {
            _ = d.records(packet(i))
            if i >= 4000 { _ = d.records(packet(i - 4000)) }
        }
        XCTAssertEqual(d.testStats.duplicateDatagrams, 6000)
        XCTAssertEqual(d.testStats.lateDatagrams, 0)
        XCTAssertEqual(d.testStats.sequenceResets, 0)
    }

    /// A sequence that counts records is spread over the sets by a hash: of NetFlow v5 packets 30 records
    /// apart, each sent again 1,000 packets later, nearly every copy is told.
    func testDatagramsOfARecordCountingSequenceAreRememberedToo() {
        func packet(_ sequence: UInt32) -> [UInt8] {
            var b = Bytes()
            b.u16(5)
            b.u16(1)
            b.u32(1000)
            b.u32(1_781_481_600)
            b.u32(0)
            b.u32(sequence)
            b.u32(0)
            b.raw(Array(repeating: 0, count: 48))
            return b.bytes
        }
        var d = FlowExportDecoder()
        for i in 0..<UInt32(10_000) {
            _ = d.records(packet(30 * i))
            if i >= 1000 { _ = d.records(packet(30 * (i - 1000))) }
        }
        XCTAssertGreaterThan(d.testStats.duplicateDatagrams, 8850, "98 % and more (before: none)")
        XCTAssertLessThanOrEqual(d.testStats.duplicateDatagrams, 9000)
    }
}
