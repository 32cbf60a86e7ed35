import XCTest
import ZonesepCore

@testable import ZonesepOutput

/// RFC 5424 messages as zonesep writes them: header, structured data and its escaping, MSG, framing,
/// and the destination URLs.
final class SyslogMessageTests: XCTestCase {
    let formatter = SyslogFormatter(facility: 16, appName: "zonesep", hostname: "sensor-1", procID: "4242")

    func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    func testAlertMessageHasHeaderStructuredDataAndTheHumanMessage() {
        let a = OutputFixtures.alert(vlan: 120)
        let m = text(OutputFixtures.format.syslog(a, formatter: formatter))
        // local0 (16) * 8 + err (3, for a high rule) = 131.
        XCTAssertTrue(
            m.hasPrefix("<131>1 2026-11-20T00:00:00.000000Z sensor-1 zonesep 4242 alert [zonesep@32473 "), m)
        XCTAssertTrue(m.contains(" rule=\"sanitisation-bypass\" severity=\"high\" proto=\"tcp\" "), m)
        XCTAssertTrue(
            m.contains(" src_ip=\"10.20.3.4\" src_port=\"51512\" dest_ip=\"10.30.7.8\" dest_port=\"445\" "), m)
        XCTAssertTrue(m.contains(" src_zone=\"lgwan\" dest_zone=\"internet\" initiator=\"syn\" vlan=\"120\" "), m)
        XCTAssertTrue(m.contains(" flow_id=\"\(OutputFixtures.format.flowID(a))\" sensor=\"test-sensor\"]"), m)
        XCTAssertTrue(
            m.hasSuffix("] \u{FEFF}LGWAN接続系 10.20.3.4 → インターネット接続系 10.30.7.8 tcp/445 matches no sanitisation path"),
            m)
    }

    /// A flow seen inside tunnels names them, outermost first, after `vlan`; a plain one has no `tunnel`.
    func testAlertInsideTunnelsNamesThem() {
        var a = OutputFixtures.alert(vlan: 120)
        XCTAssertFalse(OutputFixtures.format.syslogParams(a).map(\.0).contains("tunnel"))
        a.tunnels = [
            TunnelLayer(type: .erspanII, src: IPAddress("192.168.255.1"), dst: IPAddress("192.168.255.2"), id: 100),
            TunnelLayer(type: .vxlan, src: IPAddress("10.20.0.11"), dst: IPAddress("10.20.0.12"), id: 5001),
            TunnelLayer(type: .mpls, id: 2001),
        ]
        let m = text(OutputFixtures.format.syslog(a, formatter: formatter))
        XCTAssertTrue(
            m.contains(
                " vlan=\"120\" tunnel=\"erspan-ii 192.168.255.1→192.168.255.2 id 100 > "
                    + "vxlan 10.20.0.11→10.20.0.12 id 5001 > mpls id 2001\" src_mac="), m)
    }

    func testSeverityFollowsTheRule() {
        XCTAssertEqual(SyslogSeverity(.critical).rawValue, 2)
        XCTAssertEqual(SyslogSeverity(.high).rawValue, 3)
        XCTAssertEqual(SyslogSeverity(.medium).rawValue, 4)
        let f = SyslogFormatter(facility: 4, appName: "z", hostname: "h", procID: "1")
        let crit = text(OutputFixtures.format.syslog(OutputFixtures.alert(.mynumberIsolation), formatter: f))
        XCTAssertTrue(crit.hasPrefix("<34>1 "), crit)  // auth (4) * 8 + crit (2)
        let medium = text(OutputFixtures.format.syslog(OutputFixtures.alert(.unzonedHost), formatter: f))
        XCTAssertTrue(medium.hasPrefix("<36>1 "), medium)
    }

    func testParamValuesEscapeQuoteBackslashAndBracket() {
        XCTAssertEqual(SyslogFormatter.escapeParamValue(#"a"b\c]d"#), #"a\"b\\c\]d"#)
        XCTAssertEqual(SyslogFormatter.escapeParamValue("窓口[1]"), #"窓口[1\]"#)
        XCTAssertEqual(
            SyslogFormatter.structuredData(id: "x@32473", params: [("sensor", #"core "A" \ ]"#)]),
            #"[x@32473 sensor="core \"A\" \\ \]"]"#)
    }

    func testInvalidNamesAndEmptyDataAndHeaderFields() {
        XCTAssertEqual(SyslogFormatter.structuredData(id: "x@1", params: []), "-")
        XCTAssertEqual(
            SyslogFormatter.structuredData(id: "x@1", params: [("bad name", "v"), ("k", "v")]), #"[x@1 k="v"]"#)
        XCTAssertFalse(SyslogFormatter.isSDName(String(repeating: "a", count: 33)))
        XCTAssertFalse(SyslogFormatter.isSDName("a=b"))
        XCTAssertEqual(SyslogFormatter.headerField("役場 sensor", maxLength: 255), "sensor")
        XCTAssertEqual(SyslogFormatter.headerField("", maxLength: 255), "-")
        XCTAssertEqual(SyslogFormatter.headerField("abcdef", maxLength: 3), "abc")
    }

    func testEmptyMessageHasNoBOMAndICMPHasNoPorts() {
        let m = text(formatter.message(severity: .notice, timestampMicros: 0, msgID: "x", params: [], text: ""))
        XCTAssertEqual(m, "<133>1 1970-01-01T00:00:00.000000Z sensor-1 zonesep 4242 x -")
        let icmp = OutputFixtures.alert(srcPort: 0, port: 0, proto: 1)
        let params = OutputFixtures.format.syslogParams(icmp).map(\.0)
        XCTAssertFalse(params.contains("src_port"))
        XCTAssertFalse(params.contains("dest_port"))
        XCTAssertEqual(OutputFixtures.format.syslogParams(icmp, evidence: "f.pcap").last?.1, "f.pcap")
    }

    func testOctetCountingCountsBytesNotCharacters() {
        let message = Array("<1>1 - - - - - - 窓口".utf8)
        let framed = OctetCounting.frame(message)
        XCTAssertEqual(text(framed), "\(message.count) <1>1 - - - - - - 窓口")
        XCTAssertEqual(message.count, 23)
    }

    func testFacilities() {
        XCTAssertEqual(SyslogFacility.parse("local0"), 16)
        XCTAssertEqual(SyslogFacility.parse("LOCAL7"), 23)
        XCTAssertEqual(SyslogFacility.parse("daemon"), 3)
        XCTAssertEqual(SyslogFacility.parse("23"), 23)
        XCTAssertNil(SyslogFacility.parse("24"))
        XCTAssertNil(SyslogFacility.parse("local8"))
    }

    func testDestinations() {
        func ok(_ s: String) -> SyslogDestination? { try? SyslogDestination.parse(s).get() }
        XCTAssertEqual(ok("udp://127.0.0.1:5514"), .udp(host: "127.0.0.1", port: 5514))
        XCTAssertEqual(ok("tcp://siem.example:601"), .tcp(host: "siem.example", port: 601))
        XCTAssertEqual(ok("tcp://siem.example"), .tcp(host: "siem.example", port: 514))
        XCTAssertEqual(ok("udp://[::1]:514"), .udp(host: "::1", port: 514))
        XCTAssertEqual(ok("unix:///dev/log"), .unix(path: "/dev/log"))
        XCTAssertEqual(ok("udp://[::1]:514")?.description, "udp://[::1]:514")
        for bad in ["udp:/x", "http://x:1", "udp://:514", "tcp://h:0", "tcp://h:70000", "udp://::1:514", "unix://rel"] {
            XCTAssertNil(ok(bad), bad)
            if case .failure(let e) = SyslogDestination.parse(bad) {
                XCTAssertTrue(e.description.hasPrefix("--syslog \(bad): "), e.description)
            }
        }
    }
}
