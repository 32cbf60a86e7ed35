import ZonesepCore
import ZonesepFlowExport
import ZonesepOutput
import ZonesepRuntime

/// The periodic `stats` record of `collect`: the summary's counts as they stand, each exporter's among
/// them, so that an exporter that stops sending, loses datagrams (sequence gaps) or sends what cannot be
/// decoded shows while the collector runs, not only when it stops.
struct CollectStats {
    let table: ExportFlowTable
    let decoder: FlowExportDecoder
    let sensor: String
    let listen: [ListenAddress]
    var held = CollectSummary.HeldAlerts()
    var sockets: [ListenSocket] = []

    /// `timestamp` is the latest record time (null before the first record), like every other record;
    /// `wall_time` says when the record was written.
    func json(wallMicros: Int64, delivery: DeliverySummary?, sinks: [SinkCounts]) -> String {
        var o = JSONObject.daemonRecord(
            "stats", timestamp: table.records > 0 ? table.now : nil, sensor: sensor, wallMicros: wallMicros)
        o.add("input", "flow-export")
        o.addRaw("listen", JSONObject.array(listen.map { JSONObject.string($0.description) }))
        o.add("records", table.records)
        o.add("flows", table.flows)
        o.add("flows_active", table.activeFlows)
        o.add("flows_evicted", table.evictions)
        // Violating flows, as watch's `alerts` and zonesep_alerts_total count them: host findings apart.
        o.add("alerts", table.violations.values.reduce(0, +))
        // Of the alerts of both (`alerts` + `host_findings`, the summary's alerts.total), those not written as
        // records of their own: the summary's alerts.suppressed and alerts.rate_limited.
        o.add("alerts_suppressed", held.suppressed)
        o.add("alerts_rate_limited", held.rateLimited)
        o.add("conduit_mac_not_verified", table.conduitMACNotVerified)
        o.add("host_findings", table.hosts.findings)
        o.addRaw("records_not_judged", CollectSummary.skippedJSON(table.skipped))
        o.add("datagrams_rejected", decoder.rejectedDatagrams)
        o.addRaw("sockets", JSONObject.array(sockets.map(\.json)))
        let pending = decoder.heldSetsByExporter
        o.addRaw(
            "exporters",
            JSONObject.array(
                CollectSummary.exporters(decoder).map {
                    CollectSummary.json(
                        $0.0, $0.1, flows: table.flowsByExporter[$0.0] ?? 0, pending: pending[$0.0] ?? 0)
                }))
        if let d = delivery, !d.isEmpty { o.addRaw("delivery", d.json()) }
        if !sinks.isEmpty { o.addRaw("sinks", SinkCounts.json(sinks)) }
        return o.json
    }

    /// One line for stderr: the totals, and the exporters' losses added up (the JSON names each).
    func text() -> String {
        let exporters = CollectSummary.exporters(decoder).map(\.1)
        let failures = exporters.reduce(0) { $0 + $1.totalFailures }
        let gaps = exporters.reduce(0) { $0 + $1.sequenceGaps }
        let missedDatagrams = exporters.reduce(0) { $0 + $1.missedDatagrams }
        let missedRecords = exporters.reduce(0) { $0 + $1.missedRecords }
        let truncatedRecords = exporters.reduce(0) { $0 + $1.truncatedRecords }
        let sampling = exporters.filter { $0.samplingRate > 1 }
        let sampled =
            sampling.isEmpty
            ? ""
            : "; \(sampling.count) exporters sampling (up to 1 in \(sampling.map(\.samplingRate).max() ?? 1) "
                + "packets: flows with no sampled packet not verified)"
        return "stats collect: records \(table.records) flows \(table.flows) (active \(table.activeFlows), "
            + "evicted \(table.evictions)) alerts \(table.violations.values.reduce(0, +)) "
            + "host findings \(table.hosts.findings) "
            + "(of both: suppressed \(held.suppressed), rate-limited \(held.rateLimited)) "
            + "conduit MAC not verified \(table.conduitMACNotVerified); "
            + "\(exporters.count) exporters, \(exporters.reduce(0) { $0 + $1.datagrams }) datagrams "
            + "(duplicates \(exporters.reduce(0) { $0 + $1.duplicateDatagrams })), "
            + "decode failures \(failures), data sets waiting for a template \(decoder.heldSetCount), "
            + "sequence gaps \(gaps) (\(missedDatagrams) datagrams, "
            + "\(missedRecords) records lost), records in datagrams cut short \(truncatedRecords), "
            + "rejected \(decoder.rejectedDatagrams), "
            + "dropped by the kernel \(sockets.reduce(0) { $0 + $1.dropped })\(sampled)"
    }
}
