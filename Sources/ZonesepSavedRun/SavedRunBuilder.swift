import ZonesepCore
import ZonesepOutput

/// Turns decoded records into the report model, checking what types alone cannot (times, addresses, zones,
/// rule ids) with messages that name the file, the line and the key.
struct SavedRunBuilder {
    let file: String
    let line: Int
    let policy: Policy
    let zoneRefs: [String: ZoneRef]
    /// zones.conf reloads the run applied (its summary's `reloads`): a zone one of them renamed or removed
    /// is in no zones.conf a report can be given, which its message must say.
    var reloadsApplied = 0

    init(file: String, line: Int, policy: Policy) {
        self.file = file
        self.line = line
        self.policy = policy
        var refs: [String: ZoneRef] = ["external": .external, "unzoned": .unzoned, "local": .local]
        for (i, z) in policy.config.zones.enumerated() { refs[z.id] = ZoneRef(zone: i) }
        zoneRefs = refs
    }

    func fail(_ key: String, _ what: String, line: Int? = nil) -> ReportError {
        ReportError("\(file):\(line ?? self.line): \(key): \(what)")
    }

    func time(_ s: String, _ key: String) throws(ReportError) -> Int64 {
        guard let t = ReportText.micros(rfc3339: s) else { throw fail(key, "'\(s)' is not an RFC 3339 time") }
        return t
    }

    /// An optional time: nil stays nil, a present one must be RFC 3339.
    func timeIfPresent(_ s: String?, _ key: String) throws(ReportError) -> Int64? {
        guard let s else { return nil }
        return try time(s, key)
    }

    func ip(_ s: String, _ key: String) throws(ReportError) -> IPAddress {
        guard let a = IPAddress(s) else { throw fail(key, "'\(s)' is not an IP address") }
        return a
    }

    /// A flow rule by its id, or an error naming `key`.
    func rule(_ name: String, _ key: String) throws(ReportError) -> RuleID {
        guard let rule = RuleID.allCases.first(where: { $0.name == name }) else {
            throw fail(key, "'\(name)' is not a rule id")
        }
        return rule
    }

    /// A host rule by its id, or an error naming `key`.
    func hostRule(_ name: String, _ key: String) throws(ReportError) -> HostRuleID {
        guard let rule = HostRuleID.allCases.first(where: { $0.name == name }) else {
            throw fail(key, "'\(name)' is not a host rule id")
        }
        return rule
    }

    func severity(_ name: String, _ key: String) throws(ReportError) -> Severity {
        guard let severity = Severity(rawValue: name) else {
            throw fail(key, "'\(name)' is not critical, high or medium")
        }
        return severity
    }

    func port(_ n: UInt64?, _ key: String) throws(ReportError) -> UInt16? {
        guard let n else { return nil }
        guard n <= 65535 else { throw fail(key, "\(n) is not a port number") }
        return UInt16(n)
    }

    func zone(_ name: String, _ key: String, line: Int? = nil) throws(ReportError) -> ZoneRef {
        guard let z = zoneRefs[name] else {
            guard reloadsApplied == 0 else {
                throw fail(
                    key,
                    "zone '\(name)' is not declared in this zones.conf; the run reloaded its zones.conf "
                        + "\(reloadsApplied == 1 ? "once" : "\(reloadsApplied) times") (the summary's reloads), and a "
                        + "zone a reload renamed or removed cannot be shown in a report made with one zones.conf: its "
                        + "alerts and the summary have it as the run judged it", line: line)
            }
            throw fail(
                key, "zone '\(name)' is not declared in this zones.conf: give the zones.conf the run used", line: line)
        }
        return z
    }

    /// Every entry of one of the summary's lists with the key path its messages name (`violations[3].`)
    /// and its number from 1, turned into the report's value by `body`.
    func entries<Entry, Value>(
        _ list: [Entry], _ name: String, _ body: (_ at: String, _ number: Int, Entry) throws(ReportError) -> Value
    ) throws(ReportError) -> [Value] {
        var out: [Value] = []
        out.reserveCapacity(list.count)
        for (i, e) in list.enumerated() { out.append(try body("\(name)[\(i)].", i + 1, e)) }
        return out
    }

    /// A zone matrix cell's index from its `src_zone` and `dest_zone` (the packet and the flow cells alike).
    func cell(_ matrix: ZoneMatrix, _ srcZone: String, _ destZone: String, _ at: String) throws(ReportError) -> Int {
        matrix.index(try zone(srcZone, at + "src_zone")) * matrix.side
            + matrix.index(try zone(destZone, at + "dest_zone"))
    }

    func report(_ s: SummaryRecord, alerts: [SavedAlert], provenance: AuditReport.Provenance) throws(ReportError)
        -> AuditReport
    {
        // Anomalies in DESIGN.md's order of kinds (a JSON object's order is not kept), unknown kinds last.
        var anomalies: [AuditReport.AnomalyCount] = []
        for k in DecodeAnomaly.allCases {
            if let n = s.anomalies[k.name] { anomalies.append(.init(kind: k.name, packets: n)) }
        }
        let known = Set(DecodeAnomaly.allCases.map(\.name))
        for k in s.anomalies.keys.sorted() where !known.contains(k) {
            anomalies.append(.init(kind: k, packets: s.anomalies[k] ?? 0))
        }
        anomalies.removeAll { $0.packets == 0 }

        var matrix = ZoneMatrix(zoneCount: policy.config.zones.count)
        let packetCells = try entries(s.matrix.packets, "matrix.packets") { at, _, c throws(ReportError) in
            (try cell(matrix, c.srcZone, c.destZone, at), c)
        }
        for (x, c) in packetCells {
            matrix.packets[x] = c.packets
            matrix.bytes[x] = c.bytes
        }
        let flowCells = try entries(s.matrix.flows, "matrix.flows") { at, _, c throws(ReportError) in
            (try cell(matrix, c.srcZone, c.destZone, at), c.flows)
        }
        for (x, flows) in flowCells { matrix.flows[x] = flows }

        let files = try entries(s.files, "files") { at, _, f throws(ReportError) in
            var gaps: [PacketGap] = []
            for (k, g) in (f.gaps ?? []).enumerated() {
                gaps.append(
                    PacketGap(
                        fromMicros: try time(g.from, at + "gaps[\(k)].from"),
                        toMicros: try time(g.to, at + "gaps[\(k)].to")))
            }
            var capture: LiveCaptureRecord?
            if let outages = f.outages {
                var listed: [CaptureOutage] = []
                for (k, o) in outages.enumerated() {
                    let where_ = at + "outages[\(k)]"
                    guard let kind = CaptureOutage.Kind(rawValue: o.kind) else {
                        throw fail(where_ + ".kind", "'\(o.kind)' is not an outage kind")
                    }
                    listed.append(
                        CaptureOutage(
                            fromMicros: try time(o.from, where_ + ".from"), toMicros: try time(o.to, where_ + ".to"),
                            kind: kind))
                }
                // blind_seconds is whole seconds rounded up: read back as that many, so it writes the same.
                let blind = f.blindSeconds ?? 0
                guard (0...LiveCaptureRecord.maxBlindSeconds).contains(blind) else {
                    throw fail(
                        at + "blind_seconds",
                        "\(blind) is not a time blind (0 to \(LiveCaptureRecord.maxBlindSeconds) seconds)")
                }
                capture = LiveCaptureRecord(
                    outages: listed, outagesNotListed: f.outagesNotListed ?? 0,
                    blindMicros: blind * 1_000_000, captureRestarts: f.captureRestarts ?? 0)
            }
            return AuditReport.CaptureFile(
                path: f.path, linkType: f.linkType, packets: f.packets,
                firstPacketMicros: try timeIfPresent(f.firstPacket, at + "first_packet"),
                lastPacketMicros: try timeIfPresent(f.lastPacket, at + "last_packet"), error: f.error,
                skipped: f.skipped, note: f.note,
                gaps: gaps, gapsNotListed: f.gapsNotListed ?? 0, dropped: f.dropped,
                droppedUnknownInterfaces: f.droppedUnknownInterfaces ?? 0, capture: capture)
        }

        // Each violation's alert: the same flow id and first packet time, taken in order (a 5-tuple reused
        // later is another flow with the same Community ID but a later first packet).
        var alertsByKey: [String: [SavedAlert]] = [:]
        for a in alerts { alertsByKey[a.key, default: []].append(a) }
        let violations = try entries(s.violations, "violations") { at, number, v throws(ReportError) in
            let rule = try rule(v.rule, at + "rule")
            var flow = AuditReport.ViolatingFlow(
                number: number, flowID: v.flowID, rule: rule, proto: v.proto,
                srcIP: try ip(v.srcIP, at + "src_ip"), srcPort: try port(v.srcPort, at + "src_port"),
                destIP: try ip(v.destIP, at + "dest_ip"), destPort: try port(v.destPort, at + "dest_port"),
                srcZone: .external, destZone: .external, initiatorMethod: nil, vlan: [],
                firstSeenMicros: try time(v.firstSeen, at + "first_seen"),
                lastSeenMicros: try time(v.lastSeen, at + "last_seen"),
                packets: v.packets, bytes: v.bytes, end: v.end,
                evidence: v.evidence.map {
                    AuditReport.Evidence(path: $0.path, sha256: $0.sha256, error: $0.error, leftOut: $0.leftOut ?? 0)
                },
                // IPv6 text (`::ffff:a.b.c.d` parses as the IPv4 address it maps): an IPv6 flow, written so.
                mappedIPv6: v.srcIP.contains(":") || v.destIP.contains(":"))
            if let tags = v.vlan {
                flow.initiatorMethod = v.initiator
                flow.vlan = try vlans(tags, at + "vlan")
            }
            let key = SavedAlert.key(flowID: v.flowID, time: v.firstSeen)
            if var queue = alertsByKey[key], !queue.isEmpty {
                let a = queue.removeFirst()
                alertsByKey[key] = queue
                guard let src = a.srcZone else { throw fail("src_zone", "missing", line: a.line) }
                guard let dest = a.destZone else { throw fail("dest_zone", "missing", line: a.line) }
                flow.srcZone = try zone(src, "src_zone", line: a.line)
                flow.destZone = try zone(dest, "dest_zone", line: a.line)
                var alertVLANs: [UInt16] = []
                for t in a.vlan ?? [] {
                    guard t <= 4095 else { throw fail("vlan", "not a list of VLAN ids", line: a.line) }
                    alertVLANs.append(UInt16(t))
                }
                if v.vlan == nil {
                    // A run saved before the summary's violations had them: the alert's.
                    flow.initiatorMethod = a.initiator
                    flow.vlan = alertVLANs
                }
                if flow.evidence == nil, let file = a.evidence { flow.evidence = AuditReport.Evidence(path: file) }
                if flow.evidence == nil, let why = a.evidenceError {
                    // A run saved before the summary said it: the alert's own word that its file was lost.
                    flow.evidence = AuditReport.Evidence(path: nil, error: why)
                }
            } else {
                // No alert record for it (folded by suppression, or the file was cut or filtered): the zones
                // follow from zones.conf.
                flow.srcZone = policy.zoneMap.lookup(flow.srcIP)
                flow.destZone = policy.zoneMap.lookup(flow.destIP)
            }
            return flow
        }

        var report = AuditReport(
            provenance: provenance, policy: policy, sensor: s.sensor,
            totals: AuditReport.Totals(
                packets: s.packets, bytes: s.bytes, ipPackets: s.ipPackets, nonIPPackets: s.nonIPPackets,
                flows: s.flows),
            files: files,
            flowTable: AuditReport.FlowTableUse(
                capacity: Int(clamping: s.flowTable.capacity), activeAtEnd: Int(clamping: s.flowTable.activeAtEnd),
                evicted: s.flowTable.evicted),
            droppedPackets: s.dropped, anomalies: anomalies, matrix: matrix, violations: violations,
            declarations: try declarations(s.declarations))
        report.devices = try devices(s.hostFindings)
        report.evidenceLosses = s.delivery?.evidence.map {
            AuditReport.EvidenceLosses(
                directory: $0.directory ?? "", incomplete: $0.incomplete ?? 0, notCreated: $0.notCreated ?? 0,
                skippedFiles: $0.skippedFiles ?? 0, lostPackets: $0.lostPackets ?? 0,
                skippedPackets: $0.skippedPackets ?? 0, otherLinkTypePackets: $0.otherLinkTypePackets ?? 0)
        }
        report.droppedUnknownFiles = Int(clamping: s.droppedUnknownFiles ?? 0)
        report.hostTable = s.hostTable.map {
            AuditReport.HostTableUse(
                macsEvicted: $0.macsEvicted, addressesDropped: $0.addressesDropped,
                findingsForgotten: $0.findingsForgotten)
        }
        report.violationsOmitted = s.violationsOmitted ?? 0
        report.hostFindingsOmitted = s.hostFindingsOmitted ?? 0
        for (i, g) in (s.violationsOmittedBy ?? []).enumerated() {
            let at = "violations_omitted_by[\(i)]."
            report.violationsOmittedBy.add(
                .init(
                    rule: try rule(g.rule, at + "rule"), srcZone: try zone(g.srcZone, at + "src_zone"),
                    destZone: try zone(g.destZone, at + "dest_zone")), g.flows)
        }
        for (i, g) in (s.hostFindingsOmittedBy ?? []).enumerated() {
            let at = "host_findings_omitted_by[\(i)]."
            report.hostFindingsOmittedBy.add(
                .init(rule: try hostRule(g.rule, at + "rule"), severity: try severity(g.severity, at + "severity")),
                g.findings)
        }
        report.tunnelsBreakingPolicy = try (s.tunnelsBreakingPolicy ?? []).enumerated().map {
            i, t throws(ReportError) in
            let at = "tunnels_breaking_policy[\(i)]."
            let (src, dest) = (try ip(t.srcIP, at + "src_ip"), try ip(t.destIP, at + "dest_ip"))
            // An IPv4-mapped address written as IPv6 (::ffff:a.b.c.d): the outer header was IPv6.
            let mapped = (src.isIPv4 && t.srcIP.contains(":")) || (dest.isIPv4 && t.destIP.contains(":"))
            return PolicyBreakingTunnel(
                type: t.type, src: src, dest: dest, srcZone: t.srcZone, destZone: t.destZone,
                rule: try rule(t.rule, at + "rule"), flows: t.flows,
                firstSeenMicros: try time(t.firstSeen, at + "first_seen"), mappedIPv6: mapped)
        }
        report.tunnelsBreakingPolicyNotListed = s.tunnelsBreakingPolicyNotListed ?? 0
        report.interrupted = s.interrupted ?? false
        report.reloads = try (s.reloads ?? []).enumerated().map { i, r throws(ReportError) in
            ConfigReload(
                timestampMicros: try timeIfPresent(r.timestamp, "reloads[\(i)].timestamp"), applied: r.applied,
                previousSHA256: r.previousSHA256, sha256: r.configSHA256)
        }
        report.asOfMicros = try timeIfPresent(s.timestamp, "timestamp")
        if let c = s.coverage {
            report.coverage = AuditReport.Coverage(
                frames: c.frames, verified: c.judged &+ c.noIP,
                reasons: c.unverifiedReasons.map { .init(label: $0.reason, frames: $0.frames) },
                tunnels: tunnels(c.unopenedTunnels ?? [:]), flagsUnknown: c.tcpFlagsUnknown ?? 0,
                hostRulesNoMAC: c.hostRulesNoMAC, flowsTagged: c.flowsTagged,
                untaggedVLANFlows: try untaggedVLANFlows(c))
            report.coverage?.timeJumpsIgnored = c.timeJumpsIgnored
        }
        return report
    }

    /// The saved untagged flows of zones that declare `vlans`, the zones in zones.conf order as a replay
    /// lists them; nil for a run saved before they were counted.
    func untaggedVLANFlows(_ c: SummaryRecord.Coverage) throws(ReportError) -> UntaggedVLANFlows? {
        guard let total = c.flowsUntaggedVLANZones else { return nil }
        var zones: [UntaggedVLANFlows.Zone] = []
        for (name, flows) in c.flowsUntaggedByZone ?? [:] where flows > 0 {
            zones.append(.init(zone: try zone(name, "coverage.flows_untagged_by_zone"), flows: flows))
        }
        return UntaggedVLANFlows(total: total, zones: zones.sorted { $0.zone < $1.zone })
    }

    /// The saved `unopened_tunnels` in the order a replay lists them (known kinds first, then by name).
    func tunnels(_ saved: [String: UInt64]) -> [AuditReport.Coverage.Tunnel] {
        let order = UnopenedTunnel.allCases.map(\.name)
        return saved.filter { $0.value > 0 }.sorted {
            let a = order.firstIndex(of: $0.key) ?? order.count
            let b = order.firstIndex(of: $1.key) ?? order.count
            return a != b ? a < b : $0.key < $1.key
        }.map { .init(name: $0.key, flows: $0.value) }
    }

    func vlans(_ list: [UInt64], _ key: String) throws(ReportError) -> [UInt16] {
        var out: [UInt16] = []
        for t in list {
            // 0 (a priority tag) and 4095 can stand in an address's tag list, as in a flow alert's `vlan`.
            guard t <= 4095 else { throw fail(key, "\(t) is not a VLAN id (0-4095)") }
            out.append(UInt16(t))
        }
        return out
    }

    /// The summary's `host_findings`, nil for a run saved before host rules existed.
    func devices(_ list: [SummaryRecord.HostFindingEntry]?) throws(ReportError) -> [AuditReport.Device]? {
        guard let list else { return nil }
        return try entries(list, "host_findings") { at, number, f throws(ReportError) in
            let rule = try hostRule(f.rule, at + "rule")
            let severity = try severity(f.severity, at + "severity")
            guard let mac = MACAddress(f.srcMAC) else {
                throw fail(at + "src_mac", "'\(f.srcMAC)' is not a MAC address")
            }
            let addresses = try entries(f.addresses, at + "addresses") { here, _, a throws(ReportError) in
                AuditReport.Device.Address(
                    ip: try ip(a.ip, here + "ip"), zone: try zone(a.zone, here + "zone"),
                    vlan: try vlans(a.vlan, here + "vlan"),
                    firstSeenMicros: try timeIfPresent(a.firstSeen, here + "first_seen"), seenBy: a.seenBy)
            }
            return AuditReport.Device(
                number: number, rule: rule, severity: severity,
                timestampMicros: try time(f.timestamp, at + "timestamp"),
                mac: mac.description, ip: try ip(f.srcIP, at + "src_ip"),
                zone: try zone(f.srcZone, at + "src_zone"),
                vlan: try vlans(f.vlan, at + "vlan"), addresses: addresses)
        }
    }

    /// The summary's `declarations`, nil for a run saved before they were recorded.
    func declarations(_ list: [SummaryRecord.DeclarationEntry]?) throws(ReportError) -> [DeclarationUse]? {
        guard let list else { return nil }
        return try entries(list, "declarations") { at, _, d throws(ReportError) in
            guard let kind = DeclarationKind.allCases.first(where: { $0.name == d.type }) else {
                throw fail(at + "type", "'\(d.type)' is not conduit, sanitisation, gateway or exception")
            }
            return DeclarationUse(
                kind: kind, name: d.name, flows: d.flows, packets: d.packets, bytes: d.bytes,
                firstSeenMicros: try timeIfPresent(d.firstSeen, at + "first_seen"),
                lastSeenMicros: try timeIfPresent(d.lastSeen, at + "last_seen"),
                expiresAtMicros: try kind == .exception ? timeIfPresent(d.expires, at + "expires") : nil,
                flowsAfterExpiry: kind == .exception ? d.flowsAfterExpiry ?? 0 : 0,
                macNotVerified: kind == .conduit ? d.macNotVerified ?? 0 : 0, tunnelFlows: d.tunnelFlows ?? 0)
        }
    }
}
