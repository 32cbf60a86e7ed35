import XCTest
import ZonesepCore
import ZonesepFlowExport

/// The "no port fields (an export aggregated by addresses)" warning names templates whose records lack
/// ports, once per exporter, domain and template: not softflowd's ICMP templates (addresses, protocol and
/// ICMP type, no ports), and not again for each transport session of an exporter restarting from a new
/// port (REVIEW-140 F5: every softflowd run warned for templates 1025 and 2049, once per run).
final class PortlessTemplateWarningTests: XCTestCase {
    func testSoftflowdsICMPTemplatesAreNotAnAggregation() throws {
        let datagrams = try Fixtures.datagrams("softflowd-ipfix.pcap")
        XCTAssertEqual(Set(datagrams.map(\.sourcePort)).count, 3, "three softflowd runs")
        var d = FlowExportDecoder()
        _ = Fixtures.decode(datagrams, with: &d)
        XCTAssertEqual(d.takePortlessTemplates().map(\.templateID), [])
        XCTAssertEqual(d.stats[datagrams[0].source]?.recordsWithoutPorts, 0)
    }

    func testATemplateOfAddressesAloneIsNamedOncePerExporter() {
        func template(_ id: UInt16, _ fields: [(UInt16, UInt16)]) -> [UInt8] {
            Export.set(2) { b in
                b.u16(id)
                b.u16(UInt16(fields.count))
                for (ie, length) in fields { Export.field(&b, ie, length) }
            }
        }
        let addresses = template(300, [(8, 4), (12, 4), (4, 1), (2, 8)])
        let icmp = template(301, [(8, 4), (12, 4), (4, 1), (32, 2), (2, 8)])
        let icmpType = template(302, [(8, 4), (12, 4), (4, 1), (176, 1), (177, 1), (2, 8)])
        var d = FlowExportDecoder()
        for port: UInt16 in [40001, 40002, 40003] {
            _ = d.records(Export.ipfix(addresses, icmp, icmpType), port: port)
        }
        _ = d.records(Export.ipfix(domain: 2, addresses))
        let named = d.takePortlessTemplates()
        XCTAssertEqual(named.map(\.templateID), [300, 300], "domains 1 and 2, each once")
        XCTAssertEqual(
            named.map(\.description),
            ["exporter 192.0.2.1 (ipfix, domain 1) template 300", "exporter 192.0.2.1 (ipfix, domain 2) template 300"])
        XCTAssertEqual(d.testStats.templates, 10)
    }
}
