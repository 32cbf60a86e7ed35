import XCTest
import ZonesepCore
import ZonesepFlowExport

/// Every data set held for its template ends decoded or counted as `no-template`: at the end of the run,
/// after waiting longer than a template lives, or when evicted. Before, sets still held at the end (a
/// template that never came, or one withdrawn) vanished without a count.
final class HeldSetAccountingTests: XCTestCase {
    static let exporter = IPAddress(v4: 0xc000_0201)
    static let orphan = Export.ipfix(Export.set(300) { IPFIXDecoderTests.record256(&$0) })

    func testASetStillHeldAtTheEndIsCountedAsNoTemplate() {
        var d = FlowExportDecoder()
        XCTAssertEqual(d.records(Self.orphan).count, 0)
        XCTAssertEqual(d.heldSetsByExporter, [Self.exporter: 1])
        XCTAssertEqual(d.testStats.failures[.noTemplate], 0, "its template may still come")
        d.finish()
        XCTAssertEqual(d.heldSetCount, 0)
        XCTAssertEqual(d.testStats.setsHeld, 1)
        XCTAssertEqual(d.testStats.setsReleased, 0)
        XCTAssertEqual(d.testStats.failures[.noTemplate], 1)
    }

    /// RFC 7011 section 8.1: data for a withdrawn template cannot be read with it. It waits for a new
    /// definition (which may be on its way), and is counted when none comes.
    func testDataForAWithdrawnTemplateIsCountedWhenNoNewOneComes() {
        var d = FlowExportDecoder()
        _ = d.records(Export.ipfix(IPFIXDecoderTests.template256))
        let withdraw = Export.set(2) { b in
            b.u16(256)
            b.u16(0)
        }
        _ = d.records(Export.ipfix(withdraw))
        XCTAssertEqual(d.records(Export.ipfix(Export.set(256) { IPFIXDecoderTests.record256(&$0) })).count, 0)
        d.finish()
        XCTAssertEqual(d.testStats.templatesWithdrawn, 1)
        XCTAssertEqual(d.testStats.failures[.noTemplate], 1)
    }

    /// A set waits as long as a template lives unrefreshed (30 minutes of arrival time), then is given up:
    /// when a later datagram arrives, or when the collector settles its counts as time passes.
    func testASetHeldLongerThanATemplateLivesIsGivenUp() {
        let minute: Int64 = 60_000_000
        var d = FlowExportDecoder()
        _ = d.records(Self.orphan, receivedMicros: 0)
        _ = d.records(
            Export.ipfix(sequence: 1, Export.set(300) { IPFIXDecoderTests.record256(&$0) }), receivedMicros: 29 * minute
        )
        XCTAssertEqual(d.heldSetCount, 2)
        _ = d.records(Export.ipfix(IPFIXDecoderTests.template256), receivedMicros: 31 * minute)
        XCTAssertEqual(d.heldSetCount, 1, "the first set waited 31 minutes")
        XCTAssertEqual(d.testStats.failures[.noTemplate], 1)
        d.settle(monotonicMicros: 60 * minute)
        XCTAssertEqual(d.heldSetCount, 0)
        XCTAssertEqual(d.testStats.failures[.noTemplate], 2)
        XCTAssertEqual(d.testStats.setsHeld, 2)
    }

    /// NetFlow v9 holds data the same way, and counts it the same way at the end.
    func testNetFlowV9DataWithoutItsTemplateIsCountedAtTheEnd() {
        var d = FlowExportDecoder()
        XCTAssertEqual(d.records(Export.netflowV9(NetFlowV9DecoderTests.data)).count, 0)
        d.finish()
        XCTAssertEqual(d.testStats.setsHeld, 1)
        XCTAssertEqual(d.testStats.failures[.noTemplate], 1)
    }
}
