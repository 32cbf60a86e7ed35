import XCTest
import ZonesepCore
import ZonesepFlowExport

/// softflowd -b (IPFIX biflows) exports an ICMP flow seen only in its reverse direction, the demonstration's
/// port-unreachable among them, with 0 forward packets and ICMP type 0 both ways: the type is lost. Judged
/// as an echo-like flow it raised an alert the replay does not (REVIEW-72 F16); it is counted as
/// `icmpTypeUnknown` instead, and the biflow export then raises the alerts of the uniflow export.
final class BiflowICMPTypeTests: XCTestCase {
    /// (rule, initiator, responder, protocol) of every alert of a fixture's records, and the table.
    func alerts(_ fixture: String) throws -> (Set<String>, ExportFlowTable) {
        let policy = try XCTUnwrap(ExportFlowTableTests.policy)
        let sink = ExportFlowTableTests.Recorder()
        let table = ExportFlowTable(policy: policy, sink: sink)
        var decoder = FlowExportDecoder()
        for datagram in Fixtures.decode(try Fixtures.datagrams(fixture), with: &decoder) {
            for r in datagram { table.hold(r) }
            table.flush()
        }
        table.finish()
        let keys = sink.started.compactMap(Alert.init(flow:)).map {
            "\($0.rule) \($0.srcIP) \($0.destIP) \($0.proto)"
        }
        return (Set(keys), table)
    }

    func testABiflowICMPRecordWithoutForwardPacketsIsNotJudged() throws {
        let (biflow, table) = try alerts("softflowd-ipfix-biflow.pcap")
        let (uniflow, _) = try alerts("softflowd-ipfix.pcap")
        XCTAssertFalse(
            biflow.contains("mynumber-isolation 10.30.1.5 10.10.2.21 1"), "the error's own alert: \(biflow.sorted())")
        XCTAssertEqual(biflow, uniflow)
        XCTAssertGreaterThanOrEqual(table.skipped.icmpTypeUnknown, 1)
        XCTAssertEqual(table.skipped.icmpErrors, 0, "softflowd -b names no ICMP error type")
    }
}
