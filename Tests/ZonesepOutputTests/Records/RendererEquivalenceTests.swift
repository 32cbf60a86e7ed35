import Foundation
import XCTest
import ZonesepCore
import ZonesepCrypto
import ZonesepTestSupport

@testable import ZonesepOutput

/// The records written straight into bytes (alerts, flow records, the summary's violations, syslog
/// messages, Community IDs) against the way they were written before, through `JSONObject` and
/// interpolated strings (kept here as the reference): byte for byte the same, on thousands of random
/// alerts and flows over an ordinary and a hostile policy (quotes, newlines, escapes and bidi controls in
/// labels, ids, conduit and sensor names).
final class RendererEquivalenceTests: XCTestCase {
    static let hostile = Policy(
        PolicyConfig(
            sensor: "sensor \"one\"\n\u{2028}",
            zones: [
                Zone(
                    id: "my\"number", kind: .mynumber, label: "マイナンバー\u{202E}系\\",
                    networks: OutputFixtures.p("10.10.0.0/16", "fd00:10::/32")),
                Zone(
                    id: "lgwan", kind: .lgwan, label: "LGWAN\n\u{0085}x\u{061C}",
                    networks: OutputFixtures.p("10.20.0.0/16")),
                Zone(
                    id: "internet\r\n", kind: .internet, label: "net\u{1B}[31m\u{200E}red\u{2066}",
                    networks: OutputFixtures.p("10.30.0.0/16")),
            ],
            conduits: [
                Conduit(
                    name: "relay \"a\"\n", from: OutputFixtures.p("10.10.0.0/16"),
                    fromMAC: MACAddress(rawValue: 0x0200_0000_00aa), to: OutputFixtures.p("10.20.0.0/16"), ports: [.any]
                )
            ]))

    /// The shared generator's draws cut to 53 bits, so that sums of counters drawn here cannot overflow.
    struct Random {
        var rng: SplitMix64
        init(seed: UInt64) { rng = SplitMix64(seed: seed) }
        mutating func next() -> UInt64 { rng.next() >> 11 }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    /// An address in one of the zones, outside them, local, or IPv6.
    static func address(_ r: inout Random) -> IPAddress {
        switch r.below(7) {
        case 0: return IPAddress(v4: 0x0a0a_0000 | UInt32(r.below(65536)))
        case 1: return IPAddress(v4: 0x0a14_0000 | UInt32(r.below(65536)))
        case 2: return IPAddress(v4: 0x0a1e_0000 | UInt32(r.below(65536)))
        case 3: return IPAddress(v4: UInt32(truncatingIfNeeded: r.next()))
        case 4: return IPAddress(v6: 0xfd00_0010 << 96 | UInt128(r.next()))
        case 5: return IPAddress(v6: UInt128(r.next()) << 64 | UInt128(r.below(3)))
        default: return IPAddress(v4: 0x0a63_0000 | UInt32(r.below(256)))
        }
    }

    static func flow(_ r: inout Random, policy: Policy) -> FlowEntry {
        let protos: [UInt8] = [6, 17, 1, 58, 132, 47, 200]
        let proto = protos[r.below(protos.count)]
        let vlanCount = r.below(3)
        let key = FlowKey(
            addressA: address(&r), addressB: address(&r), portA: UInt16(r.below(65536)),
            portB: UInt16([0, 53, 443, 445, 65535][r.below(5)]), proto: proto,
            vlans: FlowKey.packVLANs(
                count: UInt8(vlanCount), outer: UInt16(r.below(4096)), inner: UInt16(r.below(4096))))
        var e = FlowEntry(key: key)
        e.serial = UInt64(r.below(1 << 20))
        e.firstSeen = OutputFixtures.t0 + Int64(r.below(1 << 30)) - (r.below(20) == 0 ? 1 << 62 : 0)
        e.lastSeen = e.firstSeen + Int64(r.below(1 << 20))
        e.initiatorIsA = r.below(2) == 0
        e.method = [.syn, .synAck, .inferred, .firstPacket][r.below(4)]
        e.zoneA = policy.zoneMap.lookup(key.addressA)
        e.zoneB = policy.zoneMap.lookup(key.addressB)
        if r.below(10) == 0 { e.zoneA = ZoneRef(zone: 7) }  // a zone the map does not have
        e.hasMACs = r.below(3) > 0
        e.macA = r.next() & 0xffff_ffff_ffff
        e.macB = r.next() & 0xffff_ffff_ffff
        e.icmpType = UInt8([0, 8, 3, 128, 129, 135, 11][r.below(7)])
        e.icmpCode = UInt8(r.below(4))
        e.packetsAB = r.next() % 1000
        e.packetsBA = r.next() % 1000
        e.bytesAB = r.next()
        e.bytesBA = r.next() % 100_000
        let rules = RuleID.allCases
        e.rule = r.below(5) == 0 ? FlowEntry.noVerdict : rules[r.below(rules.count)].rawValue
        e.declaration = Int16(r.below(4)) - 1
        return e
    }

    static func alert(_ r: inout Random, policy: Policy) -> Alert {
        var e = flow(&r, policy: policy)
        if e.rule == FlowEntry.noVerdict { e.rule = RuleID.unzonedHost.rawValue }
        var a = Alert(flow: e)!
        if r.below(8) == 0 {
            a.tunnels = [TunnelLayer(type: .vxlan, src: address(&r), dst: address(&r), id: UInt32(r.below(5000)))]
        }
        if r.below(8) == 0 { a.vlanIDs = (0..<r.below(9)).map { _ in UInt16(r.below(4096)) } }
        // A tunnel's alert: a field and a message end of its own, written piece by piece.
        if r.below(8) == 0 { a.tunnelEnds = [.vxlan, .gre, .ipip, .geneve][r.below(4)] }
        return a
    }

    func testAlertsMatchTheReference() {
        for policy in [OutputFixtures.policy, Self.hostile] {
            let format = AlertFormat(policy: policy)
            var r = Random(seed: 7)
            for i in 0..<3000 {
                let a = Self.alert(&r, policy: policy)
                XCTAssertEqual(format.message(a), Reference.message(format, a), "alert \(i)")
                XCTAssertEqual(format.json(a), Reference.json(format, a), "alert \(i)")
                XCTAssertEqual(format.flowID(a), Reference.flowID(a), "alert \(i)")
                let records = DeliveryRecords(format: format)
                XCTAssertEqual(
                    records.alertJSON(
                        a, evidence: i % 3 == 0 ? nil : "f\"\(i).pcap", evidenceError: i % 5 == 0 ? "disk\nfull" : nil),
                    Reference.alertJSON(
                        format, a, evidence: i % 3 == 0 ? nil : "f\"\(i).pcap",
                        evidenceError: i % 5 == 0 ? "disk\nfull" : nil))
                let formatter = SyslogFormatter(facility: 16, appName: "zone sep", hostname: "host", procID: "42")
                XCTAssertEqual(
                    format.syslog(a, formatter: formatter, evidence: i % 2 == 0 ? nil : "e]\(i)"),
                    Reference.syslog(formatter, format, a, evidence: i % 2 == 0 ? nil : "e]\(i)"), "alert \(i)")
            }
        }
    }

    /// Evidence records (written through a record writer) against the `JSONObject` record and the
    /// formatter's syslog message of before: files, hashes, errors and flow ids of every shape, hostile
    /// text included.
    func testEvidenceRecordsMatchTheReference() {
        let files = ["20260615T001700.000000Z_unzoned-host_gSduT-xSKzi.pcap", "f\"1\n.pcap", "a]b\\c\u{202E}.pcap", ""]
        let errors: [String?] = [nil, "No space left on device", "disk\nfull \"x\"]\u{2028}", ""]
        for policy in [OutputFixtures.policy, Self.hostile] {
            let format = AlertFormat(policy: policy)
            let records = DeliveryRecords(format: format)
            var r = Random(seed: 11)
            for i in 0..<2000 {
                let a = Self.alert(&r, policy: policy)
                let sha = r.below(3) == 0 ? nil : String(repeating: "ab", count: 32)
                let e = DeliveryRecords.Evidence(
                    alert: a, file: files[r.below(files.count)], packets: r.next() >> r.below(64),
                    bytes: r.next() >> r.below(64), sha256: sha,
                    closed: ["flow-end", "packet-cap", "end-of-run"][r.below(3)],
                    timestampMicros: Int64(bitPattern: r.next() << 11) >> r.below(40),
                    error: errors[r.below(errors.count)],
                    flowID: r.below(2) == 0 ? nil : format.flowID(a))
                XCTAssertEqual(records.evidenceJSON(e), Reference.evidenceJSON(format, e), "record \(i)")
                for facility in [16, 23, 0] {
                    let formatter = SyslogFormatter(
                        facility: facility, appName: "zone sep", hostname: "host", procID: "42")
                    XCTAssertEqual(
                        records.evidenceSyslog(e, formatter: formatter),
                        records.evidenceSyslogByFormatter(e, formatter: formatter), "record \(i)")
                }
            }
        }
    }

    func testFlowRecordsMatchTheReference() {
        for policy in [OutputFixtures.policy, Self.hostile] {
            let format = FlowRecordFormat(policy: policy)
            var r = Random(seed: 11)
            for i in 0..<3000 {
                let e = Self.flow(&r, policy: policy)
                let end: FlowEndReason = [.idle, .closed, .evicted, .endOfCapture][i % 4]
                let tunnels =
                    i % 7 == 0
                    ? [
                        TunnelLayer(type: .geneve, src: Self.address(&r), dst: Self.address(&r), id: 7),
                        TunnelLayer(type: .mpls),
                    ]
                    : []
                XCTAssertEqual(
                    format.json(e, end: end, tunnels: tunnels),
                    Reference.flowJSON(format, e, end: end, tunnels: tunnels),
                    "flow \(i)")
            }
        }
    }

    /// The summary handed out in pieces (stdout writes it as it is rendered) makes the bytes of the summary
    /// rendered whole, cut only between two violations or two declarations, whatever the piece size.
    func testSummaryInPiecesIsTheSummaryWhole() throws {
        var r = Random(seed: 17)
        let policy = OutputFixtures.policy
        var violations: [Violation] = []
        for i in 0..<300 {
            var v = Violation(alert: Self.alert(&r, policy: policy), flow: Self.flow(&r, policy: policy), end: .closed)
            if i % 5 == 0 { v.evidenceFile = "ev\(i).pcap" }
            violations.append(v)
        }
        let declarations = (0..<400).map {
            DeclarationUse(kind: .exception, name: "exception-\($0)", flows: UInt64($0), expiresAtMicros: Int64($0))
        }
        for (list, uses) in [
            (violations, declarations), (Array(violations.prefix(1)), []), ([], declarations), ([], []),
        ] {
            var summary = ReplaySummary(
                policy: policy, counters: Counters(), matrix: ZoneMatrix(zoneCount: policy.config.zones.count),
                files: [], flowsActive: 0, flowsEvicted: 0, flowCapacity: 1, violations: list)
            summary.violationsOmitted = 3
            summary.declarations = uses
            let whole = summary.jsonBytes()
            XCTAssertNotNil(try JSONSerialization.jsonObject(with: Data(whole)) as? [String: Any])
            for size in [1, 1_000, 20_000, 1 << 30] {
                var pieces: [[UInt8]] = []
                summary.writeJSON(pieceSize: size) { pieces.append(Array($0)) }
                XCTAssertEqual(
                    pieces.flatMap { $0 }, whole,
                    "pieces of \(size), \(list.count) violations, \(uses.count) declarations")
                if (list.count > 1 || uses.count > 1) && size < 20_000 {
                    XCTAssertGreaterThan(pieces.count, 1, "pieces of \(size)")
                }
                for p in pieces.dropLast() {
                    XCTAssertEqual(p.last, UInt8(ascii: "}"), "a piece ends with a violation or a declaration")
                    XCTAssertGreaterThanOrEqual(p.count, size)
                }
            }
        }
    }

    func testSummaryViolationsMatchTheReference() {
        for policy in [OutputFixtures.policy, Self.hostile] {
            var r = Random(seed: 13)
            var violations: [Violation] = []
            for i in 0..<500 {
                let e = Self.flow(&r, policy: policy)
                var v = Violation(alert: Self.alert(&r, policy: policy), flow: e, end: .idle)
                if i % 3 == 0 {
                    v.evidenceFile = "ev\"\(i)\n.pcap"
                    v.evidenceSHA256 = i % 2 == 0 ? nil : "ab\(i)"
                }
                violations.append(v)
            }
            let summary = ReplaySummary(
                policy: policy, counters: Counters(), matrix: ZoneMatrix(zoneCount: policy.config.zones.count),
                files: [], flowsActive: 0, flowsEvicted: 0, flowCapacity: 1, violations: violations)
            XCTAssertEqual(summary.violationsJSON(), Reference.violationsJSON(policy, violations))
            XCTAssertEqual(
                ReplaySummary(
                    policy: policy, counters: Counters(), matrix: ZoneMatrix(zoneCount: 3), files: [], flowsActive: 0,
                    flowsEvicted: 0, flowCapacity: 1
                ).violationsJSON(), "[]")
        }
    }

    /// The old renderers, as they were before the byte writers.
    enum Reference {
        static func message(_ f: AlertFormat, _ a: Alert) -> String {
            guard let t = a.tunnelEnds else { return flowMessage(f, a) }
            return flowMessage(f, a) + " (the ends of this \(t.name) tunnel break the policy; the flows inside are "
                + "judged by their innermost packets)"
        }

        static func flowMessage(_ f: AlertFormat, _ a: Alert) -> String {
            let map = f.policy.zoneMap
            let from = "\(VisibleText.escape(map.label(of: a.srcZone))) \(a.srcIP)"
            let to = "\(VisibleText.escape(map.label(of: a.destZone))) \(a.destIP)"
            let p = ProtocolName.of(a.proto)
            let head = "\(from) → \(to) \(a.destPort.map { "\(p)/\($0)" } ?? p)"
            switch a.rule {
            case .conduitMACMismatch:
                let c = a.verdict.conduit
                if c >= 0 && c < f.policy.config.conduits.count {
                    let conduit = f.policy.config.conduits[c]
                    var expected: [String] = []
                    if let m = conduit.fromMAC { expected.append("initiator \(m)") }
                    if let m = conduit.toMAC { expected.append("responder \(m)") }
                    let seen = [a.srcMAC.map { "initiator \($0)" }, a.destMAC.map { "responder \($0)" }]
                        .compactMap { $0 }.joined(separator: ", ")
                    let name = VisibleText.escape(conduit.name)
                    return "\(head) matches conduit '\(name)' but its MAC address differs (expected "
                        + "\(expected.joined(separator: ", ")); seen \(seen.isEmpty ? "no MAC" : seen))"
                }
                return "\(head) matches a conduit but its MAC address differs"
            case .mynumberIsolation: return "\(head): no conduit allows this flow to or from the mynumber zone"
            case .sanitisationBypass: return "\(head) matches no sanitisation path"
            case .lgwanExternal: return "\(head): the LGWAN zone must not reach an external address"
            case .securityCloudBypass: return "\(head) bypasses the security cloud (no gateway, no valid exception)"
            case .unzonedHost:
                let who = [a.srcZone == .unzoned ? "\(a.srcIP)" : nil, a.destZone == .unzoned ? "\(a.destIP)" : nil]
                    .compactMap { $0 }.joined(separator: " and ")
                return "\(head): \(who) belongs to no zone"
            }
        }

        static func flowID(_ a: Alert) -> String {
            communityID(
                src: a.srcIP, dst: a.destIP, proto: a.proto, srcPort: a.srcPort, dstPort: a.destPort,
                icmpType: a.icmpType, icmpCode: a.icmpCode)
        }

        /// `src` is the flow's initiator, `icmpType` its first packet's: an echo reply seen first was sent by
        /// the responder, and the Community ID hashes the packet as sent.
        static func communityID(
            src initiator: IPAddress, dst responder: IPAddress, proto: UInt8, srcPort: UInt16?, dstPort: UInt16?,
            icmpType: UInt8, icmpCode: UInt8
        ) -> String {
            let reply = (proto == 1 && icmpType == 0) || (proto == 58 && icmpType == 129)
            let (src, dst) = reply ? (responder, initiator) : (initiator, responder)
            let v4: [UInt8: UInt8] = [8: 0, 0: 8, 13: 14, 14: 13, 15: 16, 16: 15, 10: 9, 9: 10, 17: 18, 18: 17]
            let v6: [UInt8: UInt8] = [
                128: 129, 129: 128, 133: 134, 134: 133, 135: 136, 136: 135, 130: 131, 131: 130, 144: 145, 145: 144,
            ]
            var sp: UInt16 = srcPort ?? 0
            var dp: UInt16 = dstPort ?? 0
            var oneWay = false
            if proto == 1 || proto == 58 {
                sp = UInt16(icmpType)
                if let reply = (proto == 1 ? v4 : v6)[icmpType] {
                    dp = UInt16(reply)
                } else {
                    dp = UInt16(icmpCode)
                    oneWay = true
                }
            }
            var a = src
            var b = dst
            if !oneWay && (b.rawValue < a.rawValue || (a == b && dp < sp)) {
                swap(&a, &b)
                swap(&sp, &dp)
            }
            func bytes(_ x: IPAddress) -> [UInt8] {
                if x.isIPv4 { return (0..<4).reversed().map { UInt8(truncatingIfNeeded: x.v4 >> (UInt32($0) * 8)) } }
                return (0..<16).reversed().map { UInt8(truncatingIfNeeded: x.rawValue >> (UInt128($0) * 8)) }
            }
            var input: [UInt8] = [0, 0]
            input += bytes(a) + bytes(b) + [proto, 0]
            if [6, 17, 1, 58, 132].contains(proto) {
                input += [UInt8(sp >> 8), UInt8(sp & 0xff), UInt8(dp >> 8), UInt8(dp & 0xff)]
            }
            return "1:" + Base64.encode(SHA1.digest(input))
        }

        static func json(_ f: AlertFormat, _ a: Alert) -> String {
            let map = f.policy.zoneMap
            var o = JSONObject()
            o.add("timestamp", Timestamp.rfc3339(a.timestampMicros))
            o.add("event_type", "alert")
            o.add("rule", a.rule.name)
            o.add("severity", a.rule.severity.rawValue)
            o.add("proto", ProtocolName.of(a.proto))
            o.add("src_ip", a.srcIP.description)
            o.add("src_port", a.srcPort)
            o.add("dest_ip", a.destIP.description)
            o.add("dest_port", a.destPort)
            o.add("src_zone", map.name(of: a.srcZone))
            o.add("dest_zone", map.name(of: a.destZone))
            o.add("initiator", a.initiator.name)
            o.addRaw("vlan", JSONObject.array(a.vlans.map { "\($0)" }))
            if !a.tunnels.isEmpty { o.addRaw("tunnel", AlertFormat.tunnelJSON(a.tunnels)) }
            if let t = a.tunnelEnds { o.add("tunnel_ends", t.name) }
            o.add("src_mac", a.srcMAC?.description)
            o.add("dest_mac", a.destMAC?.description)
            o.add("flow_id", flowID(a))
            o.add("sensor", f.policy.config.sensor)
            o.add("message", message(f, a))
            return o.json
        }

        static func alertJSON(_ f: AlertFormat, _ a: Alert, evidence: String?, evidenceError: String?) -> String {
            var json = self.json(f, a)
            json.removeLast()
            json += ",\"evidence\":" + (evidence.map(JSONObject.string) ?? "null")
            if let e = evidenceError { json += ",\"evidence_error\":" + JSONObject.string(e) }
            return json + "}"
        }

        static func evidenceJSON(_ f: AlertFormat, _ e: DeliveryRecords.Evidence) -> String {
            var o = JSONObject()
            o.add("timestamp", Timestamp.rfc3339(e.timestampMicros))
            o.add("event_type", "evidence")
            o.add("rule", e.alert.rule.name)
            o.add("flow_id", e.flowID ?? f.flowID(e.alert))
            o.add("file", e.file)
            o.add("packets", e.packets)
            o.add("bytes", e.bytes)
            o.add("sha256", e.sha256)
            o.add("closed", e.closed)
            if let error = e.error { o.add("error", error) }
            o.add("sensor", f.policy.config.sensor)
            return o.json
        }

        static func syslog(_ formatter: SyslogFormatter, _ f: AlertFormat, _ a: Alert, evidence: String?) -> [UInt8] {
            let pri = formatter.facility * 8 + SyslogSeverity(a.rule.severity).rawValue
            var s =
                "<\(pri)>1 \(Timestamp.rfc3339(a.timestampMicros)) \(formatter.hostname) \(formatter.appName) "
                + "\(formatter.procID) alert "
            let params = f.syslogParams(a, evidence: evidence).filter { SyslogFormatter.isSDName($0.0) }
            if params.isEmpty {
                s += "-"
            } else {
                s += "[" + SyslogFormatter.sdID
                for (name, value) in params {
                    s += " \(name)=\"\(SyslogFormatter.escapeParamValue(VisibleText.escape(value)))\""
                }
                s += "]"
            }
            return Array(s.utf8) + [0x20, 0xEF, 0xBB, 0xBF] + Array(VisibleText.escape(message(f, a)).utf8)
        }

        static func flowJSON(_ f: FlowRecordFormat, _ e: FlowEntry, end: FlowEndReason, tunnels: [TunnelLayer])
            -> String
        {
            let map = f.policy.zoneMap
            let k = e.key
            let ports = k.proto == 6 || k.proto == 17 || k.proto == 132  // TCP, UDP, SCTP
            let a = e.initiatorIsA
            let src = a ? k.addressA : k.addressB
            let dst = a ? k.addressB : k.addressA
            let srcPort: UInt16? = ports ? (a ? k.portA : k.portB) : nil
            let dstPort: UInt16? = ports ? (a ? k.portB : k.portA) : nil
            let vlanCount = Int(k.vlanCount)
            let vlans = [UInt16(k.vlans >> 12 & 0xfff), UInt16(k.vlans & 0xfff)].prefix(vlanCount)
            var o = JSONObject()
            o.add("timestamp", Timestamp.rfc3339(e.lastSeen))
            o.add("event_type", "flow")
            o.add("proto", ProtocolName.of(k.proto))
            o.add("src_ip", src.description)
            o.add("src_port", srcPort)
            o.add("dest_ip", dst.description)
            o.add("dest_port", dstPort)
            o.add("src_zone", map.name(of: e.initiatorZone))
            o.add("dest_zone", map.name(of: e.responderZone))
            o.add("initiator", e.method.name)
            o.addRaw("vlan", JSONObject.array(vlans.map { "\($0)" }))
            if !tunnels.isEmpty { o.addRaw("tunnel", AlertFormat.tunnelJSON(tunnels)) }
            o.add("src_mac", e.hasMACs ? MACAddress(rawValue: a ? e.macA : e.macB).description : nil)
            o.add("dest_mac", e.hasMACs ? MACAddress(rawValue: a ? e.macB : e.macA).description : nil)
            o.add(
                "flow_id",
                communityID(
                    src: src, dst: dst, proto: k.proto, srcPort: srcPort, dstPort: dstPort, icmpType: e.icmpType,
                    icmpCode: e.icmpCode))
            o.add("sensor", f.policy.config.sensor)
            o.add("start", Timestamp.rfc3339(e.firstSeen))
            o.add("end", Timestamp.rfc3339(e.lastSeen))
            o.add("end_reason", end.name)
            o.add("packets_toserver", a ? e.packetsAB : e.packetsBA)
            o.add("packets_toclient", a ? e.packetsBA : e.packetsAB)
            o.add("bytes_toserver", a ? e.bytesAB : e.bytesBA)
            o.add("bytes_toclient", a ? e.bytesBA : e.bytesAB)
            o.add("verdict", e.verdict?.name)
            if let d = f.allowedBy(e) {
                var x = JSONObject()
                x.add("type", d.kind.name)
                x.add("name", d.name)
                o.addRaw("allowed_by", x.json)
            } else {
                o.addRaw("allowed_by", "null")
            }
            // A conduit that names a MAC the flow did not show for that side: allowed, MAC not verified.
            if let d = f.allowedBy(e), d.kind == .conduit {
                let c = f.policy.config.conduits[d.index]
                if (c.fromMAC != nil && e.mac(ofA: a) == nil) || (c.toMAC != nil && e.mac(ofA: !a) == nil) {
                    o.add("mac_check", "not-seen")
                }
            }
            return o.json
        }

        static func violationsJSON(_ policy: Policy, _ violations: [Violation]) -> String {
            JSONObject.array(
                violations.map { v in
                    var x = JSONObject()
                    x.add("flow_id", flowID(v.alert))
                    x.add("rule", v.alert.rule.name)
                    x.add("proto", ProtocolName.of(v.alert.proto))
                    x.add("src_ip", v.alert.srcIP.description)
                    x.add("src_port", v.alert.srcPort)
                    x.add("dest_ip", v.alert.destIP.description)
                    x.add("dest_port", v.alert.destPort)
                    x.add("initiator", v.alert.initiator.name)
                    x.addRaw("vlan", "[" + v.alert.vlans.map(String.init).joined(separator: ",") + "]")
                    x.add("first_seen", Timestamp.rfc3339(v.firstSeenMicros))
                    x.add("last_seen", Timestamp.rfc3339(v.lastSeenMicros))
                    x.add("packets", v.packets)
                    x.add("bytes", v.bytes)
                    x.add("end", v.end.name)
                    if let file = v.evidenceFile {
                        var e = JSONObject()
                        e.add("path", file)
                        e.add("sha256", v.evidenceSHA256)
                        x.addRaw("evidence", e.json)
                    }
                    return x.json
                })
        }
    }
}
