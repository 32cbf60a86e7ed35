import ZonesepCore
import ZonesepFlowExport
import ZonesepOutput
import ZonesepRuntime

/// The Prometheus metrics of `collect`, built by its one thread from the decoder's and the flow table's
/// counts (the stats record's numbers) at most once a second and handed to the HTTP thread whole. The
/// export's own health is labelled by exporter: what each sent, what could not be decoded and why, and
/// how many of its datagrams never arrived.
enum CollectMetrics {
    static func families(
        sensor: String, version: String, table: ExportFlowTable, decoder: FlowExportDecoder,
        reloads: WatchMetrics.Reloads, sinks: [SinkCounts], held: CollectSummary.HeldAlerts = .init(),
        sockets: [ListenSocket] = []
    ) -> [MetricFamily] {
        typealias F = MetricFamily
        let exporters = CollectSummary.exporters(decoder)
        func perExporter(_ name: String, _ help: String, _ value: (IPAddress, ExporterStats) -> UInt64) -> F {
            F(
                name, .counter, help: help,
                samples: exporters.map { .init([.init("exporter", $0.0.description)], .count(value($0.0, $0.1))) })
        }
        var out: [F] = []
        out.append(
            F(
                "zonesep_info", .gauge, help: "The collector: always 1, its labels name it.",
                samples: [
                    .init(
                        [.init("sensor", sensor), .init("input", "flow-export"), .init("version", version)], .count(1))
                ]))
        out.append(
            F(
                "zonesep_start_time_seconds", .gauge, help: "When the collector started (Unix time).",
                value: .number(Double(reloads.startedWallMicros) / 1e6)))
        out.append(
            perExporter("zonesep_export_datagrams_total", "Export datagrams received from the exporter.") {
                $1.datagrams
            })
        out.append(
            perExporter("zonesep_export_records_total", "Flow records (sFlow: flow samples) decoded.") { $1.records })
        out.append(
            perExporter("zonesep_export_flows_total", "Flows whose first record the exporter sent.") { a, _ in
                table.flowsByExporter[a] ?? 0
            })
        out.append(
            perExporter("zonesep_export_templates_total", "Templates and options templates received (refreshes too).") {
                $1.templates
            })
        out.append(
            perExporter(
                "zonesep_export_records_without_ports_total",
                "TCP, UDP and SCTP records of a template without port fields (judged only where no port matters)."
            ) { $1.recordsWithoutPorts })
        out.append(
            perExporter("zonesep_export_templates_withdrawn_total", "Templates the exporter withdrew.") {
                $1.templatesWithdrawn
            })
        out.append(
            perExporter(
                "zonesep_export_templates_expired_total",
                "Templates expired because the exporter did not resend them within 30 minutes of its export time."
            ) { $1.templatesExpired })
        out.append(
            perExporter(
                "zonesep_export_options_records_total", "Options data records read (sampling, system init time)."
            ) { $1.optionsRecords })
        out.append(
            perExporter(
                "zonesep_export_sflow_stats_samples_total",
                "sFlow counter samples (interface statistics), ignored on purpose."
            ) { $1.counterSamples })
        out.append(
            perExporter(
                "zonesep_export_sampled_not_ip_total", "sFlow flow samples of a frame with no IP in it (not judged)."
            ) { $1.sampledNotIP })
        out.append(
            perExporter(
                "zonesep_export_session_rejected_datagrams_total",
                "The exporter's datagrams dropped because they began a session while the session table was full."
            ) { $1.datagramsRejected })
        out.append(
            perExporter(
                "zonesep_export_templates_evicted_total",
                "Templates evicted, least recently used first, because the template store was full."
            ) { $1.templatesEvicted })
        out.append(
            perExporter(
                "zonesep_export_sets_held_total",
                "Data sets held because their template had not arrived (each is later released or counted as no-template)."
            ) { $1.setsHeld })
        out.append(
            perExporter(
                "zonesep_export_sets_released_total", "Held data sets decoded once their template arrived."
            ) { $1.setsReleased })
        let pending = decoder.heldSetsByExporter
        out.append(
            F(
                "zonesep_export_sets_pending", .gauge,
                help: "Data sets waiting for their template now (counted as no-template if it never comes).",
                samples: exporters.map {
                    .init([.init("exporter", $0.0.description)], .count(UInt64(pending[$0.0] ?? 0)))
                }))
        var failures = F(
            "zonesep_export_decode_failures_total", .counter,
            help: "Datagrams, sets or records that could not be decoded, by reason (never fatal).")
        for (address, s) in exporters {
            for reason in FlowExportFailure.allCases {
                failures.add(
                    [.init("exporter", address.description), .init("reason", reason.name)], .count(s.failures[reason]))
            }
        }
        out.append(failures)
        out.append(
            perExporter(
                "zonesep_export_sequence_gaps_total",
                "Times the exporter's sequence number jumped ahead: export datagrams lost on the way."
            ) { $1.sequenceGaps })
        out.append(
            perExporter(
                "zonesep_export_missed_datagrams_total",
                "Datagrams the gaps add up to (NetFlow v9 and sFlow, whose sequence counts datagrams)."
            ) {
                $1.missedDatagrams
            })
        out.append(
            perExporter(
                "zonesep_export_missed_records_total",
                "Records the gaps add up to (IPFIX and NetFlow v5, whose sequence counts records)."
            ) {
                $1.missedRecords
            })
        out.append(
            perExporter(
                "zonesep_export_truncated_records_total",
                "Records sent in datagrams that arrived cut short, past the cut: not judged, and no sequence gap."
            ) {
                $1.truncatedRecords
            })
        out.append(
            perExporter(
                "zonesep_export_late_datagrams_total",
                "Datagrams that arrived after a later one (reordered): what they carried is not counted as missed."
            ) {
                $1.lateDatagrams
            })
        out.append(
            perExporter(
                "zonesep_export_duplicate_datagrams_total",
                "Datagrams received twice (the sequence number and bytes of one accepted): read once, not judged again."
            ) {
                $1.duplicateDatagrams
            })
        out.append(
            perExporter(
                "zonesep_export_sequence_resets_total",
                "Sequence numbers that went far backwards (a restarted exporter): not counted as loss."
            ) {
                $1.sequenceResets
            })
        out.append(
            F(
                "zonesep_export_sampling_rate", .gauge,
                help: "The largest 1-in-N packet sampling the exporter reported (1: every packet metered); "
                    + "flows with no sampled packet are not verified.",
                samples: exporters.map {
                    .init([.init("exporter", $0.0.description)], .count(UInt64($0.1.samplingRate)))
                }))
        out.append(
            F(
                "zonesep_export_clock_offset_seconds", .gauge,
                help: "The exporter's latest export time minus the datagram's arrival, in whole seconds (absent "
                    + "for sFlow, which carries none): record times, and so verdicts, follow the exporter's clock.",
                samples: exporters.compactMap { e in
                    e.1.clockOffsetSeconds.map { .init([.init("exporter", e.0.description)], .number(Double($0))) }
                }))
        out.append(
            perExporter(
                "zonesep_export_sampled_records_total", "Records of packets sampled 1 in N with N > 1."
            ) { $1.sampledRecords })
        out.append(
            F(
                "zonesep_export_socket_dropped_datagrams_total", .counter,
                help: "Datagrams the kernel dropped because the listening socket's receive buffer was full.",
                samples: sockets.filter(\.countsDrops).map {
                    .init([.init("listen", $0.address.description)], .count($0.dropped))
                }))
        out.append(
            F(
                "zonesep_export_socket_receive_buffer_bytes", .gauge,
                help: "The receive buffer the kernel granted the listening socket (net.core.rmem_max caps it).",
                samples: sockets.map {
                    .init([.init("listen", $0.address.description)], .count(UInt64($0.receiveBuffer)))
                }))
        out.append(
            F(
                "zonesep_export_datagrams_rejected_total", .counter,
                help: "Datagrams dropped because the exporter or session tables were full.",
                value: .count(decoder.rejectedDatagrams)))
        let s = table.skipped
        out.append(
            F(
                "zonesep_records_not_judged_total", .counter,
                help: "Records not judged on their own, by reason.",
                samples: [
                    ("icmp-error", s.icmpErrors), ("icmp-type-unknown", s.icmpTypeUnknown),
                    ("fragment", s.fragments), ("no-address", s.noAddress), ("no-ports", s.noPorts),
                ].map { .init([.init("reason", $0.0)], .count($0.1)) }))
        out.append(F("zonesep_flows_total", .counter, help: "Flows started.", value: .count(table.flows)))
        out.append(
            F(
                "zonesep_flows_active", .gauge, help: "Flows in the flow table now.",
                value: .count(UInt64(table.activeFlows))))
        out.append(
            F(
                "zonesep_flows_evicted_total", .counter,
                help: "Flows pushed out of a full flow table (each is judged again as new if seen again).",
                value: .count(table.evictions)))
        out.append(
            F(
                "zonesep_flow_table_capacity", .gauge, help: "Flows the table holds at most (--max-flows).",
                value: .count(UInt64(table.capacity))))
        var alerts = F("zonesep_alerts_total", .counter, help: "Violating flows found, by rule and severity.")
        for rule in RuleID.allCases {
            alerts.add(
                [.init("rule", rule.name), .init("severity", rule.severity.rawValue)],
                .count(table.violations[rule] ?? 0))
        }
        out.append(alerts)
        out.append(
            F(
                "zonesep_conduit_mac_not_verified_total", .counter,
                help: "Flows that ended allowed by a conduit whose MAC was in no record of the flow (not verified).",
                value: .count(table.conduitMACNotVerified)))
        out.append(
            F(
                "zonesep_alerts_suppressed_total", .counter,
                help:
                    "Alerts folded into an earlier one's window by --suppress-window "
                    + "(counted in zonesep_alerts_total or zonesep_host_findings_total).",
                value: .count(held.suppressed)))
        out.append(
            F(
                "zonesep_alerts_rate_limited_total", .counter,
                help:
                    "Alerts not written because of --max-alert-rate "
                    + "(counted in zonesep_alerts_total or zonesep_host_findings_total).",
                value: .count(held.rateLimited)))
        // As watch's: apart from zonesep_alerts_total, a dual-homed-host finding's severity depends on its zones.
        var hosts = F(
            "zonesep_host_findings_total", .counter,
            help: "Host rule findings (a device in two tiers, a host on another zone's VLAN), by rule.")
        for rule in HostRuleID.allCases { hosts.add([.init("rule", rule.name)], .count(table.hosts.count(rule))) }
        out.append(hosts)
        if table.records > 0 {
            out.append(
                F(
                    "zonesep_last_record_timestamp_seconds", .gauge,
                    help: "Record time of the latest flow record judged (Unix time).",
                    value: .number(Double(table.now) / 1e6)))
        }
        out += WatchMetrics.sinkFamilies(sinks)
        out += WatchMetrics.reloadFamilies(reloads)
        return out
    }
}
