import ZonesepCore

/// What a replay found, for the closing `summary` record and the text tables.
public struct ReplaySummary: Sendable {
    /// One input file: how much of it was read, and why it stopped if it did not end cleanly.
    public struct FileResult: Sendable {
        public var path: String
        public var linkType: String?
        public var packets: UInt64 = 0
        public var firstPacketMicros: Int64?
        public var lastPacketMicros: Int64?
        /// nil when the file was read to its end; otherwise the reason, as on stderr.
        public var error: String?
        /// Why a file of a directory was not read as a capture (it is none); nil for a file read.
        public var skipped: String?
        /// What the file itself did to its frames, though it was read to its end (records longer than its
        /// snapshot length, cut to it); nil when nothing.
        public var note: String?
        /// What the file says its capture dropped (a pcapng file's interface statistics: by the interface,
        /// by the operating system, and its interfaces that say nothing); nil when it does not say.
        public var recordedDrops: CaptureDrops?
        /// Stretches of over a minute inside the file with no packet (`CaptureTimeline.FileStats.gaps`), at
        /// most `PacketGap.listed` (the longest), and how many more.
        public var gaps: [PacketGap] = []
        public var gapsNotListed: UInt64 = 0
        /// A live capture's (`watch`'s interface) record of when it was blind: nil for a file. Outages are
        /// not holes between packets but time the sensor could not see, whatever the port carried then.
        public var capture: LiveCaptureRecord?

        public init(path: String) { self.path = path }
    }

    public var policy: Policy
    public var counters: Counters
    public var matrix: ZoneMatrix
    public var files: [FileResult]
    public var flowsActive: Int
    public var flowsEvicted: UInt64
    public var flowCapacity: Int
    /// Every violating flow with its totals, in the order the alerts were raised.
    public var violations: [Violation]
    /// Violating flows left out of `violations` because a long-running sensor reached its limit on how
    /// many it keeps (their alerts were written as usual).
    public var violationsOmitted: UInt64 = 0
    /// `violationsOmitted` by rule and zone pair: written beside it when above 0.
    public var violationsOmittedBy = OmittedViolations()
    /// Alerts folded into an earlier one by `--suppress-window` (`alerts.total` still counts every
    /// violating flow found; this says how many of them were not written as records of their own).
    public var alertsSuppressed: UInt64 = 0
    /// Alerts held back by `--max-alert-rate`.
    public var alertsRateLimited: UInt64 = 0
    /// Syslog, alerts file and evidence counts, when any of them was asked for.
    public var delivery: DeliverySummary?
    /// Every declaration of the policy with what it allowed, in `Policy.declarations` order.
    public var declarations: [DeclarationUse] = []
    /// Every host rule's finding (a device in two tiers, a host on another zone's VLAN), in the order raised.
    public var hostFindings: [HostFinding] = []
    /// Findings left out of `hostFindings` past the collector's limit (their alerts were written as usual).
    public var hostFindingsOmitted: UInt64 = 0
    /// `hostFindingsOmitted` by rule and severity: written beside it when above 0.
    public var hostFindingsOmittedBy = OmittedHostFindings()
    /// Tunnels whose own ends the policy would not let talk (`TunnelAudit`), in the order first seen, at
    /// most `PolicyBreakingTunnel.listed`, and how many more: the flows inside are judged by their innermost
    /// packets, so these are what the verdict cannot speak for.
    public var tunnelsBreakingPolicy: [PolicyBreakingTunnel] = []
    public var tunnelsBreakingPolicyNotListed: UInt64 = 0
    /// The alerts raised for such tunnels (`TunnelAudit.alertsRaised`): one per tunnel and session (with
    /// `watch --workers N`, per worker that saw it), so not the count of tunnels.
    public var tunnelAlerts: UInt64 = 0

    /// A signal stopped the run before its inputs were read to their end (`replay` on Ctrl-C or SIGTERM):
    /// the summary is of what was read until then.
    public var interrupted = false
    /// zones.conf reloads of a `watch` or `collect` run (`SIGHUP`), applied or refused, in order: written
    /// only when there were some, so a replay's summary is as it was.
    public var reloads: [ConfigReload] = []

    /// What a live capture dropped before zonesep saw it (`watch`), or what a replay's pcapng files record of
    /// their capture's drops; nil when nothing records any: the summary has no `dropped` key.
    public var captureDrops: CaptureDrops?

    /// The zonesep and libpcap versions that judged the run (`replay`, `watch`): the report of a saved run
    /// names them, not its own binary's. nil writes no key.
    public var zonesepVersion: String?
    public var libpcapVersion: String?

    /// Untagged flows of zones that declare `vlans`, which `zone-vlan-mismatch` could not judge.
    public var untaggedVLANFlows: UntaggedVLANFlows { UntaggedVLANFlows(policy: policy, matrix: matrix) }

    /// Alerts of every kind: one per violating flow, one per host finding and one per tunnel whose ends break
    /// the policy.
    public var alertsTotal: UInt64 { counters.alerts &+ counters.hostFindings &+ tunnelAlerts }

    public init(
        policy: Policy, counters: Counters, matrix: ZoneMatrix, files: [FileResult], flowsActive: Int,
        flowsEvicted: UInt64, flowCapacity: Int, violations: [Violation] = []
    ) {
        self.violations = violations
        self.policy = policy
        self.counters = counters
        self.matrix = matrix
        self.files = files
        self.flowsActive = flowsActive
        self.flowsEvicted = flowsEvicted
        self.flowCapacity = flowCapacity
    }

    /// Non-zero matrix cells in row-major order (zones as declared, then external, unzoned, local).
    public func cells() -> [(from: ZoneRef, to: ZoneRef, packets: UInt64, bytes: UInt64, flows: UInt64)] {
        var out: [(ZoneRef, ZoneRef, UInt64, UInt64, UInt64)] = []
        for a in 0..<matrix.side {
            for b in 0..<matrix.side {
                let i = a * matrix.side + b
                if matrix.packets[i] > 0 || matrix.flows[i] > 0 {
                    out.append((matrix.ref(a), matrix.ref(b), matrix.packets[i], matrix.bytes[i], matrix.flows[i]))
                }
            }
        }
        return out
    }

    /// The `summary` JSON record.
    public func json() -> String { String(decoding: jsonBytes(), as: UTF8.self) }

    /// The `summary` JSON record as its UTF-8 bytes, built in one buffer: after a scan it holds tens of
    /// thousands of violations (megabytes), which go into it where they are written, with no `String`
    /// made of them and no copy of the whole on its way to the output.
    public func jsonBytes() -> [UInt8] {
        var o = JSONObject()
        o.bytes.reserveCapacity(16_384 + violations.count * 512 + declarations.count * 256)
        render(into: &o, pieceSize: .max) { _ in }
        return o.bytes
    }

    /// The `summary` JSON record (the bytes of `jsonBytes`, no newline) handed to `emit` in pieces as it is
    /// written, the violations list cut between its entries once `pieceSize` bytes wait: a scan's summary
    /// of megabytes goes out with no buffer that holds it all (each a thousand fresh pages).
    public func writeJSON(pieceSize: Int, _ emit: (UnsafeBufferPointer<UInt8>) -> Void) {
        var o = JSONObject()
        o.bytes.reserveCapacity(16_384 + min(violations.count * 512 + declarations.count * 256, pieceSize))
        render(into: &o, pieceSize: pieceSize) { bytes in
            bytes.withUnsafeBufferPointer(emit)
            bytes.removeAll(keepingCapacity: true)
        }
        o.bytes.withUnsafeBufferPointer(emit)
    }

    /// Writes the record into `o`; `drain` takes what waits there (and leaves it empty) when `pieceSize`
    /// bytes do, between two violations.
    private func render(into o: inout JSONObject, pieceSize: Int, drain: (inout [UInt8]) -> Void) {
        let map = policy.zoneMap
        o.add("timestamp", exceptionsAsOfMicros.map(Timestamp.rfc3339))
        o.add("event_type", "summary")
        o.add("sensor", policy.config.sensor)
        o.add("config_sha256", policy.config.sourceSHA256)
        if let zonesepVersion { o.add("zonesep_version", zonesepVersion) }
        if let libpcapVersion { o.add("libpcap_version", libpcapVersion) }
        if !reloads.isEmpty { o.addRaw("reloads", JSONObject.array(reloads.map(\.json))) }
        if interrupted { o.add("interrupted", true) }
        o.add("packets", counters.packets)
        o.add("bytes", counters.bytes)
        o.add("ip_packets", counters.ipPackets)
        o.add("non_ip_packets", counters.nonIPPackets)
        o.add("flows", counters.flows)
        var ft = JSONObject()
        ft.add("capacity", flowCapacity)
        ft.add("active_at_end", flowsActive)
        ft.add("evicted", flowsEvicted)
        ft.add("packets_after_close", counters.packetsAfterClose)
        o.addRaw("flow_table", ft.json)
        // The host rules' MAC table: what its bounds cost (findings that may have been missed).
        var ht = JSONObject()
        ht.add("macs_evicted", counters.hostMACsEvicted)
        ht.add("addresses_dropped", counters.hostAddressesDropped)
        ht.add("findings_forgotten", counters.hostFindingsForgotten)
        o.addRaw("host_table", ht.json)
        var alerts = JSONObject()
        alerts.add("total", alertsTotal)
        var byRule = JSONObject()
        for r in RuleID.allCases where counters.count(r) > 0 { byRule.add(r.name, counters.count(r)) }
        for r in HostRuleID.allCases where counters.count(r) > 0 { byRule.add(r.name, counters.count(r)) }
        alerts.addRaw("by_rule", byRule.json)
        // Apart from `by_rule`, which counts flows and host findings: a tunnel's alert is of its outer flow.
        alerts.add("tunnels", tunnelAlerts)
        alerts.add("suppressed", alertsSuppressed)
        alerts.add("rate_limited", alertsRateLimited)
        o.addRaw("alerts", alerts.json)
        if let delivery { o.addRaw("delivery", delivery.json()) }
        var anomalies = JSONObject()
        for k in DecodeAnomaly.allCases where counters.count(k) > 0 { anomalies.add(k.name, counters.count(k)) }
        o.addRaw("anomalies", anomalies.json)
        if let captureDrops {
            o.add("dropped", captureDrops.total)
            if captureDrops.filesUnknown > 0 { o.add("dropped_unknown_files", captureDrops.filesUnknown) }
        }
        o.addRaw("coverage", CoverageReport.json(counters, untagged: untaggedVLANFlows, map))
        let cells = cells()
        let packetCells = cells.filter { $0.packets > 0 }.map { c -> String in
            var x = JSONObject()
            x.add("src_zone", map.name(of: c.from))
            x.add("dest_zone", map.name(of: c.to))
            x.add("packets", c.packets)
            x.add("bytes", c.bytes)
            return x.json
        }
        let flowCells = cells.filter { $0.flows > 0 }.map { c -> String in
            var x = JSONObject()
            x.add("src_zone", map.name(of: c.from))
            x.add("dest_zone", map.name(of: c.to))
            x.add("flows", c.flows)
            return x.json
        }
        var m = JSONObject()
        m.addRaw("packets", JSONObject.array(packetCells))
        m.addRaw("flows", JSONObject.array(flowCells))
        o.addRaw("matrix", m.json)
        o.key("violations")
        appendViolations(to: &o.bytes, pieceSize: pieceSize, drain: drain)
        o.add("violations_omitted", violationsOmitted)
        if violationsOmitted > 0 { o.addRaw("violations_omitted_by", violationsOmittedBy.json(map)) }
        let format = AlertFormat(policy: policy)
        o.addRaw("host_findings", JSONObject.array(hostFindings.map { format.summaryJSON($0) }))
        o.add("host_findings_omitted", hostFindingsOmitted)
        if hostFindingsOmitted > 0 { o.addRaw("host_findings_omitted_by", hostFindingsOmittedBy.json) }
        o.addRaw("tunnels_breaking_policy", JSONObject.array(tunnelsBreakingPolicy.map(\.json)))
        if tunnelsBreakingPolicyNotListed > 0 {
            o.add("tunnels_breaking_policy_not_listed", tunnelsBreakingPolicyNotListed)
        }
        o.key("declarations")
        appendDeclarations(to: &o.bytes, pieceSize: pieceSize, drain: drain)
        o.addRaw(
            "files",
            JSONObject.array(
                files.map { f in
                    var x = JSONObject()
                    x.add("path", f.path)
                    x.add("link_type", f.linkType)
                    x.add("packets", f.packets)
                    x.add("first_packet", f.firstPacketMicros.map(Timestamp.rfc3339))
                    x.add("last_packet", f.lastPacketMicros.map(Timestamp.rfc3339))
                    x.add("error", f.error)
                    x.add("skipped", f.skipped)
                    x.add("note", f.note)
                    if let d = f.recordedDrops {
                        x.add("dropped", d.total)
                        // Only for a file that records some interfaces' drops and not others': then a lower bound.
                        if d.interfacesNotRecording > 0 {
                            x.add("dropped_unknown_interfaces", d.interfacesNotRecording)
                        }
                    }
                    // Only when there are some: a file without a hole reads as before.
                    if !f.gaps.isEmpty {
                        x.addRaw(
                            "gaps",
                            JSONObject.array(
                                f.gaps.map {
                                    var g = JSONObject()
                                    g.add("from", Timestamp.rfc3339($0.fromMicros))
                                    g.add("to", Timestamp.rfc3339($0.toMicros))
                                    return g.json
                                }))
                    }
                    if f.gapsNotListed > 0 { x.add("gaps_not_listed", f.gapsNotListed) }
                    if let c = f.capture { c.add(to: &x) }
                    return x.json
                }))
        o.bytes.append(UInt8(ascii: "}"))
    }

    /// The `violations` array, written straight into bytes: a scan leaves tens of thousands of entries.
    func violationsJSON() -> String {
        var out: [UInt8] = []
        appendViolations(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the `violations` array to `out`. `drain` takes what `out` holds (leaving it empty) before an
    /// entry after the first once `pieceSize` bytes wait there: `out` never ends empty, for the keys after it.
    func appendViolations(
        to out: inout [UInt8], pieceSize: Int = .max, drain: (inout [UInt8]) -> Void = { _ in }
    ) {
        let format = AlertFormat(policy: policy)
        if pieceSize == .max { out.reserveCapacity(out.count + 64 + violations.count * 400) }
        out.append(UInt8(ascii: "["))
        // All of them through one record writer, like the alert each repeats: a scan lists thousands, and a
        // writer a violation cost a copy of its buffer into `out` each. Each violation is read where it lies
        // (`for v in` copied each, with a retain of every string and array it holds).
        let texts = format.texts
        var clock = TimestampCache()
        violations.withUnsafeBufferPointer { list in
            // `vlanList(of:)` reads only an alert's VLAN fields: each violation's are put into this local
            // alert, which the writer cannot reach, where handing over the violation's own (read through a
            // pointer) copied it whole.
            guard var vlans = list.first?.alert else { return }
            RecordWriter.writing(into: &out, clock: &clock) { w in
                for i in list.indices {
                    if i > 0 && w.waiting >= pieceSize { w.drain(drain) }
                    if i == 0 { w.literal("{\"flow_id\":") } else { w.literal(",{\"flow_id\":") }
                    ReplaySummary.write(list.baseAddress! + i, texts: texts, vlans: &vlans, to: &w)
                }
            }
        }
        out.append(UInt8(ascii: "]"))
    }

    /// One entry of `violations` after its `flow_id` key.
    private static func write(
        _ v: UnsafePointer<Violation>, texts: ZoneTexts, vlans: inout Alert, to w: inout RecordWriter
    ) {
        if let d = v.pointee.flowID {
            d.withUnsafeBytes { w.communityID($0) }
        } else {
            CommunityID.withDigest(of: v.pointee.alert) { w.communityID($0) }
        }
        w.literal(",\"rule\":")
        ZoneTexts.writeName(texts.ruleNames, v.pointee.alert.rule.rawValue, v.pointee.alert.rule.name, to: &w)
        w.fiveTuple(
            proto: v.pointee.alert.proto, src: v.pointee.alert.srcIP, srcPort: v.pointee.alert.srcPort,
            dest: v.pointee.alert.destIP, destPort: v.pointee.alert.destPort, mappedIPv6: v.pointee.alert.mappedIPv6)
        // The alert's initiator method and VLANs: a flow folded by suppression has no alert record, and
        // `zonesep report` reads them from here.
        w.literal(",\"initiator\":")
        ZoneTexts.writeName(
            texts.initiatorNames, v.pointee.alert.initiator.rawValue, v.pointee.alert.initiator.name, to: &w)
        vlans.vlanIDs = v.pointee.alert.vlanIDs
        vlans.vlanCount = v.pointee.alert.vlanCount
        vlans.vlanOuter = v.pointee.alert.vlanOuter
        vlans.vlanInner = v.pointee.alert.vlanInner
        w.vlanList(of: vlans)
        w.literal(",\"first_seen\":")
        w.timestamp(v.pointee.firstSeenMicros)
        w.literal(",\"last_seen\":")
        w.timestamp(v.pointee.lastSeenMicros)
        w.literal(",\"packets\":")
        w.integer(v.pointee.packets)
        w.literal(",\"bytes\":")
        w.integer(v.pointee.bytes)
        w.literal(",\"end\":")
        ZoneTexts.writeName(texts.endReasonNames, v.pointee.end.rawValue, v.pointee.end.name, to: &w)
        if let file = v.pointee.evidenceFile {
            w.literal(",\"evidence\":{\"path\":")
            w.jsonString(file)
            w.literal(",\"sha256\":")
            if let sha = v.pointee.evidenceSHA256 { w.jsonString(sha) } else { w.literal("null") }
            if v.pointee.evidenceLeftOut > 0 {
                w.literal(",\"left_out\":")
                w.integer(v.pointee.evidenceLeftOut)
            }
            if let why = v.pointee.evidenceError {
                // This run's file was not kept and the earlier run's of that name is there: said so.
                w.literal(",\"error\":")
                w.jsonString(why)
            }
            w.byte(UInt8(ascii: "}"))
        } else if let why = v.pointee.evidenceError {
            // The flow's evidence was lost, not left unasked: the report must say so.
            w.literal(",\"evidence\":{\"path\":null,\"sha256\":null,\"error\":")
            w.jsonString(why)
            w.byte(UInt8(ascii: "}"))
        }
        w.byte(UInt8(ascii: "}"))
    }

    /// The `declarations` array, written straight into bytes: a prefecture's policy declares ten thousand
    /// exceptions, and an object and a string for each cost more than the rest of the summary. The bytes
    /// are those `declarationJSON` writes for each, joined by commas.
    func declarationsJSON() -> String {
        var out: [UInt8] = []
        appendDeclarations(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the `declarations` array to `out`, in place, handing what waits to `drain` between two
    /// entries once `pieceSize` bytes do (as `appendViolations`): ten thousand exceptions' entries are
    /// megabytes, which went out of one buffer in fresh pages. Written through a stage (`StagedJSON`):
    /// appended piece by piece, twenty pieces a declaration cost more than the bytes.
    func appendDeclarations(
        to out: inout [UInt8], pieceSize: Int = .max, drain: (inout [UInt8]) -> Void = { _ in }
    ) {
        if pieceSize == .max { out.reserveCapacity(out.count + 16 + declarations.count * 240) }
        StagedJSON.appending(to: &out) { writeDeclarations(into: &$0, pieceSize: pieceSize, drain: drain) }
    }

    private func writeDeclarations(into j: inout StagedJSON, pieceSize: Int, drain: (inout [UInt8]) -> Void) {
        let last = exceptionsAsOfMicros
        j.raw("[")
        for i in declarations.indices {
            if i > 0 && j.waiting >= pieceSize { j.drain(drain) }
            let d = declarations[i]
            j.raw(i == 0 ? "{\"type\":" : ",{\"type\":")
            j.string(d.kind.name)
            j.raw(",\"name\":")
            j.string(d.name)
            j.raw(",\"flows\":")
            j.integer(d.flows)
            j.raw(",\"packets\":")
            j.integer(d.packets)
            j.raw(",\"bytes\":")
            j.integer(d.bytes)
            j.raw(",\"first_seen\":")
            j.optionalTimestamp(d.firstSeenMicros)
            j.raw(",\"last_seen\":")
            j.optionalTimestamp(d.lastSeenMicros)
            j.raw(",\"unused\":")
            j.bool(d.unused)
            if d.tunnelFlows > 0 {
                j.raw(",\"tunnel_flows\":")
                j.integer(d.tunnelFlows)
            }
            if d.kind == .conduit {
                j.raw(",\"mac_not_verified\":")
                j.integer(d.macNotVerified)
            }
            if d.kind == .exception {
                j.raw(",\"expires\":")
                j.optionalTimestamp(d.expiresAtMicros)
                if d.expiryUnjudged(at: last) {
                    j.raw(",\"expiring\":null,\"expired\":null")
                } else {
                    j.raw(",\"expiring\":")
                    j.bool(d.expiring(at: last))
                    j.raw(",\"expired\":")
                    j.bool(d.expired(at: last))
                }
                j.raw(",\"flows_after_expiry\":")
                j.integer(d.flowsAfterExpiry)
            }
            j.raw("}")
        }
        j.raw("]")
    }

    /// One entry of `declarations`: an exception also has `expires`, `expiring`, `expired` and
    /// `flows_after_expiry`.
    func declarationJSON(_ d: DeclarationUse) -> String { Self.declarationJSON(d, asOf: exceptionsAsOfMicros) }

    /// `declarationJSON(_:)` with exceptions `expiring` and `expired` as of `last` (collect's summary has no
    /// `ReplaySummary`: its own latest record time).
    public static func declarationJSON(_ d: DeclarationUse, asOf last: Int64?) -> String {
        var x = JSONObject()
        x.add("type", d.kind.name)
        x.add("name", d.name)
        x.add("flows", d.flows)
        x.add("packets", d.packets)
        x.add("bytes", d.bytes)
        x.add("first_seen", d.firstSeenMicros.map(Timestamp.rfc3339))
        x.add("last_seen", d.lastSeenMicros.map(Timestamp.rfc3339))
        x.add("unused", d.unused)
        if d.tunnelFlows > 0 { x.add("tunnel_flows", d.tunnelFlows) }
        if d.kind == .conduit { x.add("mac_not_verified", d.macNotVerified) }
        if d.kind == .exception {
            x.add("expires", d.expiresAtMicros.map(Timestamp.rfc3339))
            if d.expiryUnjudged(at: last) {
                x.addRaw("expiring", "null")
                x.addRaw("expired", "null")
            } else {
                x.add("expiring", d.expiring(at: last))
                x.add("expired", d.expired(at: last))
            }
            x.add("flows_after_expiry", d.flowsAfterExpiry)
        }
        return x.json
    }

    /// The instant exceptions are `expired` or `expiring` at, written as the summary's `timestamp`: the last
    /// packet read, which a lone packet stamped far ahead among the others does not move. The audit report
    /// reads the same instant back (`AuditReport.asOfMicros`), so the two never disagree on an exception.
    public var exceptionsAsOfMicros: Int64? { counters.lastPacketMicros }

    /// The earliest and latest packet time of the files, as `files[]` and the audit report give the capture's
    /// span: the first and last records read run backwards for a file out of time order. The run's own first
    /// and last packet where no file gives a time.
    var captureSpan: (Int64, Int64)? {
        if let a = files.compactMap(\.firstPacketMicros).min(), let b = files.compactMap(\.lastPacketMicros).max() {
            return (a, b)
        }
        guard let a = counters.firstPacketMicros, let b = counters.lastPacketMicros else { return nil }
        return (min(a, b), max(a, b))
    }

    /// The declarations as text rows: type, name, flows, packets, bytes, last use, and a note for review.
    /// `unit` names what the run reads ("packet", "record"): an exception's expiry with none read is not judged.
    public static func declarationRows(_ ds: [DeclarationUse], lastPacket: Int64?, unit: String = "packet")
        -> [[String]]
    {
        ds.map { d in
            var notes: [String] = []
            if d.unused { notes.append("unused") }
            if d.expiryUnjudged(at: lastPacket) { notes.append("expiry not judged (no \(unit) time)") }
            if d.expiring(at: lastPacket) { notes.append("expiring") }
            if d.expired(at: lastPacket) { notes.append("expired") }
            if d.flowsAfterExpiry > 0 { notes.append("\(d.flowsAfterExpiry) flows after expiry") }
            if d.macNotVerified > 0 { notes.append("MAC not verified: \(d.macNotVerified)") }
            if d.tunnelFlows > 0 {
                notes.append("allowed tunnel ends (\(d.tunnelFlows) \(d.tunnelFlows == 1 ? "flow" : "flows") inside)")
            }
            return [
                d.kind.name, d.name, "\(d.flows)", "\(d.packets)", "\(d.bytes)",
                d.lastSeenMicros.map(Timestamp.rfc3339) ?? "-", notes.joined(separator: ", "),
            ]
        }
    }

    /// The text summary's declarations table with its heading, replay's, watch's and collect's alike:
    /// exceptions `expired` or `expiring` as of `asOf`, the time of the last `unit` ("packet", "record") read.
    public static func declarationsText(_ ds: [DeclarationUse], asOf: Int64?, unit: String) -> String {
        "\nDeclarations (flows each allowed; unused and expiring ones to review)\n"
            + (ds.isEmpty
                ? "  none\n"
                : TextTable.render(
                    [["type", "name", "flows", "packets", "bytes", "last used", "review"]]
                        + declarationRows(ds, lastPacket: asOf, unit: unit),
                    header: true, rightAlign: [2, 3, 4]))
    }

    /// The summary as aligned tables for a terminal.
    public func text() -> String {
        let map = policy.zoneMap
        var out = "\nSummary (sensor \(VisibleText.escape(policy.config.sensor)))\n"
        if interrupted { out += "INTERRUPTED: stopped by a signal; the counts are of what was read until then\n" }
        for r in reloads { out += r.line(unit: "packet") + "\n" }
        var totals: [[String]] = [
            ["packets", "\(counters.packets)"], ["bytes", "\(counters.bytes)"],
            ["IP packets", "\(counters.ipPackets)"], ["non-IP packets", "\(counters.nonIPPackets)"],
            ["flows", "\(counters.flows)"], ["flows evicted (table full)", "\(flowsEvicted)"],
            ["violating flows", "\(counters.alerts)"], ["host findings", "\(counters.hostFindings)"],
        ]
        if tunnelAlerts > 0 { totals.append(["tunnel alerts (ends break the policy)", "\(tunnelAlerts)"]) }
        if counters.packetsAfterClose > 0 {
            totals.append(["TCP packets after close (no new flow)", "\(counters.packetsAfterClose)"])
        }
        if counters.tcpFlagsUnknown > 0 {
            totals.append(["TCP packets judged without flags (header cut)", "\(counters.tcpFlagsUnknown)"])
        }
        totals += PacketTimeReport.totals(counters)
        if counters.hostMACsEvicted > 0 {
            totals.append(["MACs evicted (host table full)", "\(counters.hostMACsEvicted)"])
        }
        if counters.hostAddressesDropped > 0 {
            totals.append(["addresses not kept (host table: per MAC)", "\(counters.hostAddressesDropped)"])
        }
        if counters.hostFindingsForgotten > 0 {
            totals.append(["host findings forgotten (may be raised again)", "\(counters.hostFindingsForgotten)"])
        }
        if alertsSuppressed > 0 { totals.append(["alerts folded (--suppress-window)", "\(alertsSuppressed)"]) }
        if alertsRateLimited > 0 { totals.append(["alerts over --max-alert-rate", "\(alertsRateLimited)"]) }
        totals += delivery?.textRows() ?? []
        if let (a, b) = captureSpan {
            totals.append(["first packet", Timestamp.rfc3339(a)])
            totals.append(["last packet", Timestamp.rfc3339(b)])
        }
        out += TextTable.render(totals, rightAlign: [1])
        out += "\n" + CoverageReport.textLine(counters)
        if let line = CoverageReport.hostRulesWarning(counters) { out += line + ".\n" }
        if let line = untaggedVLANFlows.warning(map, flows: counters.flows) { out += line + ".\n" }
        for f in files {
            if let line = CoverageReport.gapWarning(path: f.path, gaps: f.gaps, notListed: f.gapsNotListed) {
                out += line + ".\n"
            }
        }
        if let captureDrops { out += captureDrops.textLine }
        for f in files { if let line = f.capture?.textLine(path: f.path) { out += line } }
        if let line = ConduitMACReport.textLine(declarations) { out += line }
        if let line = PolicyBreakingTunnel.warning(tunnelsBreakingPolicy, notListed: tunnelsBreakingPolicyNotListed) {
            out += line + ".\n"
        }

        out += "\nViolating flows by rule\n"
        out += TextTable.render(
            [["rule", "severity", "flows"]]
                + RuleID.allCases.map { [$0.name, $0.severity.rawValue, "\(counters.count($0))"] },
            header: true, rightAlign: [2])

        out += "\nHost findings (devices in two tiers, hosts on another zone's VLAN)\n"
        out +=
            hostFindings.isEmpty
            ? "  none\n"
            : TextTable.render(
                [["rule", "severity", "MAC", "address", "zone", "vlan", "addresses seen"]]
                    + hostFindings.map { f in
                        [
                            f.rule.name, f.severity.rawValue, f.mac.description, f.address.ip.description,
                            VisibleText.escape(map.name(of: f.address.zone)),
                            f.address.vlans.map(String.init).joined(separator: "/"),
                            f.addresses.map { "\($0.ip) (\(VisibleText.escape(map.name(of: $0.zone))))" }
                                .joined(separator: ", "),
                        ]
                    }, header: true)

        let anomalies = DecodeAnomaly.allCases.filter { counters.count($0) > 0 }
        out += "\nDecode anomalies\n"
        out +=
            anomalies.isEmpty
            ? "  none\n"
            : TextTable.render(
                [["kind", "packets"]] + anomalies.map { [$0.name, "\(counters.count($0))"] }, header: true,
                rightAlign: [1])

        out += "\nZone matrix (packets by source → destination; flows by initiator → responder;"
        out += " restricted: the policy allows only declared paths)\n"
        let rows = cells().map { c in
            [
                map.name(of: c.from), map.name(of: c.to), "\(c.packets)", "\(c.bytes)", "\(c.flows)",
                policy.restricts(c.from, c.to) ? "restricted" : "",
            ]
        }
        out += TextTable.render(
            [["from", "to", "packets", "bytes", "flows", ""]] + rows, header: true, rightAlign: [2, 3, 4])

        out += Self.declarationsText(declarations, asOf: exceptionsAsOfMicros, unit: "packet")

        out += "\nFiles\n"
        out += TextTable.render(
            [["file", "link type", "packets", "dropped", "status"]]
                + files.map {
                    [
                        $0.path, $0.linkType ?? "-", "\($0.packets)", AuditReport.dropsCell(drops(of: $0)),
                        $0.error ?? $0.skipped.map { "skipped: " + $0 } ?? $0.capture?.status
                            ?? $0.note.map { "ok; " + $0 } ?? "ok",
                    ]
                },
            header: true, rightAlign: [2])
        return out
    }

    /// A file's drops as the report's files table gives them: what the file records, a live capture's own
    /// count, or unknown; nothing for a file not read as a capture.
    func drops(of f: FileResult) -> AuditReport.FileDrops {
        .of(
            skipped: f.skipped, linkType: f.linkType, live: captureDrops.map { !$0.recordedInFiles } ?? false,
            liveDropped: captureDrops?.total, dropped: f.recordedDrops?.total,
            unknownInterfaces: UInt64(f.recordedDrops?.interfacesNotRecording ?? 0))
    }
}
