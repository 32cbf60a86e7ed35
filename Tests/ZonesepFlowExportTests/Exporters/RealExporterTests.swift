import XCTest
import ZonesepCore
import ZonesepFlowExport

/// The datagrams real exporters (softflowd, pmacct's nfprobe and sfprobe) sent for the demonstration
/// captures, committed under Fixtures/ (scripts/make-flow-fixtures), decoded by zonesep and by tshark: every
/// record of every datagram must match field for field.
final class RealExporterTests: XCTestCase {
    func decodeAll(_ name: String) throws -> (
        datagrams: [CapturedDatagram], records: [[FlowRecord]], decoder: FlowExportDecoder
    ) {
        let datagrams = try Fixtures.datagrams(name)
        XCTAssertFalse(datagrams.isEmpty, name)
        var decoder = FlowExportDecoder()
        let records = Fixtures.decode(datagrams, with: &decoder)
        return (datagrams, records, decoder)
    }

    func compareWithTshark(_ name: String, input: FlowInputKind, times: Bool = true, minimumRecords: Int) throws {
        try XCTSkipUnless(Tshark.available, "tshark is not installed")
        let (datagrams, records, decoder) = try decodeAll(name)
        let expected = try Tshark.cflowRecords(Fixtures.path(name), port: datagrams[0].destinationPort, times: times)
        XCTAssertEqual(expected.count, records.count)
        for (i, (ours, theirs)) in zip(records, expected).enumerated() {
            XCTAssertEqual(ours.map { Canonical.line($0, times: times) }.sorted(), theirs, "\(name) datagram \(i + 1)")
        }
        let total = records.reduce(0) { $0 + $1.count }
        XCTAssertGreaterThanOrEqual(total, minimumRecords, name)
        XCTAssertTrue(records.joined().allSatisfy { $0.input == input })
        let stats = decoder.stats[datagrams[0].source] ?? ExporterStats()
        XCTAssertEqual(stats.records, UInt64(total))
        XCTAssertEqual(stats.totalFailures, 0, "\(stats.failures.nonZero)")
        XCTAssertEqual(stats.datagrams, UInt64(datagrams.count))
    }

    func testSoftflowdIPFIX() throws {
        try compareWithTshark("softflowd-ipfix.pcap", input: .ipfix, minimumRecords: 60)
        let (_, records, decoder) = try decodeAll("softflowd-ipfix.pcap")
        // softflowd -A milli: absolute times, the demonstration morning.
        for r in records.joined() {
            XCTAssertEqual(r.timeSource, .record)
            XCTAssertTrue((1_781_479_800_000_000...1_781_483_400_000_000).contains(r.startMicros), "\(r.startMicros)")
        }
        // Its options record says every packet was metered (samplingPacketInterval 1, space 0).
        XCTAssertTrue(records.joined().allSatisfy { $0.samplingRate == 1 })
        XCTAssertEqual(decoder.stats.values.first?.optionsRecords, 3)
    }

    func testSoftflowdIPFIXBiflows() throws {
        try compareWithTshark("softflowd-ipfix-biflow.pcap", input: .ipfix, minimumRecords: 30)
        let (_, records, _) = try decodeAll("softflowd-ipfix-biflow.pcap")
        // A5, the RDP session over all three files: one biflow record per softflowd run, the first with the
        // handshake (SYN from 10.20.3.4, SYN-ACK back), the others without.
        let rdp = records.joined().filter { $0.dstPort == 3389 && $0.src == IPAddress("10.20.3.4")! }
        XCTAssertEqual(rdp.count, 3)
        XCTAssertTrue(rdp.allSatisfy { $0.isBiflow && $0.reversePackets > 0 && $0.reverseBytes > 0 })
        XCTAssertEqual(rdp.filter { $0.tcpFlags & 0x02 != 0 && $0.reverseTCPFlags & 0x12 == 0x12 }.count, 1)
    }

    func testSoftflowdNetFlowV9() throws {
        try compareWithTshark("softflowd-v9.pcap", input: .netflowV9, minimumRecords: 60)
    }

    func testSoftflowdNetFlowV5() throws {
        try compareWithTshark("softflowd-v5.pcap", input: .netflowV5, minimumRecords: 50)
    }

    func testPmacctIPFIXWithMACsAndVLANs() throws {
        try compareWithTshark("pmacct-ipfix.pcap", input: .ipfix, minimumRecords: 60)
        let (_, records, _) = try decodeAll("pmacct-ipfix.pcap")
        // V1 of the demonstration: the conduit used from a replaced machine's MAC.
        let v1 = records.joined().first { $0.srcPort == 51445 && $0.dstPort == 443 }
        XCTAssertEqual(v1?.srcMAC, MACAddress("02:00:5e:10:99:05"))
        XCTAssertEqual(v1?.vlanCount, 1)
        XCTAssertEqual(v1?.vlan0, 110)
    }

    func testPmacctNetFlowV9() throws {
        try compareWithTshark("pmacct-v9.pcap", input: .netflowV9, minimumRecords: 60)
    }

    func testPmacctSFlow() throws {
        try XCTSkipUnless(Tshark.available, "tshark is not installed")
        let (datagrams, records, decoder) = try decodeAll("pmacct-sflow.pcap")
        let expected = try Tshark.sflowSamples(Fixtures.path("pmacct-sflow.pcap"), port: datagrams[0].destinationPort)
        XCTAssertEqual(expected.count, records.count)
        for (i, (ours, theirs)) in zip(records, expected).enumerated() {
            XCTAssertEqual(
                ours.map { Canonical.line($0, times: false, rate: true) }.sorted(), theirs, "datagram \(i + 1)")
        }
        let all = Array(records.joined())
        XCTAssertGreaterThan(all.count, 400)
        XCTAssertTrue(all.allSatisfy { $0.input == .sflow && $0.timeSource == .arrival && $0.packets == 1 })
        for (d, rs) in zip(datagrams, records) { XCTAssertTrue(rs.allSatisfy { $0.startMicros == d.timeMicros }) }
        let stats = decoder.stats[datagrams[0].source] ?? ExporterStats()
        XCTAssertEqual(stats.totalFailures, 0, "\(stats.failures.nonZero)")
        XCTAssertEqual(stats.sequenceGaps, 0)
    }
}
