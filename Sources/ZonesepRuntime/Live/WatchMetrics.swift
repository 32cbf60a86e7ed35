import ZonesepCapture
import ZonesepCore
import ZonesepOutput

/// The Prometheus metrics of `watch`, built by the control thread from the workers' published snapshots
/// (the same numbers as the stats record), so a scrape never reaches into a worker. Counters are labelled
/// by worker where a worker can fall behind or lose its capture on its own; alerts by rule and severity.
public enum WatchMetrics {
    /// SIGHUP reloads of zones.conf, for `zonesep_config_*`.
    public struct Reloads: Sendable {
        public var startedWallMicros: Int64
        public var attempts: UInt64 = 0
        public var failures: UInt64 = 0
        public var lastSucceeded = true
        public var lastWallMicros: Int64?

        public init(startedWallMicros: Int64) { self.startedWallMicros = startedWallMicros }
    }

    /// Everything the control thread knows once a second, as metric families.
    public static func families(
        interface: String, sensor: String, version: String, workers: [WorkerSnapshot], link: InterfaceState,
        reloads: Reloads, sinks: [SinkCounts]
    ) -> [MetricFamily] {
        typealias F = MetricFamily
        func perWorker(_ name: String, _ kind: F.Kind, _ help: String, _ value: (WorkerSnapshot) -> F.Value) -> F {
            var f = F(name, kind, help: help)
            for (i, w) in workers.enumerated() { f.add([.init("worker", String(i))], value(w)) }
            return f
        }
        var out: [F] = []
        out.append(
            F(
                "zonesep_info", .gauge, help: "The sensor: always 1, its labels name it.",
                samples: [
                    .init(
                        [.init("sensor", sensor), .init("interface", interface), .init("version", version)],
                        .count(1))
                ]))
        out.append(
            F(
                "zonesep_start_time_seconds", .gauge, help: "When the daemon started (Unix time).",
                value: .number(Double(reloads.startedWallMicros) / 1e6)))
        // Every frame captured, judged or not (ARP, a cut header): the summary's coverage says how many were judged.
        out.append(
            perWorker(
                "zonesep_packets_total", .counter,
                "Frames captured, judged or not (the summary's coverage says how many were judged)."
            ) { .count($0.packets) })
        out.append(
            perWorker("zonesep_bytes_total", .counter, "Bytes of the frames captured, judged or not (wire length).") {
                .count($0.bytes)
            })
        out.append(
            perWorker(
                "zonesep_kernel_received_packets_total", .counter,
                "Packets the kernel handed to the capture (pcap_stats ps_recv), over every handle the worker had."
            ) { .count($0.kernel?.received ?? 0) })
        out.append(
            perWorker(
                "zonesep_kernel_dropped_packets_total", .counter,
                "Packets the kernel dropped because the capture ring was full: the sensor fell behind."
            ) { .count($0.kernel?.dropped ?? 0) })
        out.append(
            perWorker(
                "zonesep_interface_dropped_packets_total", .counter,
                "Packets the interface or its driver dropped (pcap_stats ps_ifdrop)."
            ) { .count($0.kernel?.interfaceDropped ?? 0) })
        out.append(perWorker("zonesep_flows_total", .counter, "Flows started.") { .count($0.flows) })
        out.append(
            perWorker("zonesep_flows_active", .gauge, "Flows in the flow table now.") { .count(UInt64($0.flowsActive)) }
        )
        out.append(
            perWorker(
                "zonesep_flows_evicted_total", .counter,
                "Flows pushed out of a full flow table (each is judged again as new if seen again)."
            ) { .count($0.flowsEvicted) })
        out.append(
            perWorker(
                "zonesep_flow_table_capacity", .gauge,
                "Flows the worker's table holds at most (--max-flows, per worker)."
            ) {
                .count(UInt64($0.flowCapacity))
            })
        /// A counter of the workers' counts by flow rule (`RuleID.rawValue`), every rule with its severity.
        func byRule(_ name: String, help: String, _ counts: KeyPath<WorkerSnapshot, [UInt64]>) -> F {
            var family = F(name, .counter, help: help)
            for rule in RuleID.allCases {
                let i = Int(rule.rawValue)
                let n = workers.reduce(UInt64(0)) { $0 &+ (i < $1[keyPath: counts].count ? $1[keyPath: counts][i] : 0) }
                family.add([.init("rule", rule.name), .init("severity", rule.severity.rawValue)], .count(n))
            }
            return family
        }
        out.append(byRule("zonesep_alerts_total", help: "Violating flows found, by rule and severity.", \.alertsByRule))
        // Apart from zonesep_alerts_total: a dual-homed-host finding's severity depends on its zones.
        var hosts = F(
            "zonesep_host_findings_total", .counter,
            help: "Host rule findings (a device in two tiers, a host on another zone's VLAN), by rule.")
        for rule in HostRuleID.allCases {
            let i = Int(rule.rawValue)
            let n = workers.reduce(UInt64(0)) { $0 &+ (i < $1.hostFindingsByRule.count ? $1.hostFindingsByRule[i] : 0) }
            hosts.add([.init("rule", rule.name)], .count(n))
        }
        out.append(hosts)
        // Apart from zonesep_alerts_total too: these are of tunnels' outer flows, not of flows judged.
        out.append(
            byRule(
                "zonesep_tunnel_alerts_total",
                help: "Tunnels whose own ends break the policy, alerted once per worker that found them, by rule.",
                \.tunnelAlertsByRule))
        out.append(
            F(
                "zonesep_anomalies_total", .counter, help: "Malformed or truncated packets, counted and skipped.",
                value: .count(workers.reduce(0) { $0 &+ $1.anomalies })))
        out.append(
            perWorker(
                "zonesep_capture_up", .gauge,
                "1 while the worker's capture is open, 0 while it waits for the interface."
            ) {
                .count($0.capturing ? 1 : 0)
            })
        out.append(
            perWorker(
                "zonesep_capture_restarts_total", .counter,
                "Captures reopened after the interface vanished or went down."
            ) {
                .count($0.captureRestarts)
            })
        out.append(
            F(
                "zonesep_link_up", .gauge,
                help: "1 when the interface is up with a carrier, else 0 (see zonesep_link_state).",
                value: .count(link == .up ? 1 : 0)))
        out.append(
            F(
                "zonesep_link_state", .gauge, help: "The interface's state: 1 for the current one.",
                samples: [InterfaceState.up, .noCarrier, .down, .missing].map {
                    .init([.init("state", $0.rawValue)], .count($0 == link ? 1 : 0))
                }))
        if let last = workers.compactMap(\.lastPacketMicros).max() {
            out.append(
                F(
                    "zonesep_last_packet_timestamp_seconds", .gauge,
                    help: "Packet time of the latest packet judged (Unix time).", value: .number(Double(last) / 1e6)))
        }
        out += sinkFamilies(sinks)
        out += reloadFamilies(reloads)
        return out
    }

    /// Each output's records written, dropped and failed (`watch` and `collect`).
    public static func sinkFamilies(_ sinks: [SinkCounts]) -> [MetricFamily] {
        typealias F = MetricFamily
        var out: [F] = []
        for (name, help, value) in [
            (
                "written", "Records an output wrote (evidence: files closed whole, with their SHA-256).",
                \SinkCounts.written
            ),
            (
                "dropped",
                "Records an output dropped before it could write them (a full syslog queue; evidence: "
                    + "packets skipped for the byte budget).", \SinkCounts.dropped
            ),
            (
                "failed",
                "Records an output could not write (a write error, undelivered at the end; evidence: "
                    + "files closed incomplete, and alerts whose file could not be made).", \SinkCounts.failed
            ),
        ] {
            out.append(
                F(
                    "zonesep_sink_records_\(name)_total", .counter, help: help,
                    samples: sinks.map {
                        .init(
                            [.init("sink", $0.sink), .init("destination", $0.destination)], .count($0[keyPath: value]))
                    }))
        }
        return out
    }

    /// SIGHUP reloads of zones.conf (`watch` and `collect`).
    public static func reloadFamilies(_ reloads: Reloads) -> [MetricFamily] {
        typealias F = MetricFamily
        var out: [F] = []
        out.append(
            F(
                "zonesep_config_reloads_total", .counter, help: "Reloads of zones.conf asked for (SIGHUP).",
                value: .count(reloads.attempts)))
        out.append(
            F(
                "zonesep_config_reload_failures_total", .counter,
                help: "Reloads refused because zones.conf had errors (the running map was kept).",
                value: .count(reloads.failures)))
        out.append(
            F(
                "zonesep_config_last_reload_successful", .gauge,
                help: "1 when the last reload succeeded (or none was asked for), 0 when it was refused.",
                value: .count(reloads.lastSucceeded ? 1 : 0)))
        if let t = reloads.lastWallMicros {
            out.append(
                F(
                    "zonesep_config_last_reload_timestamp_seconds", .gauge, help: "When the last reload was asked for.",
                    value: .number(Double(t) / 1e6)))
        }
        return out
    }
}
