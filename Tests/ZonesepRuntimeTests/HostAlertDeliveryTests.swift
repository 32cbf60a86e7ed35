import XCTest
import ZonesepCore
import ZonesepOutput

@testable import ZonesepRuntime

/// Host rule findings driven through the delivery chain with engine events alone: the exact alert record
/// (JSON, text, syslog), suppression per (rule, MAC) and per (rule, address, VLAN), the rate limit, and the
/// summary's `host_findings`.
final class HostAlertDeliveryTests: XCTestCase {
    static func p(_ s: String...) -> [IPPrefix] { s.compactMap { IPPrefix($0) } }
    static let policy = Policy(
        PolicyConfig(
            sensor: "core-span",
            zones: [
                Zone(id: "mynumber", kind: .mynumber, label: "マイナンバー利用事務系", networks: p("10.10.0.0/16"), vlans: [110]),
                Zone(id: "lgwan", kind: .lgwan, label: "LGWAN接続系", networks: p("10.20.0.0/16"), vlans: [120]),
                Zone(id: "internet", kind: .internet, label: "インターネット接続系", networks: p("10.30.0.0/16"), vlans: [130]),
            ]))
    /// 2026-06-15T00:11:40Z.
    static let t0: Int64 = 1_781_482_300_000_000
    static let bridge = MACAddress("02:00:0a:0a:02:1f")!
    static let movedPC = MACAddress("02:00:0a:1e:08:28")!

    static func address(_ ip: String, vlan: UInt16?, at micros: Int64, _ evidence: HostEvidence = .ipSource)
        -> HostAddress
    {
        let a = IPAddress(ip)!
        return HostAddress(
            ip: a, zone: policy.zoneMap.lookup(a), vlanCount: vlan == nil ? 0 : 1, vlanOuter: vlan ?? 0,
            evidence: evidence, firstSeenMicros: micros)
    }

    /// A Mynumber-zone PC that shows up on the LGWAN too: critical.
    static func dualHomed(at micros: Int64 = t0) -> HostFinding {
        let first = address("10.10.2.31", vlan: 110, at: micros - 35_000_000, .neighborAdvertisement)
        let last = address("10.20.3.31", vlan: 120, at: micros)
        return HostFinding(
            rule: .dualHomedHost, severity: .critical, timestampMicros: micros, mac: bridge, address: last,
            addresses: [first, last])
    }

    /// An Internet-zone PC on the LGWAN's VLAN `vlan`.
    static func mismatch(at micros: Int64 = t0, vlan: UInt16 = 120) -> HostFinding {
        let a = address("10.30.8.40", vlan: vlan, at: micros)
        return HostFinding(
            rule: .zoneVLANMismatch, severity: .high, timestampMicros: micros, mac: movedPC, address: a, addresses: [a])
    }

    /// Hands `findings` to `sink` as one batch of `hostFinding` events, as the engine does.
    static func deliver(_ findings: [HostFinding], to sink: EventSink) {
        let events = findings.indices.map { EngineEvent(hostFinding: $0) }
        events.withUnsafeBufferPointer { ev in
            sink.consume(
                EventBatch(
                    events: ev, frames: UnsafeBufferPointer(start: nil, count: 0), linkType: .ethernet,
                    policy: policy, hostFindings: findings))
        }
    }

    func testAHostFindingEventBecomesTheExactAlertRecord() throws {
        let out = RecordingRecords()
        Self.deliver([Self.dualHomed()], to: AlertEvents(head: out, session: 0, withEvidenceField: true))
        XCTAssertEqual(out.records.count, 1)
        let r = try XCTUnwrap(out.records.first)
        XCTAssertEqual(r.kind, .alert)
        XCTAssertNil(r.alert, "a host alert has no flow")
        XCTAssertEqual(r.host, Self.dualHomed())
        let message =
            "MAC 02:00:0a:0a:02:1f sends as マイナンバー利用事務系 10.10.2.31 and LGWAN接続系 10.20.3.31: one device "
            + "stands in zones of different kinds, one of them the mynumber zone (not a declared router)"
        XCTAssertEqual(
            r.json,
            #"{"timestamp":"2026-06-15T00:11:40.000000Z","event_type":"alert","rule":"dual-homed-host","#
                + #""severity":"critical","src_ip":"10.20.3.31","src_zone":"lgwan","vlan":[120],"#
                + #""src_mac":"02:00:0a:0a:02:1f","sensor":"core-span","message":""# + message + #"","#
                + #""addresses":[{"ip":"10.10.2.31","zone":"mynumber","vlan":[110],"#
                + #""first_seen":"2026-06-15T00:11:05.000000Z","seen_by":"nd"},"#
                + #"{"ip":"10.20.3.31","zone":"lgwan","vlan":[120],"first_seen":"2026-06-15T00:11:40.000000Z","#
                + #""seen_by":"ip"}]}"#,
            "no proto, ports, dest_* or flow_id; no evidence field even with --evidence")
        XCTAssertEqual(
            r.text,
            "2026-06-15T00:11:40.000000Z  CRITICAL  dual-homed-host  \(message) [vlan 120, 2 addresses seen]")
        let formatter = SyslogFormatter(hostname: "sensor1", procID: "42")
        let syslog = String(decoding: try XCTUnwrap(r.syslog)(formatter), as: UTF8.self)
        XCTAssertEqual(
            syslog,
            #"<130>1 2026-06-15T00:11:40.000000Z sensor1 zonesep 42 alert [zonesep@32473 rule="dual-homed-host" "#
                + #"severity="critical" src_ip="10.20.3.31" src_zone="lgwan" vlan="120" src_mac="02:00:0a:0a:02:1f" "#
                + #"addresses="10.10.2.31 mynumber 110; 10.20.3.31 lgwan 120" sensor="core-span"] "#
                + "\u{FEFF}" + message)
    }

    func testZoneVLANMismatchNamesTheVLANAndWhatTheZoneLists() throws {
        let out = RecordingRecords()
        Self.deliver([Self.mismatch()], to: AlertEvents(head: out, session: 0, withEvidenceField: false))
        let r = try XCTUnwrap(out.records.first)
        let message =
            "インターネット接続系 10.30.8.40 from MAC 02:00:0a:1e:08:28 is on VLAN 120, which its zone does "
            + "not list (internet lists VLAN 130)"
        XCTAssertEqual(
            r.json,
            #"{"timestamp":"2026-06-15T00:11:40.000000Z","event_type":"alert","rule":"zone-vlan-mismatch","#
                + #""severity":"high","src_ip":"10.30.8.40","src_zone":"internet","vlan":[120],"#
                + #""src_mac":"02:00:0a:1e:08:28","sensor":"core-span","message":""# + message + #"","#
                + #""addresses":[{"ip":"10.30.8.40","zone":"internet","vlan":[120],"#
                + #""first_seen":"2026-06-15T00:11:40.000000Z","seen_by":"ip"}]}"#)
        XCTAssertEqual(
            r.text, "2026-06-15T00:11:40.000000Z  HIGH  zone-vlan-mismatch  \(message) [vlan 120, 1 address seen]")
        let syslog = String(
            decoding: try XCTUnwrap(r.syslog)(SyslogFormatter(hostname: "h", procID: "1")), as: UTF8.self)
        XCTAssertTrue(syslog.hasPrefix("<131>1 "), "high is severity 3 (err) as for flow alerts: \(syslog)")
    }

    func testAHostileZoneLabelCannotForgeALine() throws {
        let hostile = Policy(
            PolicyConfig(
                zones: [
                    Zone(id: "mynumber", kind: .mynumber, label: "evil\nFORGED 1", networks: Self.p("10.10.0.0/16")),
                    Zone(id: "lgwan", kind: .lgwan, label: "LGWAN", networks: Self.p("10.20.0.0/16")),
                ]))
        let f = Self.dualHomed()
        let format = AlertFormat(policy: hostile)
        for line in [format.text(f), format.json(f), format.message(f)] {
            XCTAssertFalse(line.contains("\n"), line)
        }
        XCTAssertTrue(format.message(f).contains(VisibleText.escape("evil\nFORGED 1")), format.message(f))
    }

    func testSuppressionFoldsTheSameFindingPerMACOrPerAddressAndVLAN() {
        let out = RecordingRecords()
        let s = SuppressingSink(windowMicros: 600_000_000, inner: out)
        let chain = AlertEvents(head: s, session: 0, withEvidenceField: false)
        // Two capture workers each find the same device; the second is folded.
        Self.deliver([Self.dualHomed(at: Self.t0)], to: chain)
        Self.deliver([Self.dualHomed(at: Self.t0 + 5_000_000)], to: chain)
        // zone-vlan-mismatch: the same address on the same VLAN folds, on another VLAN it does not.
        Self.deliver([Self.mismatch(at: Self.t0 + 6_000_000, vlan: 120)], to: chain)
        Self.deliver([Self.mismatch(at: Self.t0 + 7_000_000, vlan: 120)], to: chain)
        Self.deliver([Self.mismatch(at: Self.t0 + 8_000_000, vlan: 110)], to: chain)
        XCTAssertEqual(out.records.map(\.kind), [.alert, .alert, .alert])
        XCTAssertEqual(out.records.map { $0.host?.rule }, [.dualHomedHost, .zoneVLANMismatch, .zoneVLANMismatch])
        XCTAssertEqual(s.suppressed, 2)
        s.advance(to: Self.t0 + 600_000_000)
        XCTAssertEqual(out.records.map(\.kind), [.alert, .alert, .alert, .alertUpdate])
        XCTAssertEqual(
            out.records[3].json,
            #"{"timestamp":"2026-06-15T00:21:40.000000Z","event_type":"alert_update","rule":"dual-homed-host","#
                + #""severity":"critical","src_ip":"10.20.3.31","src_mac":"02:00:0a:0a:02:1f","#
                + #""first_seen":"2026-06-15T00:11:40.000000Z","last_seen":"2026-06-15T00:11:45.000000Z","folded":1,"#
                + #""sensor":"core-span","message":"raised 1 more time like the alert of 2026-06-15T00:11:40.000000Z "#
                + #"(MAC 02:00:0a:0a:02:1f sends as マイナンバー利用事務系 10.10.2.31 and LGWAN接続系 10.20.3.31: one "#
                + #"device stands in zones of different kinds, one of them the mynumber zone (not a declared "#
                + #"router)), the last at 2026-06-15T00:11:45.000000Z"}"#)
        s.finish(at: Self.t0 + 700_000_000)
        XCTAssertEqual(out.records.last?.kind, .alertUpdate, "the mismatch window folded one: its update at the end")
        XCTAssertTrue(out.records.last?.json.contains("\"folded\":1") ?? false)
    }

    func testTheRateLimitCountsHostAlerts() {
        let out = RecordingRecords()
        let rate = RateLimitingSink(maxPerSecond: 1, inner: out)
        let chain = AlertEvents(head: rate, session: 0, withEvidenceField: false)
        Self.deliver([Self.dualHomed(), Self.mismatch()], to: chain)
        XCTAssertEqual(out.records.count, 1)
        XCTAssertEqual(rate.limited, 1)
    }

    /// `watch` with several workers: the same finding from two workers' host tables is one, the earliest.
    func testWorkersSummariesMergeTheSameFindingOnce() throws {
        func part(_ findings: [HostFinding]) -> ReplaySummary {
            var c = Counters()
            for f in findings { c.hostFindingsByRule[Int(f.rule.rawValue)] += 1 }
            var s = ReplaySummary(
                policy: Self.policy, counters: c, matrix: ZoneMatrix(zoneCount: 3), files: [], flowsActive: 0,
                flowsEvicted: 0, flowCapacity: 16)
            s.hostFindings = findings
            return s
        }
        let merged = try XCTUnwrap(
            SummaryMerge.merge(
                [
                    part([Self.dualHomed(at: Self.t0 + 9_000_000), Self.mismatch(at: Self.t0 + 1, vlan: 120)]),
                    part([Self.dualHomed(at: Self.t0), Self.mismatch(at: Self.t0 + 2, vlan: 110)]),
                ], files: []))
        XCTAssertEqual(
            merged.hostFindings,
            [
                Self.dualHomed(at: Self.t0), Self.mismatch(at: Self.t0 + 1, vlan: 120),
                Self.mismatch(at: Self.t0 + 2, vlan: 110),
            ])
        XCTAssertEqual(merged.counters.count(HostRuleID.dualHomedHost), 1)
        XCTAssertEqual(merged.counters.count(HostRuleID.zoneVLANMismatch), 2)
        XCTAssertEqual(merged.alertsTotal, 3)
    }

    /// `watch` with several workers: what each worker's lists left out is added up by rule and zone pair (flows)
    /// and by rule and severity (host findings), as the totals are, so the merged summary's counts by rule
    /// stay whole.
    func testWorkersOmittedCountsAreAddedByGroup() throws {
        let critical = OmittedFlowGroup(
            rule: .mynumberIsolation, srcZone: ZoneRef(rawValue: 0), destZone: ZoneRef(rawValue: 2))
        let medium = OmittedFlowGroup(rule: .unzonedHost, srcZone: .unzoned, destZone: ZoneRef(rawValue: 1))
        func part(_ flows: [(OmittedFlowGroup, UInt64)], _ devices: [(OmittedFindingGroup, UInt64)])
            -> ReplaySummary
        {
            var s = ReplaySummary(
                policy: Self.policy, counters: Counters(), matrix: ZoneMatrix(zoneCount: 3), files: [],
                flowsActive: 0, flowsEvicted: 0, flowCapacity: 16)
            for (g, n) in flows {
                s.violationsOmittedBy.add(g, n)
                s.violationsOmitted += n
            }
            for (g, n) in devices {
                s.hostFindingsOmittedBy.add(g, n)
                s.hostFindingsOmitted += n
            }
            return s
        }
        let dual = OmittedFindingGroup(rule: .dualHomedHost, severity: .critical)
        let merged = try XCTUnwrap(
            SummaryMerge.merge(
                [part([(critical, 2), (medium, 7)], [(dual, 1)]), part([(critical, 3)], [(dual, 4)])], files: []))
        XCTAssertEqual(merged.violationsOmitted, 12)
        XCTAssertEqual(merged.violationsOmittedBy.counts, [critical: 5, medium: 7])
        XCTAssertEqual(merged.hostFindingsOmitted, 5)
        XCTAssertEqual(merged.hostFindingsOmittedBy.counts, [dual: 5])
    }

    /// `watch`'s stats record and metrics count each worker's findings, by rule.
    func testStatsAndMetricsCountTheFindings() {
        var a = WorkerSnapshot()
        a.hostFindingsByRule = [2, 0]
        var b = WorkerSnapshot()
        b.hostFindingsByRule = [1, 3]
        let stats = WatchStats(interface: "span0", snapshots: [a, b])
        XCTAssertTrue(stats.json(sensor: "s", wallMicros: 0).contains("\"host_findings\":6"))
        let text = PrometheusText.render(
            WatchMetrics.families(
                interface: "span0", sensor: "s", version: "test", workers: [a, b], link: .up,
                reloads: .init(startedWallMicros: 0), sinks: []))
        XCTAssertTrue(text.contains("zonesep_host_findings_total{rule=\"dual-homed-host\"} 3\n"), text)
        XCTAssertTrue(text.contains("zonesep_host_findings_total{rule=\"zone-vlan-mismatch\"} 3\n"), text)
    }

    func testTheSummaryListsTheFindingsAndCountsThemAsAlerts() throws {
        let collector = HostFindingCollector(limit: 1)
        Self.deliver([Self.dualHomed(), Self.mismatch()], to: collector)
        XCTAssertEqual(collector.findings, [Self.dualHomed()])
        XCTAssertEqual(collector.omitted, 1)
        var counters = Counters()
        counters.hostFindingsByRule[Int(HostRuleID.dualHomedHost.rawValue)] = 1
        counters.hostFindingsByRule[Int(HostRuleID.zoneVLANMismatch.rawValue)] = 1
        var summary = ReplaySummary(
            policy: Self.policy, counters: counters, matrix: ZoneMatrix(zoneCount: 3), files: [], flowsActive: 0,
            flowsEvicted: 0, flowCapacity: 16)
        summary.hostFindings = collector.findings
        summary.hostFindingsOmitted = collector.omitted
        let json = summary.json()
        XCTAssertTrue(
            json.contains(#""alerts":{"total":2,"by_rule":{"dual-homed-host":1,"zone-vlan-mismatch":1}"#), json)
        XCTAssertTrue(
            json.contains(
                #""host_findings":[{"timestamp":"2026-06-15T00:11:40.000000Z","rule":"dual-homed-host","#
                    + #""severity":"critical","src_ip":"10.20.3.31","src_zone":"lgwan","vlan":[120],"#
                    + #""src_mac":"02:00:0a:0a:02:1f","addresses":[{"ip":"10.10.2.31""#), json)
        XCTAssertTrue(json.contains(#""host_findings_omitted":1"#), json)
        let text = summary.text()
        XCTAssertTrue(text.contains("Host findings"), text)
        XCTAssertTrue(text.contains("02:00:0a:0a:02:1f"), text)
    }
}
