import Foundation
import XCTest
import ZonesepCore
import ZonesepSavedRun

@testable import ZonesepOutput

/// Host findings in the summary (`host_findings`), read back by `zonesep report`, and the report's section
/// on devices: the same devices from a live run and from its saved records.
final class HostFindingRecordsTests: XCTestCase {
    let policy = ReportFixture.policy()

    func address(_ ip: String, vlan: UInt16?, at seconds: Int64, _ evidence: HostEvidence = .ipSource)
        -> HostAddress
    {
        let a = IPAddress(ip)!
        return HostAddress(
            ip: a, zone: policy.zoneMap.lookup(a), vlanCount: vlan == nil ? 0 : 1, vlanOuter: vlan ?? 0,
            evidence: evidence, firstSeenMicros: ReportFixture.t0 + seconds * 1_000_000)
    }

    /// A PC on the Mynumber and the LGWAN VLANs, and an Internet-zone PC on the LGWAN's VLAN.
    func findings() -> [HostFinding] {
        let m = address("10.10.2.31", vlan: 110, at: 5, .arp)
        let l = address("10.20.3.31", vlan: 120, at: 9)
        let w = address("10.30.8.40", vlan: 120, at: 12)
        return [
            HostFinding(
                rule: .dualHomedHost, severity: .critical, timestampMicros: l.firstSeenMicros,
                mac: MACAddress("02:00:0a:0a:02:1f")!, address: l, addresses: [m, l]),
            HostFinding(
                rule: .zoneVLANMismatch, severity: .high, timestampMicros: w.firstSeenMicros,
                mac: MACAddress("02:00:0a:1e:08:28")!, address: w, addresses: [w]),
        ]
    }

    func summary() -> ReplaySummary {
        var s = ReportFixture.summary(policy: policy)
        s.hostFindings = findings()
        s.counters.hostFindingsByRule = [1, 1]
        return s
    }

    func testTheSummaryRecordDecodesTheFindings() throws {
        let s = summary()
        guard case .summary(let r) = try JSONDecoder().decode(SavedRecord.self, from: Data(s.json().utf8)) else {
            return XCTFail("not read as a summary")
        }
        XCTAssertEqual(r.alerts?.total, s.counters.alerts + 2)
        XCTAssertEqual(r.alerts?.byRule["dual-homed-host"], 1)
        XCTAssertEqual(r.alerts?.byRule["zone-vlan-mismatch"], 1)
        XCTAssertEqual(r.hostFindingsOmitted, 0)
        XCTAssertEqual(
            r.hostFindings?.first,
            SummaryRecord.HostFindingEntry(
                timestamp: "2026-06-14T23:30:09.000000Z", rule: "dual-homed-host", severity: "critical",
                srcIP: "10.20.3.31", srcZone: "lgwan", vlan: [120], srcMAC: "02:00:0a:0a:02:1f",
                addresses: [
                    .init(
                        ip: "10.10.2.31", zone: "mynumber", vlan: [110], firstSeen: "2026-06-14T23:30:05.000000Z",
                        seenBy: "arp"),
                    .init(
                        ip: "10.20.3.31", zone: "lgwan", vlan: [120], firstSeen: "2026-06-14T23:30:09.000000Z",
                        seenBy: "ip"),
                ]))
    }

    /// `replay --report` and `zonesep report` of the saved run give the same devices and the same document.
    func testReportOfTheSavedRunShowsTheSameDevices() throws {
        let s = summary()
        let format = AlertFormat(policy: policy)
        let lines = s.violations.map { format.json($0.alert) } + findings().map { format.json($0) } + [s.json()]
        let read = try SavedRun.parse(
            Data((lines.joined(separator: "\n") + "\n").utf8), name: "run.jsonl", policy: policy,
            provenance: ReportFixture.provenance)
        let live = AuditReport(summary: s, provenance: ReportFixture.provenance)
        XCTAssertEqual(read.devices?.count, 2)
        XCTAssertEqual(read.devices, live.devices)
        XCTAssertEqual(read.violations, live.violations, "host alerts pair with no violation")
        XCTAssertEqual(ReportHTML.render(read), ReportHTML.render(live))

        let html = ReportHTML.render(live)
        XCTAssertTrue(html.contains("<section id=\"devices\">"), "the devices have a section of their own")
        XCTAssertTrue(html.contains("5. 二つの系にまたがる機器・VLAN違い"))
        XCTAssertTrue(html.contains("data-devices=\"2\""))
        XCTAssertTrue(html.contains("・違反機器 2 件"), "the verdict counts the devices")
        XCTAssertEqual(html.components(separatedBy: "<tr class=\"device\"").count - 1, 2)
        XCTAssertTrue(
            html.contains(
                "<tr class=\"device\" id=\"d1\" data-rule=\"dual-homed-host\" data-mac=\"02:00:0a:0a:02:1f\" "
                    + "data-severity=\"critical\">"))
        // Its addresses grouped by zone, each with its VLAN, first sighting and what showed it.
        XCTAssertTrue(
            html.contains(
                "<div class=\"device-zone\" data-zone=\"mynumber\">マイナンバー利用事務系<span class=\"zone\">mynumber"
                    + "</span><div class=\"sub\"><span class=\"mono\">10.10.2.31</span> · VLAN 110 · 08:30:05 · arp"
                    + "</div></div>"), html)
        XCTAssertTrue(html.contains("<tr class=\"hit\" data-rule=\"zone-vlan-mismatch\" data-count=\"1\">"))

        // md and csv: one row per address of each device.
        let devices = live.tables(time: ReportText.jst).first { $0.id == "devices" }
        XCTAssertEqual(
            devices?.rows,
            [
                [
                    "1", "dual-homed-host", "critical", "02:00:0a:0a:02:1f", "mynumber", "10.10.2.31", "110",
                    "2026-06-15 08:30:05", "arp", "2026-06-15 08:30:09",
                ],
                [
                    "1", "dual-homed-host", "critical", "02:00:0a:0a:02:1f", "lgwan", "10.20.3.31", "120",
                    "2026-06-15 08:30:09", "ip", "2026-06-15 08:30:09",
                ],
                [
                    "2", "zone-vlan-mismatch", "high", "02:00:0a:1e:08:28", "internet", "10.30.8.40", "120",
                    "2026-06-15 08:30:12", "ip", "2026-06-15 08:30:12",
                ],
            ])
        XCTAssertEqual(ReportFormat.md.render(read), ReportFormat.md.render(live))
        XCTAssertEqual(ReportFormat.csv.render(read), ReportFormat.csv.render(live))
    }

    /// A run whose every flow kept to the policy but where a device stood in two tiers is not clean.
    func testDevicesAloneMakeTheVerdictViolations() {
        var s = ReportFixture.summary(policy: policy, frames: [ReportFixture.frames()[7]])
        XCTAssertTrue(s.violations.isEmpty)
        s.hostFindings = [findings()[0]]
        let html = ReportHTML.render(AuditReport(summary: s, provenance: ReportFixture.provenance))
        XCTAssertTrue(
            html.contains("data-verdict=\"violations\" data-violations=\"0\" data-devices=\"1\""), html)
        XCTAssertTrue(html.contains("分離違反あり — 違反フロー 0 件・違反機器 1 件"))
    }

    func testARunSavedBeforeHostRulesSaysSo() throws {
        let s = ReportFixture.summary(policy: policy)
        let json = s.json().replacingOccurrences(of: #","host_findings":[],"host_findings_omitted":0"#, with: "")
        XCTAssertFalse(json.contains("host_findings"), json)
        let read = try SavedRun.parse(
            Data(json.utf8), name: "old.jsonl", policy: policy, provenance: ReportFixture.provenance)
        XCTAssertNil(read.devices)
        XCTAssertTrue(ReportHTML.render(read).contains("This saved run predates the host rules"))
    }

    func testBadFindingsAreNamedByLineAndKey() {
        let good = summary().json()
        func message(_ from: String, _ to: String) -> String {
            XCTAssertTrue(good.contains(from), from)
            do {
                _ = try SavedRun.parse(
                    Data(good.replacingOccurrences(of: from, with: to).utf8), name: "run.jsonl", policy: policy,
                    provenance: ReportFixture.provenance)
                return "no error"
            } catch { return error.message }
        }
        XCTAssertEqual(
            message("\"rule\":\"dual-homed-host\"", "\"rule\":\"two-nics\""),
            "run.jsonl:1: host_findings[0].rule: 'two-nics' is not a host rule id")
        XCTAssertEqual(
            message("\"src_mac\":\"02:00:0a:1e:08:28\"", "\"src_mac\":\"02:00\""),
            "run.jsonl:1: host_findings[1].src_mac: '02:00' is not a MAC address")
        XCTAssertEqual(
            message("\"vlan\":[110]", "\"vlan\":[4096]"),
            "run.jsonl:1: host_findings[0].addresses[0].vlan: 4096 is not a VLAN id (0-4095)")
        // A priority tag (0) is a tag a host sends; a saved run that lists one is read.
        XCTAssertEqual(message("\"vlan\":[110]", "\"vlan\":[0]"), "no error")
        XCTAssertEqual(
            message("\"zone\":\"mynumber\"", "\"zone\":\"branch\""),
            "run.jsonl:1: host_findings[0].addresses[0].zone: zone 'branch' is not declared in this zones.conf: "
                + "give the zones.conf the run used")
    }
}
