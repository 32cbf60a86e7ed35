import ZonesepCore
import ZonesepFlowExport
import ZonesepOutput
import ZonesepRuntime

/// The closing record of `collect`: flows, alerts by rule, records not judged by reason, and per exporter
/// what it sent and what could not be read; the host rules' findings as replay's summary lists them.
struct CollectSummary {
    let table: ExportFlowTable
    let decoder: FlowExportDecoder
    let sensor: String
    /// Alerts not written as records of their own: folded by `--suppress-window`, held back by
    /// `--max-alert-rate` (the rule counts still include them).
    var held = HeldAlerts()
    /// The listening sockets, with what the kernel dropped from each.
    var sockets: [ListenSocket] = []
    /// The policy in force, to name the findings' zones.
    let policy: Policy
    let hostFindings: HostFindingCollector
    /// Every declaration of the policy in force with what it allowed (`DeclarationAudit`), as replay's.
    var declarations: [DeclarationUse] = []
    /// zones.conf reloads (`SIGHUP`) in order, applied or refused; written only when there were some.
    var reloads: [ConfigReload] = []

    /// Alerts raised but not written on their own, so that the alerts a SIEM received can be reconciled
    /// with the violating flows counted.
    struct HeldAlerts {
        var suppressed: UInt64 = 0
        var rateLimited: UInt64 = 0

        init(suppressed: UInt64 = 0, rateLimited: UInt64 = 0) {
            self.suppressed = suppressed
            self.rateLimited = rateLimited
        }

        init(_ delivery: DeliveryPipeline) {
            suppressed = delivery.suppression?.suppressed ?? 0
            rateLimited = delivery.rateLimit?.limited ?? 0
        }
    }

    /// The `alerts` object, shaped as replay's: the total, the count by rule (every rule, 0 included, the
    /// host rules' among them, as replay's total counts their findings), and those not written on their own.
    static func alertsJSON(_ table: ExportFlowTable, _ held: HeldAlerts) -> String {
        var alerts = JSONObject()
        alerts.add("total", table.violations.values.reduce(0, +) + table.hosts.findings)
        var byRule = JSONObject()
        for rule in RuleID.allCases { byRule.add(rule.name, table.violations[rule] ?? 0) }
        for rule in HostRuleID.allCases { byRule.add(rule.name, table.hosts.count(rule)) }
        alerts.addRaw("by_rule", byRule.json)
        alerts.add("suppressed", held.suppressed)
        alerts.add("rate_limited", held.rateLimited)
        return alerts.json
    }

    var exporters: [(IPAddress, ExporterStats)] { Self.exporters(decoder) }

    /// Every exporter's counts, in address order.
    static func exporters(_ decoder: FlowExportDecoder) -> [(IPAddress, ExporterStats)] {
        decoder.stats.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// Records not judged on their own, by reason.
    static func skippedJSON(_ s: ExportFlowTable.Skipped) -> String {
        var o = JSONObject()
        o.add("icmp_errors", s.icmpErrors)
        o.add("icmp_type_unknown", s.icmpTypeUnknown)
        o.add("fragments", s.fragments)
        o.add("no_address", s.noAddress)
        o.add("no_ports", s.noPorts)
        return o.json
    }

    /// The instant exceptions are `expired` or `expiring` at: the latest record time; nil with no record.
    var exceptionsAsOf: Int64? { table.records > 0 ? table.now : nil }

    func json() -> String {
        var o = JSONObject()
        o.add("event_type", "summary")
        o.add("input", "flow-export")
        o.add("sensor", sensor)
        // Which build judged the records, as replay's and watch's summaries say (no libpcap reads exports).
        o.add("zonesep_version", Zonesep.version)
        if !reloads.isEmpty { o.addRaw("reloads", JSONObject.array(reloads.map(\.json))) }
        o.add("records", table.records)
        o.add("flows", table.flows)
        o.add("flows_evicted", table.evictions)
        o.addRaw("alerts", Self.alertsJSON(table, held))
        o.add("conduit_mac_not_verified", table.conduitMACNotVerified)
        o.addRaw(
            "declarations",
            JSONObject.array(declarations.map { ReplaySummary.declarationJSON($0, asOf: exceptionsAsOf) }))
        o.addRaw("records_not_judged", Self.skippedJSON(table.skipped))
        o.addRaw("host_table", Self.hostTableJSON(table.hosts))
        let format = AlertFormat(policy: policy)
        o.addRaw("host_findings", JSONObject.array(hostFindings.findings.map { format.summaryJSON($0) }))
        o.add("host_findings_omitted", hostFindings.omitted)
        o.add("datagrams_rejected", decoder.rejectedDatagrams)
        o.addRaw("sockets", JSONObject.array(sockets.map(\.json)))
        let pending = decoder.heldSetsByExporter
        o.addRaw(
            "exporters",
            JSONObject.array(
                exporters.map {
                    Self.json($0.0, $0.1, flows: table.flowsByExporter[$0.0] ?? 0, pending: pending[$0.0] ?? 0)
                }))
        return o.json
    }

    /// The host rules' table: how many records fed it (those with a source MAC; the others tell the host
    /// rules nothing), and what its bounds cost, as replay's `host_table`.
    static func hostTableJSON(_ h: ExportHosts) -> String {
        var o = JSONObject()
        o.add("records_with_mac", h.observations)
        o.add("macs_evicted", h.table.macsEvicted)
        o.add("addresses_dropped", h.table.addressesDropped)
        o.add("findings_forgotten", h.table.findingsForgotten)
        return o.json
    }

    /// One exporter's counts: what it sent, the flows whose first record it sent, the data sets waiting
    /// for their template now (`pending`), what could not be read.
    /// `n` records refused as `timestamp-out-of-range`, said at the end of a run (stderr and the text
    /// summary): an exporter stamping uptimes from the wall clock while reading an old capture (`softflowd
    /// -r`) sends nothing else, and the run judges none of it.
    static func refusedForTime(_ n: UInt64) -> String {
        "\(n == 1 ? "1 record" : "\(n) records") refused (timestamp-out-of-range): a time after the record's own "
            + "export, or outside the years 0000-9999; they were not judged"
    }

    static func json(_ address: IPAddress, _ s: ExporterStats, flows: UInt64, pending: Int) -> String {
        var e = JSONObject()
        e.add("exporter", address.description)
        e.add("datagrams", s.datagrams)
        e.add("records", s.records)
        e.add("records_without_ports", s.recordsWithoutPorts)
        e.add("flows", flows)
        e.add("templates", s.templates)
        e.add("templates_withdrawn", s.templatesWithdrawn)
        e.add("templates_expired", s.templatesExpired)
        e.add("templates_evicted", s.templatesEvicted)
        e.add("options_records", s.optionsRecords)
        e.add("sets_held", s.setsHeld)
        e.add("sets_released", s.setsReleased)
        e.add("sets_pending", pending)
        e.add("counter_samples", s.counterSamples)
        e.add("sampled_not_ip", s.sampledNotIP)
        e.add("sequence_gaps", s.sequenceGaps)
        e.add("missed_datagrams", s.missedDatagrams)
        e.add("missed_records", s.missedRecords)
        e.add("truncated_records", s.truncatedRecords)
        e.add("late_datagrams", s.lateDatagrams)
        e.add("duplicate_datagrams", s.duplicateDatagrams)
        e.add("sequence_resets", s.sequenceResets)
        e.add("sampling_rate", UInt64(s.samplingRate))
        e.add("sampled_records", s.sampledRecords)
        e.add("clock_offset_seconds", s.clockOffsetSeconds)
        e.add("datagrams_rejected", s.datagramsRejected)
        var f = JSONObject()
        for (name, count) in s.failures.nonZero { f.add(name, count) }
        e.addRaw("decode_failures", f.json)
        return e.json
    }

    func text() -> String {
        var lines = [
            "collected \(table.records) records into \(table.flows) flows, "
                + "\(table.violations.values.reduce(0, +)) violating"
        ]
        lines += reloads.map { $0.line(unit: "record") }
        for rule in RuleID.allCases where (table.violations[rule] ?? 0) > 0 {
            lines.append("  \(rule.name): \(table.violations[rule] ?? 0)")
        }
        if held.suppressed + held.rateLimited > 0 {
            lines.append(
                "alerts not written on their own: \(held.suppressed) folded by --suppress-window, "
                    + "\(held.rateLimited) over --max-alert-rate")
        }
        let hosts = table.hosts
        lines.append(
            "host findings: \(hosts.findings) (from \(hosts.observations) records with a source MAC; "
                + "records without one tell the host rules nothing)")
        for rule in HostRuleID.allCases where hosts.count(rule) > 0 {
            lines.append("  \(rule.name): \(hosts.count(rule))")
        }
        // Records in data sets whose template never came were never judged: a clean count above is not
        // a clean export unless this is 0.
        let undecoded = exporters.reduce(0) { $0 + $1.1.failures[.noTemplate] }
        if undecoded > 0 {
            lines.append(
                "\(undecoded == 1 ? "1 data set" : "\(undecoded) data sets") never decoded (no-template): "
                    + "the template never came, and the records in them were not judged")
        }
        // Records in datagrams cut on the way arrived in no usable form: not judged, and no sequence gap.
        let cut = exporters.reduce(0) { $0 + $1.1.truncatedRecords }
        if cut > 0 {
            lines.append(
                "\(cut == 1 ? "1 record" : "\(cut) records") lost in export datagrams that arrived cut short "
                    + "(truncated_records): they were not judged")
        }
        // A datagram sent twice was read once: its records are not judged (nor alerted) again.
        let duplicates = exporters.reduce(0) { $0 + $1.1.duplicateDatagrams }
        if duplicates > 0 {
            lines.append(
                "\(duplicates == 1 ? "1 datagram" : "\(duplicates) datagrams") received twice "
                    + "(duplicate_datagrams): read once, their records judged once")
        }
        let late = exporters.reduce(0) { $0 + $1.1.failures[.timestampOutOfRange] }
        if late > 0 { lines.append(Self.refusedForTime(late)) }
        if table.conduitMACNotVerified > 0 {
            lines.append(
                "MAC not verified: \(table.conduitMACNotVerified) flows allowed by conduits that name a MAC no record "
                    + "of the flow carried for that side (a device using the conduit's addresses from another MAC "
                    + "would not have been told apart)")
        }
        for socket in sockets where socket.dropped > 0 {
            lines.append(
                "\(socket.address.description): the kernel dropped \(socket.dropped) datagrams (the socket's receive buffer, "
                    + "\(socket.receiveBuffer) bytes, overflowed): their records were not judged")
        }
        let s = table.skipped
        if s.icmpErrors + s.icmpTypeUnknown + s.fragments + s.noAddress + s.noPorts > 0 {
            lines.append(
                "not judged on their own: \(s.icmpErrors) ICMP error records, "
                    + "\(s.icmpTypeUnknown) ICMP records of unknown type, \(s.fragments) fragment records, "
                    + "\(s.noAddress) without addresses, \(s.noPorts) without ports whose verdict depends on them")
        }
        for (address, e) in exporters {
            var line =
                "exporter \(address): \(e.datagrams) datagrams, \(e.records) records, "
                + "\(table.flowsByExporter[address] ?? 0) flows, \(e.templates) templates"
            if e.recordsWithoutPorts > 0 {
                line += ", \(e.recordsWithoutPorts) records without ports (a template with no port field)"
            }
            if e.sequenceGaps > 0 {
                line +=
                    ", \(e.sequenceGaps) sequence gaps (\(e.missedDatagrams) datagrams, \(e.missedRecords) records lost)"
            }
            if e.truncatedRecords > 0 {
                line += ", \(e.truncatedRecords) records lost in datagrams cut short"
            }
            if e.duplicateDatagrams > 0 {
                line += ", \(e.duplicateDatagrams) datagrams received twice (read once)"
            }
            if e.templatesEvicted > 0 {
                line += ", \(e.templatesEvicted) templates evicted (the template store was full)"
            }
            if e.datagramsRejected > 0 {
                line += ", \(e.datagramsRejected) datagrams rejected (the session table was full)"
            }
            if e.totalFailures > 0 {
                line += ", failures: " + e.failures.nonZero.map { "\($0.name) \($0.count)" }.joined(separator: ", ")
            }
            lines.append(line)
            if e.samplingRate > 1 {
                lines.append(
                    "  samples 1 in \(e.samplingRate) packets (\(e.sampledRecords) sampled records): "
                        + "flows with no sampled packet were not verified")
            }
            if let offset = e.clockOffsetSeconds, e.clockOffsetWarned {
                lines.append("  " + CollectRunner.clockNote(offsetSeconds: offset))
            }
        }
        // The same table as replay's text summary: what each declaration allowed, and flows after expiry.
        var declared = ReplaySummary.declarationsText(declarations, asOf: exceptionsAsOf, unit: "record")
        if declared.hasSuffix("\n") { declared.removeLast() }
        return lines.joined(separator: "\n") + "\n" + declared
    }
}
