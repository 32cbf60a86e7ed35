import Foundation
import XCTest
import ZonesepCore
import ZonesepSavedRun

@testable import ZonesepOutput

/// The records `zonesep report` decodes and the writers that write them are one schema: what the writers
/// write decodes with the same values, and the report read back is the report of the run.
final class SavedRecordsTests: XCTestCase {
    let policy = ReportFixture.policy()

    func decode(_ line: String) throws -> SavedRecord {
        try JSONDecoder().decode(SavedRecord.self, from: Data(line.utf8))
    }

    func testSummaryWrittenByReplaySummaryDecodesWithTheSameValues() throws {
        var s = ReportFixture.summary(policy: policy)
        s.violations[0].evidenceFile = "evidence/a.pcap"
        s.violations[0].evidenceSHA256 = String(repeating: "cd", count: 32)
        s.alertsSuppressed = 2
        s.alertsRateLimited = 1
        s.violationsOmitted = 3
        s.counters.hostMACsEvicted = 118
        s.counters.hostAddressesDropped = 4
        s.counters.hostFindingsForgotten = 2
        s.counters.hostRulesNoMAC = 7
        // A pcapng file of three interfaces whose statistics record the drops of one.
        s.files[0].recordedDrops = .file(interface: 7, system: 3, interfacesNotRecording: 2)
        s.captureDrops = CaptureDrops.recorded(in: s.files)
        s.reloads = [
            ConfigReload(
                timestampMicros: 1_781_481_600_000_000, applied: true,
                previousSHA256: String(repeating: "ab", count: 32),
                sha256: s.policy.config.sourceSHA256),
            ConfigReload(
                timestampMicros: nil, applied: false, previousSHA256: s.policy.config.sourceSHA256, sha256: nil),
        ]
        guard case .summary(let r) = try decode(s.json()) else { return XCTFail("not read as a summary") }
        XCTAssertEqual(
            r.reloads,
            [
                .init(
                    timestamp: "2026-06-15T00:00:00.000000Z", applied: true,
                    previousSHA256: String(repeating: "ab", count: 32), configSHA256: s.policy.config.sourceSHA256),
                .init(timestamp: nil, applied: false, previousSHA256: s.policy.config.sourceSHA256, configSHA256: nil),
            ])
        let c = s.counters
        XCTAssertEqual(r.timestamp, c.lastPacketMicros.map(Timestamp.rfc3339))
        XCTAssertEqual(r.sensor, "test-span")
        XCTAssertEqual(r.configSHA256, s.policy.config.sourceSHA256)
        XCTAssertNotNil(r.configSHA256)
        XCTAssertEqual(
            [r.packets, r.bytes, r.ipPackets, r.nonIPPackets, r.flows],
            [c.packets, c.bytes, c.ipPackets, c.nonIPPackets, c.flows])
        XCTAssertEqual(
            r.flowTable, .init(capacity: UInt64(s.flowCapacity), activeAtEnd: UInt64(s.flowsActive), evicted: 0))
        XCTAssertEqual(r.hostTable, .init(macsEvicted: 118, addressesDropped: 4, findingsForgotten: 2))
        XCTAssertEqual(r.coverage?.hostRulesNoMAC, 7)
        XCTAssertEqual(r.alerts?.total, c.alerts)
        XCTAssertEqual(r.alerts?.suppressed, 2)
        XCTAssertEqual(r.alerts?.rateLimited, 1)
        XCTAssertEqual(r.violationsOmitted, 3)
        var byRule: [String: UInt64] = [:]
        for rule in RuleID.allCases where c.count(rule) > 0 { byRule[rule.name] = c.count(rule) }
        XCTAssertEqual(r.alerts?.byRule, byRule)
        XCTAssertEqual(byRule.count, 4, "the fixture fires four rules")
        let map = policy.zoneMap
        XCTAssertEqual(
            r.matrix.packets,
            s.cells().filter { $0.packets > 0 }.map {
                .init(
                    srcZone: map.name(of: $0.from), destZone: map.name(of: $0.to), packets: $0.packets, bytes: $0.bytes)
            })
        XCTAssertEqual(
            r.matrix.flows,
            s.cells().filter { $0.flows > 0 }.map {
                .init(srcZone: map.name(of: $0.from), destZone: map.name(of: $0.to), flows: $0.flows)
            })
        XCTAssertFalse(r.matrix.packets.isEmpty)
        let format = AlertFormat(policy: policy)
        XCTAssertEqual(r.violations.count, 6)
        XCTAssertEqual(r.violations.count, s.violations.count)
        for (v, w) in zip(r.violations, s.violations) {
            XCTAssertEqual(v.flowID, format.flowID(w.alert))
            XCTAssertEqual(v.rule, w.alert.rule.name)
            XCTAssertEqual(v.proto, ProtocolName.of(w.alert.proto))
            XCTAssertEqual(v.srcIP, w.alert.srcIP.description)
            XCTAssertEqual(v.srcPort, w.alert.srcPort.map(UInt64.init))
            XCTAssertEqual(v.destIP, w.alert.destIP.description)
            XCTAssertEqual(v.destPort, w.alert.destPort.map(UInt64.init))
            XCTAssertEqual(v.firstSeen, Timestamp.rfc3339(w.firstSeenMicros))
            XCTAssertEqual(v.lastSeen, Timestamp.rfc3339(w.lastSeenMicros))
            XCTAssertEqual([v.packets, v.bytes], [w.packets, w.bytes])
            XCTAssertEqual(v.end, w.end.name)
            XCTAssertEqual(v.evidence?.path, w.evidenceFile)
            XCTAssertEqual(v.evidence?.sha256, w.evidenceSHA256)
        }
        XCTAssertEqual(r.files.count, 1)
        let f = s.files[0]
        XCTAssertEqual(
            r.files.first,
            .init(
                path: f.path, linkType: f.linkType, packets: f.packets,
                firstPacket: f.firstPacketMicros.map(Timestamp.rfc3339),
                lastPacket: f.lastPacketMicros.map(Timestamp.rfc3339), error: nil, dropped: 10,
                droppedUnknownInterfaces: 2))
        XCTAssertEqual(r.dropped, 10)
        XCTAssertEqual(r.droppedUnknownFiles, 1, "a file that records some interfaces' drops is unknown in part")
    }

    func testAlertAndEvidenceWrittenByTheirWritersDecodeWithTheSameValues() throws {
        let s = ReportFixture.summary(policy: policy)
        let format = AlertFormat(policy: policy)
        let delivery = DeliveryRecords(format: format)
        for (i, v) in s.violations.enumerated() {
            let a = v.alert
            let line = i == 0 ? delivery.alertJSON(a, evidence: "e.pcap", evidenceError: "disk full") : format.json(a)
            guard case .alert(let r) = try decode(line) else { return XCTFail("not read as an alert: \(line)") }
            XCTAssertEqual(r.timestamp, Timestamp.rfc3339(a.timestampMicros))
            XCTAssertEqual(r.rule, a.rule.name)
            XCTAssertEqual(r.severity, a.rule.severity.rawValue)
            XCTAssertEqual(r.proto, ProtocolName.of(a.proto))
            XCTAssertEqual(r.srcIP, a.srcIP.description)
            XCTAssertEqual(r.srcPort, a.srcPort.map(UInt64.init))
            XCTAssertEqual(r.destIP, a.destIP.description)
            XCTAssertEqual(r.destPort, a.destPort.map(UInt64.init))
            XCTAssertEqual(r.srcZone, policy.zoneMap.name(of: a.srcZone))
            XCTAssertEqual(r.destZone, policy.zoneMap.name(of: a.destZone))
            XCTAssertEqual(r.initiator, a.initiator.name)
            XCTAssertEqual(r.vlan, a.vlans.map(UInt64.init))
            XCTAssertEqual(r.srcMAC, a.srcMAC?.description)
            XCTAssertEqual(r.destMAC, a.destMAC?.description)
            XCTAssertNotNil(r.srcMAC)
            XCTAssertEqual(r.flowID, format.flowID(a))
            XCTAssertEqual(r.sensor, "test-span")
            XCTAssertEqual(r.message, format.message(a))
            XCTAssertEqual(r.evidence, i == 0 ? "e.pcap" : nil)
            XCTAssertEqual(r.evidenceError, i == 0 ? "disk full" : nil)
        }
        let a = s.violations[0].alert
        let e = DeliveryRecords.Evidence(
            alert: a, file: "e.pcap", packets: 3, bytes: 180, sha256: String(repeating: "ef", count: 32),
            closed: "flow-end", timestampMicros: ReportFixture.t0 + 5)
        let expected = EvidenceRecord(
            timestamp: Timestamp.rfc3339(ReportFixture.t0 + 5), rule: a.rule.name, flowID: format.flowID(a),
            file: "e.pcap", packets: 3, bytes: 180, sha256: String(repeating: "ef", count: 32), closed: "flow-end",
            error: nil, sensor: "test-span")
        XCTAssertEqual(try decode(delivery.evidenceJSON(e)), .evidence(expected))
        // Packets left out for their link type are in the record, and read back.
        var partial = e
        partial.leftOut = 2
        var expectedPartial = expected
        expectedPartial.leftOut = 2
        XCTAssertEqual(try decode(delivery.evidenceJSON(partial)), .evidence(expectedPartial))
    }

    /// The report read back from the run's records renders byte for byte as the report of the run itself.
    func testReportReadBackFromTheRecordsIsTheReportOfTheRun() throws {
        let s = ReportFixture.summary(policy: policy)
        let format = AlertFormat(policy: policy)
        let lines = s.violations.map { format.json($0.alert) } + [#"{"event_type":"alert_update"}"#, s.json()]
        let data = Data((lines.joined(separator: "\n") + "\n").utf8)
        let read = try SavedRun.parse(
            data, name: "run.jsonl", policy: policy, provenance: ReportFixture.provenance)
        let live = AuditReport(summary: s, provenance: ReportFixture.provenance)
        XCTAssertEqual(read.violations, live.violations)
        for f in [ReportFormat.html, .md, .csv] {
            XCTAssertEqual(f.render(read), f.render(live), "\(f)")
        }
    }

    /// A `watch` run's reloads come back from its summary, and every form of the report names each one among
    /// its limits (an alert before an applied one was judged under the earlier map); a run without any
    /// has no such row.
    func testReloadsReadBackAreNamedInTheReportsLimits() throws {
        var s = ReportFixture.summary(policy: policy)
        let earlier = String(repeating: "ab", count: 32)
        s.reloads = [
            ConfigReload(
                timestampMicros: ReportFixture.t0 + 7, applied: true, previousSHA256: earlier,
                sha256: s.policy.config.sourceSHA256),
            ConfigReload(
                timestampMicros: ReportFixture.t0 + 9, applied: false, previousSHA256: s.policy.config.sourceSHA256,
                sha256: nil),
        ]
        let format = AlertFormat(policy: policy)
        let lines = s.violations.map { format.json($0.alert) } + [s.json()]
        let read = try SavedRun.parse(
            Data((lines.joined(separator: "\n") + "\n").utf8), name: "run.jsonl", policy: policy,
            provenance: ReportFixture.provenance)
        XCTAssertEqual(read.reloads, s.reloads)
        let live = AuditReport(summary: s, provenance: ReportFixture.provenance)
        for f in [ReportFormat.html, .md, .csv] { XCTAssertEqual(f.render(read), f.render(live), "\(f)") }
        let md = ReportFormat.md.render(read)
        XCTAssertTrue(md.contains("zones.conf reload: \(Timestamp.rfc3339(ReportFixture.t0 + 7))"), md)
        XCTAssertTrue(md.contains("SHA-256 \(earlier.prefix(16))… → SHA-256 "), md)
        XCTAssertTrue(md.contains("a reload was refused"), md)
        XCTAssertTrue(ReportFormat.html.render(read).contains("zones.conf reload"))
        XCTAssertTrue(ReportFormat.csv.render(read).contains("zones.conf reload"))
        s.reloads = []
        XCTAssertFalse(
            ReportFormat.md.render(AuditReport(summary: s, provenance: ReportFixture.provenance)).contains(
                "zones.conf reload"))
    }

    /// A report checks the zones.conf it is given against the digest the run recorded: another file is
    /// refused (naming the summary's line and both digests), and a run that recorded none is read with
    /// the report saying so.
    func testTheZonesConfMustBeTheRunsOwn() throws {
        let s = ReportFixture.summary(policy: policy)
        let data = Data((s.json() + "\n").utf8)
        var other = ReportFixture.provenance
        other.configSHA256 = String(repeating: "ab", count: 32)
        XCTAssertThrowsError(try SavedRun.parse(data, name: "run.jsonl", policy: policy, provenance: other)) { error in
            let message = (error as? ReportError)?.message ?? ""
            XCTAssertTrue(
                message.hasPrefix("run.jsonl:1: the run was judged with a zones.conf whose SHA-256 is "), message)
            XCTAssertTrue(message.contains(other.configSHA256), message)
        }
        let own = try SavedRun.parse(data, name: "run.jsonl", policy: policy, provenance: ReportFixture.provenance)
        XCTAssertTrue(own.provenance.configFromRun)
        let unrecorded = s.json().replacingOccurrences(
            of: "\"config_sha256\":\"\(ReportFixture.provenance.configSHA256)\",", with: "")
        XCTAssertNotEqual(unrecorded, s.json())
        let old = try SavedRun.parse(
            Data((unrecorded + "\n").utf8), name: "run.jsonl", policy: policy, provenance: ReportFixture.provenance)
        XCTAssertFalse(old.provenance.configFromRun)
        XCTAssertTrue(ReportFormat.html.render(old).contains(AuditReport.configNotFromRun))
        XCTAssertFalse(ReportFormat.html.render(own).contains(AuditReport.configNotFromRun))
    }

    func testBadRecordsAreNamedByFileLineAndKey() throws {
        let summary = ReportFixture.summary(policy: policy)
        let good = summary.json()
        let capacity = "\"capacity\":\(summary.flowCapacity)"
        func message(_ text: String) -> String {
            do {
                _ = try SavedRun.parse(
                    Data(text.utf8), name: "run.jsonl", policy: policy,
                    provenance: ReportFixture.provenance)
                return "no error"
            } catch { return error.message }
        }
        func edit(_ from: String, _ to: String) -> String {
            XCTAssertTrue(good.contains(from), from)
            return "\n" + good.replacingOccurrences(of: from, with: to)
        }
        XCTAssertEqual(message("[1]\n"), "run.jsonl:1: not a JSON object")
        XCTAssertTrue(message("{\"event_type\":\n").hasPrefix("run.jsonl:1: not a JSON record"))
        XCTAssertEqual(message("{\"a\":1}"), "run.jsonl:1: no event_type: not a zonesep record")
        XCTAssertEqual(message(edit("\"ip_packets\"", "\"ip_packetz\"")), "run.jsonl:2: ip_packets: missing")
        XCTAssertEqual(
            message(edit(capacity, "\"capacity\":\"big\"")),
            "run.jsonl:2: flow_table.capacity: not a non-negative integer")
        // JSONDecoder says only "not valid JSON" of a number that does not fit: the key is found all the same.
        for bad in ["-1", "1.5", "1e30", "18446744073709551616"] {
            XCTAssertEqual(
                message(edit(capacity, "\"capacity\":" + bad)),
                "run.jsonl:2: flow_table.capacity: not a non-negative integer", bad)
        }
        XCTAssertEqual(
            message(edit("\"src_port\":51512", "\"src_port\":70000")),
            "run.jsonl:2: violations[0].src_port: 70000 is not a port number")
        XCTAssertEqual(
            message(edit("\"src_port\":51512", "\"src_port\":\"x\"")),
            "run.jsonl:2: violations[0].src_port: not a non-negative integer")
        XCTAssertEqual(
            message(edit("\"rule\":\"sanitisation-bypass\"", "\"rule\":\"nope\"")),
            "run.jsonl:2: violations[0].rule: 'nope' is not a rule id")
        XCTAssertEqual(
            message(edit("\"src_ip\":\"10.20.3.4\"", "\"src_ip\":\"10.20.3\"")),
            "run.jsonl:2: violations[0].src_ip: '10.20.3' is not an IP address")
        let foreign = message(edit("\"src_zone\":\"lgwan\"", "\"src_zone\":\"branch\""))
        XCTAssertTrue(foreign.hasPrefix("run.jsonl:2: matrix.packets["), foreign)
        XCTAssertTrue(
            foreign.hasSuffix(
                "].src_zone: zone 'branch' is not declared in this zones.conf: give the zones.conf the run used"),
            foreign)
        XCTAssertEqual(message(edit("\"files\":[", "\"files\":\"none\",\"x\":[")), "run.jsonl:2: files: not an array")
        XCTAssertEqual(
            message(good + "\n" + good),
            "run.jsonl:2: a second summary record (the first is on line 1): give one run per file")
        // An alert a violation pairs with must name its zones; one it does not pair with is not read.
        let v = ReportFixture.summary(policy: policy).violations[0].alert
        let alert = AlertFormat(policy: policy).json(v)
        let noZone = alert.replacingOccurrences(of: "\"src_zone\":\"lgwan\",", with: "")
        XCTAssertNotEqual(noZone, alert)
        XCTAssertEqual(message(noZone + "\n" + good), "run.jsonl:1: src_zone: missing")
        XCTAssertEqual(message(#"{"event_type":"alert","flow_id":"1:x"}"# + "\n" + good), "no error")
        XCTAssertEqual(
            message(alert.replacingOccurrences(of: "\"vlan\":[]", with: "\"vlan\":[5000]") + "\n" + good),
            "run.jsonl:1: vlan: not a list of VLAN ids")
    }
}
