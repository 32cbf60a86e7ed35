import XCTest
import ZonesepCore
import ZonesepFlowExport

/// The template store's bounds: templates per session, in all sessions, and fields per template. Before,
/// a session kept every template id it was sent (2,000 templates of 16,000 fields took 125 MB), so one
/// sender could exhaust the collector's memory. Past a bound the least recently stored or used template is
/// evicted and counted against its exporter (`templatesEvicted`); its data is then held like any other
/// data whose template has not come.
final class TemplateStoreBoundsTests: XCTestCase {
    /// A flow template `id` (the fields of `IPFIXDecoderTests.template256`).
    static func template(_ id: UInt16, fields: Int? = nil) -> [UInt8] {
        Export.set(2) { b in
            b.u16(id)
            if let fields {
                b.u16(UInt16(fields))
                for _ in 0..<fields { Export.field(&b, 210, 1) }
            } else {
                b.u16(13)
                for (f, len) in [
                    (8, 4), (12, 4), (7, 2), (11, 2), (4, 1), (6, 2), (2, 4), (1, 8), (152, 8), (153, 8), (56, 6),
                    (80, 6), (58, 2),
                ] as [(UInt16, UInt16)] {
                    Export.field(&b, f, len)
                }
            }
        }
    }

    static func data(_ id: UInt16) -> [UInt8] { Export.set(id) { IPFIXDecoderTests.record256(&$0) } }

    func testASessionKeepsItsMostRecentlyUsedTemplates() {
        var limits = FlowExportDecoder.Limits()
        limits.templatesPerSession = 3
        var d = FlowExportDecoder(limits: limits)
        _ = d.records(Export.ipfix(Self.template(256), Self.template(257), Self.template(258)))
        XCTAssertEqual(d.records(Export.ipfix(sequence: 0, Self.data(256))).count, 1)
        // A fourth template: 257, stored before 258 and never used since, goes.
        _ = d.records(Export.ipfix(sequence: 1, Self.template(259)))
        XCTAssertEqual(d.testStats.templatesEvicted, 1)
        XCTAssertEqual(d.templateCount, 3)
        for id: UInt16 in [256, 258, 259] {
            XCTAssertEqual(d.records(Export.ipfix(sequence: 1, Self.data(id))).count, 1, "template \(id) is kept")
        }
        XCTAssertEqual(d.records(Export.ipfix(sequence: 4, Self.data(257))).count, 0)
        XCTAssertEqual(d.testStats.setsHeld, 1, "257's data waits for the template to come again")
        // A refresh of a kept template is no new template: nothing more is evicted.
        _ = d.records(Export.ipfix(sequence: 5, Self.template(258)))
        XCTAssertEqual(d.testStats.templatesEvicted, 1)
        XCTAssertEqual(d.testStats.templates, 5)
    }

    /// The bound on all sessions together evicts the least recently used of any exporter, and counts the
    /// eviction against the exporter whose template it was.
    func testAllSessionsTogetherAreBoundedAndEachExporterCountsItsEvictions() {
        var limits = FlowExportDecoder.Limits()
        limits.templates = 4
        var d = FlowExportDecoder(limits: limits)
        let (a, b, c) = (IPAddress(v4: 0xc000_0201), IPAddress(v4: 0xc000_0202), IPAddress(v4: 0xc000_0203))
        _ = d.records(Export.ipfix(Self.template(256), Self.template(257)), exporter: a)
        _ = d.records(Export.ipfix(Self.template(256), Self.template(257)), exporter: b)
        XCTAssertEqual(d.records(Export.ipfix(Self.data(256)), exporter: a).count, 1)
        // A fifth template: a's 257 is the least recently used (a's 256 was just used).
        _ = d.records(Export.ipfix(Self.template(256)), exporter: c)
        XCTAssertEqual(d.stats[a]?.templatesEvicted, 1)
        XCTAssertEqual(d.templateCount, 4)
        _ = d.records(Export.ipfix(Self.template(257)), exporter: c)
        XCTAssertEqual(d.stats[b]?.templatesEvicted, 1, "then b's 256")
        XCTAssertEqual(d.stats[c]?.templatesEvicted, 0)
        XCTAssertEqual(d.records(Export.ipfix(sequence: 1, Self.data(256)), exporter: a).count, 1)
        XCTAssertEqual(d.records(Export.ipfix(Self.data(257)), exporter: b).count, 1)
        XCTAssertEqual(d.records(Export.ipfix(Self.data(256)), exporter: b).count, 0)
    }

    /// One session sending 2,000 template ids keeps 1,024 (the default bound) and counts the rest.
    func testManyTemplatesStayBounded() {
        var d = FlowExportDecoder()
        for first in stride(from: 256, to: 2256, by: 100) {
            let sets = (first..<(first + 100)).map { Self.template(UInt16($0)) }
            _ = d.records(Export.ipfix(sets.flatMap { $0 }))
        }
        XCTAssertEqual(d.testStats.templates, 2000)
        XCTAssertEqual(d.templateCount, 1024)
        XCTAssertEqual(d.testStats.templatesEvicted, 976)
        XCTAssertEqual(d.records(Export.ipfix(Self.data(2255))).count, 1, "the latest are kept")
    }

    /// A template of more fields than any exporter sends is counted as invalid, not kept, and takes the
    /// earlier template of its id with it (that one no longer describes the data).
    func testATemplateOfTooManyFieldsIsNotKept() {
        var d = FlowExportDecoder()
        _ = d.records(Export.ipfix(Self.template(256)))
        XCTAssertEqual(d.records(Export.ipfix(Self.data(256))).count, 1)
        _ = d.records(Export.ipfix(Self.template(256, fields: 513)))
        XCTAssertEqual(d.testStats.failures[.templateInvalid], 1)
        XCTAssertEqual(d.testStats.templates, 1)
        XCTAssertEqual(d.templateCount, 0)
        XCTAssertEqual(d.records(Export.ipfix(Self.data(256))).count, 0)
        _ = d.records(Export.ipfix(Self.template(257, fields: 512)))
        XCTAssertEqual(d.templateCount, 1, "512 fields are kept")
    }
}

/// Sessions idle for `Limits.sessionIdleMicros` (an hour) are forgotten: before, a session was kept for
/// the collector's life, so after 16,384 of them (an exporter restarting from a new source port each
/// time) every new session was refused for good.
final class IdleSessionTests: XCTestCase {
    func testIdleSessionsAreForgottenAndANewSessionIsJudged() {
        var limits = FlowExportDecoder.Limits()
        limits.sessions = 3
        var d = FlowExportDecoder(limits: limits)
        let t0: Int64 = 1_781_480_000_000_000
        let message = Export.ipfix(IPFIXDecoderTests.template256, Self.data)
        for port: UInt16 in 1...3 {
            XCTAssertEqual(d.records(message, port: port, receivedMicros: t0).count, 1)
        }
        XCTAssertEqual(d.records(message, port: 4, receivedMicros: t0 + 1_000_000).count, 0, "the table is full")
        XCTAssertEqual(d.rejectedDatagrams, 1)
        XCTAssertEqual(d.testStats.datagramsRejected, 1)
        XCTAssertEqual(d.takeRejections().byExporter, [IPAddress(v4: 0xc000_0201): 1])
        XCTAssertEqual(d.takeRejections().byExporter, [:], "each rejection is said once")
        // Port 3 stays active; an hour on, 1 and 2 are idle and forgotten.
        let later = t0 + 3_600_000_000 + 2_000_000
        // The session's next message (the same again would be a duplicate).
        let next = Export.ipfix(sequence: 1, IPFIXDecoderTests.template256, Self.data)
        XCTAssertEqual(d.records(next, port: 3, receivedMicros: t0 + 3_000_000_000).count, 1)
        XCTAssertEqual(d.records(message, port: 5, receivedMicros: later).count, 1, "a new session is judged")
        XCTAssertEqual(d.records(message, port: 6, receivedMicros: later).count, 1)
        XCTAssertEqual(d.records(message, port: 7, receivedMicros: later).count, 0, "3, 5 and 6 are not idle")
        XCTAssertEqual(d.rejectedDatagrams, 2)
        XCTAssertEqual(d.templateCount, 3, "the forgotten sessions' templates went with them")
    }

    static var data: [UInt8] { Export.set(256) { IPFIXDecoderTests.record256(&$0) } }
}
