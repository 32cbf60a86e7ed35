import XCTest
import ZonesepCore

@testable import ZonesepOutput

/// Names from zones.conf holding newlines, escape sequences and bidi overrides: every output a person reads
/// keeps one record on one line and shows the characters as visible escapes.
final class HostileNameTests: XCTestCase {
    static let forged = "2026-11-20T00:00:00.000000Z  CRITICAL  mynumber-isolation  forged"

    /// The fixture's town hall with hostile labels, conduit name, zone id and sensor name.
    static let policy = Policy(
        PolicyConfig(
            sensor: "sensor\nforged-sensor-line",
            zones: [
                Zone(
                    id: "mynumber", kind: .mynumber, label: "マイナンバー\u{202E}系",
                    networks: OutputFixtures.p("10.10.0.0/16")),
                Zone(id: "lgwan", kind: .lgwan, label: "LGWAN\n" + forged, networks: OutputFixtures.p("10.20.0.0/16")),
                Zone(
                    id: "internet\r\nforged", kind: .internet, label: "net\u{1B}[31mred",
                    networks: OutputFixtures.p("10.30.0.0/16")),
            ]))

    func alert() -> Alert {
        let key = FlowKey(
            addressA: IPAddress("10.20.3.4")!, addressB: IPAddress("10.30.7.8")!, portA: 51512, portB: 445, proto: 6,
            vlans: 0)
        var e = FlowEntry(key: key)
        e.serial = 1
        e.firstSeen = OutputFixtures.t0
        e.lastSeen = e.firstSeen
        e.initiatorIsA = true
        e.method = .syn
        e.zoneA = Self.policy.zoneMap.lookup(IPAddress("10.20.3.4")!)
        e.zoneB = Self.policy.zoneMap.lookup(IPAddress("10.30.7.8")!)
        e.rule = RuleID.sanitisationBypass.rawValue
        return Alert(flow: e)!
    }

    func testTextAlertStaysOneLine() {
        let line = AlertFormat(policy: Self.policy).text(alert())
        XCTAssertFalse(line.contains("\n"), line)
        XCTAssertFalse(line.contains("\r"), line)
        XCTAssertFalse(line.contains("\u{1B}"), line)
        XCTAssertTrue(line.contains("LGWAN\\n" + Self.forged), line)
        XCTAssertTrue(line.contains("net\\u{1B}[31mred"), line)
    }

    func testSyslogMessageStaysOneLine() {
        let formatter = SyslogFormatter(facility: 16, appName: "zonesep", hostname: "h", procID: "1")
        let m = String(decoding: AlertFormat(policy: Self.policy).syslog(alert(), formatter: formatter), as: UTF8.self)
        XCTAssertFalse(m.contains("\n"), m)
        XCTAssertFalse(m.contains("\r"), m)
        XCTAssertFalse(m.contains("\u{1B}"), m)
        // In the MSG, and in the structured data (zone id and sensor), where the backslash itself is escaped.
        XCTAssertTrue(m.contains("LGWAN\\n" + Self.forged), m)
        XCTAssertTrue(m.contains("dest_zone=\"internet\\\\r\\\\nforged\""), m)
        XCTAssertTrue(m.contains("sensor=\"sensor\\\\nforged-sensor-line\""), m)
    }

    func testSummaryTablesKeepTheirRows() {
        let p = Self.policy
        var counters = Counters()
        counters.packets = 1
        var file = ReplaySummary.FileResult(path: "cap\nforged-file.pcap")
        file.linkType = "EN10MB"
        let summary = ReplaySummary(
            policy: p, counters: counters, matrix: ZoneMatrix(zoneCount: p.config.zones.count),
            files: [file], flowsActive: 0, flowsEvicted: 0, flowCapacity: 64)
        let text = summary.text()
        XCTAssertTrue(text.contains("Summary (sensor sensor\\nforged-sensor-line)"), text)
        XCTAssertTrue(text.contains("cap\\nforged-file.pcap"), text)
        XCTAssertFalse(text.split(separator: "\n").contains { $0.hasPrefix("forged") }, text)
    }

    func testMarkdownCellShowsControlsVisibly() {
        XCTAssertEqual(ReportMarkdown.cell("a\nb\u{202E}c|d"), "a\\\\nb\\\\u{202E}c\\|d")
    }
}
