import ZonesepCapture
import ZonesepCore
import ZonesepOutput

/// The periodic `stats` record of a live session: the workers' counts added up, with the kernel's
/// received and dropped counts, so an operator sees when the sensor is losing packets.
public struct WatchStats: Sendable {
    public var interface: String
    public var workers: Int
    public var totals = WorkerSnapshot()
    /// Packets per worker: a fanout that leaves one worker idle, or overloads one, shows here.
    public var workerPackets: [UInt64]
    /// The delivery counts so far (syslog, alerts file, evidence, suppression), when delivery is on.
    public var delivery: DeliverySummary?
    /// Each worker's capture: `up`, or `down` while it waits for the interface.
    public var workerCapture: [String]
    /// The interface as the kernel's flags show it (`up`, `no-carrier`, `down`, `missing`).
    public var link: InterfaceState
    /// The SHA-256 of the zones.conf in force (after a reload, the new one's): what the SIEM can compare
    /// with the file it expects, without waiting for the summary.
    public var configSHA256: String?

    public init(interface: String, snapshots: [WorkerSnapshot], link: InterfaceState = .up) {
        self.interface = interface
        self.link = link
        workers = snapshots.count
        workerPackets = snapshots.map(\.packets)
        workerCapture = snapshots.map { $0.capturing ? "up" : "down" }
        totals.capturing = snapshots.allSatisfy(\.capturing)
        totals.alertsByRule = [UInt64](repeating: 0, count: RuleID.allCases.count)
        totals.hostFindingsByRule = [UInt64](repeating: 0, count: HostRuleID.allCases.count)
        totals.tunnelAlertsByRule = [UInt64](repeating: 0, count: RuleID.allCases.count)
        for s in snapshots {
            totals.packets &+= s.packets
            totals.bytes &+= s.bytes
            totals.flows &+= s.flows
            totals.flowsActive += s.flowsActive
            totals.flowsEvicted &+= s.flowsEvicted
            totals.flowCapacity += s.flowCapacity
            totals.captureRestarts &+= s.captureRestarts
            if totals.captureError == nil { totals.captureError = s.captureError }
            for (i, n) in s.alertsByRule.enumerated() where i < totals.alertsByRule.count {
                totals.alertsByRule[i] &+= n
            }
            totals.alerts &+= s.alerts
            for (i, n) in s.hostFindingsByRule.enumerated() where i < totals.hostFindingsByRule.count {
                totals.hostFindingsByRule[i] &+= n
            }
            for (i, n) in s.tunnelAlertsByRule.enumerated() where i < totals.tunnelAlertsByRule.count {
                totals.tunnelAlertsByRule[i] &+= n
            }
            totals.anomalies &+= s.anomalies
            if let t = s.lastPacketMicros { totals.lastPacketMicros = max(totals.lastPacketMicros ?? t, t) }
            if let k = s.kernel { totals.kernel = (totals.kernel ?? KernelStats()) + k }
        }
    }

    /// `up` when every worker captures, `down` when none does, else `partial`.
    public var capture: String {
        let up = workerCapture.filter { $0 == "up" }.count
        return up == workers ? "up" : up == 0 ? "down" : "partial"
    }

    /// `timestamp` is the latest packet time (null before the first packet), like every other record;
    /// `wall_time` says when the record was written.
    ///
    /// `sinks`: each output's records written, dropped and failed so far.
    public func json(sensor: String, wallMicros: Int64, sinks: [SinkCounts] = []) -> String {
        var o = JSONObject.daemonRecord(
            "stats", timestamp: totals.lastPacketMicros, sensor: sensor, wallMicros: wallMicros)
        o.add("config_sha256", configSHA256)
        o.add("interface", interface)
        o.add("workers", workers)
        o.addRaw("worker_packets", JSONObject.array(workerPackets.map { String($0) }))
        o.add("packets", totals.packets)
        o.add("bytes", totals.bytes)
        o.add("flows", totals.flows)
        o.add("flows_active", totals.flowsActive)
        o.add("flows_evicted", totals.flowsEvicted)
        o.add("alerts", totals.alerts)
        o.add("host_findings", totals.hostFindingsByRule.reduce(0, &+))
        o.add("tunnel_alerts", totals.tunnelAlertsByRule.reduce(0, &+))
        o.add("anomalies", totals.anomalies)
        var k = JSONObject()
        k.add("received", totals.kernel?.received)
        k.add("dropped", totals.kernel?.dropped)
        k.add("if_dropped", totals.kernel?.interfaceDropped)
        o.addRaw("kernel", k.json)
        if let d = delivery, !d.isEmpty { o.addRaw("delivery", d.json()) }
        o.add("capture", capture)
        o.addRaw("worker_capture", JSONObject.array(workerCapture.map { "\"\($0)\"" }))
        o.add("capture_error", totals.capturing ? nil : totals.captureError)
        o.add("capture_restarts", totals.captureRestarts)
        o.add("link", link.rawValue)
        if !sinks.isEmpty { o.addRaw("sinks", SinkCounts.json(sinks)) }
        return o.json
    }

    /// One line for stderr. Its `alerts` counts every alert, as the summary's `alerts.total` does: violating
    /// flows, host findings and tunnels whose ends break the policy, each also given apart.
    public func text() -> String {
        let t = totals
        let hosts = t.hostFindingsByRule.reduce(0, &+)
        let tunnels = t.tunnelAlertsByRule.reduce(0, &+)
        let kernel =
            t.kernel.map { "kernel received \($0.received) dropped \($0.dropped) if_dropped \($0.interfaceDropped)" }
            ?? "kernel counts unavailable"
        let capture =
            self.capture == "up"
            ? "" : "; capture \(self.capture) (\(t.captureError ?? "unknown")), link \(link.rawValue)"
        return "stats \(interface): packets \(t.packets) bytes \(t.bytes) flows \(t.flows) "
            + "(active \(t.flowsActive), evicted \(t.flowsEvicted)) alerts \(t.alerts &+ hosts &+ tunnels) "
            + "(flows \(t.alerts), hosts \(hosts), tunnels \(tunnels)) anomalies \(t.anomalies); "
            + "\(kernel)\(capture)"
    }
}

/// The workers' summaries as one: what a single flow table would have reported.
public enum SummaryMerge {
    /// Every part must come from the same policy (workers take each reload before they finish), in the
    /// order of their sessions: each violation is marked with its part's index, its session.
    public static func merge(_ parts: [ReplaySummary], files: [ReplaySummary.FileResult]) -> ReplaySummary? {
        guard var total = parts.first else { return nil }
        total.files = files
        for (session, p) in parts.enumerated().dropFirst() {
            var c = total.counters
            c.packets &+= p.counters.packets
            c.bytes &+= p.counters.bytes
            c.ipPackets &+= p.counters.ipPackets
            c.nonIPPackets &+= p.counters.nonIPPackets
            c.flows &+= p.counters.flows
            c.packetsAfterClose &+= p.counters.packetsAfterClose
            for i in c.anomalies.indices { c.anomalies[i] &+= p.counters.anomalies[i] }
            for i in c.alertsByRule.indices { c.alertsByRule[i] &+= p.counters.alertsByRule[i] }
            // Host findings are counted by `mergeHostFindings`; the host table's evictions and dropped
            // addresses are the shared table's, the same in every part: not added.
            c.addCoverage(of: p.counters)
            c.firstPacketMicros = earliest(c.firstPacketMicros, p.counters.firstPacketMicros)
            if let l = p.counters.lastPacketMicros { c.lastPacketMicros = max(c.lastPacketMicros ?? l, l) }
            total.counters = c
            if p.matrix.side == total.matrix.side {
                for i in total.matrix.packets.indices {
                    total.matrix.packets[i] &+= p.matrix.packets[i]
                    total.matrix.bytes[i] &+= p.matrix.bytes[i]
                    total.matrix.flows[i] &+= p.matrix.flows[i]
                    total.matrix.untaggedFlows[i] &+= p.matrix.untaggedFlows[i]
                }
            }
            total.flowsActive += p.flowsActive
            total.flowsEvicted &+= p.flowsEvicted
            total.flowCapacity += p.flowCapacity
            total.violations += p.violations.map {
                var v = $0
                v.session = session
                return v
            }
            total.violationsOmitted &+= p.violationsOmitted
            total.tunnelAlerts &+= p.tunnelAlerts
            total.violationsOmittedBy.add(p.violationsOmittedBy)
            if p.declarations.count == total.declarations.count {
                for i in total.declarations.indices { total.declarations[i].add(p.declarations[i]) }
            }
        }
        if parts.count > 1 {
            // Flow serials are per worker: order by when each flow began instead.
            total.violations.sort {
                ($0.firstSeenMicros, $0.alert.flowSerial) < ($1.firstSeenMicros, $1.alert.flowSerial)
            }
            mergeHostFindings(parts, into: &total)
            (total.tunnelsBreakingPolicy, total.tunnelsBreakingPolicyNotListed) = PolicyBreakingTunnel.merge(
                parts.map { ($0.tunnelsBreakingPolicy, $0.tunnelsBreakingPolicyNotListed) })
        }
        return total
    }

    /// `watch`'s workers share one host table, so each finding comes from one worker; the same one (same
    /// rule and MAC, or rule, address and VLAN) in two parts (sessions with tables of their own) would still
    /// be one finding of the run, the earliest.
    static func mergeHostFindings(_ parts: [ReplaySummary], into total: inout ReplaySummary) {
        let all = parts.flatMap(\.hostFindings).enumerated().sorted {
            ($0.element.timestampMicros, $0.offset) < ($1.element.timestampMicros, $1.offset)
        }.map(\.element)
        var seen = Set<HostFindingKey>()
        total.hostFindings = all.filter { seen.insert($0.suppressionKey).inserted }
        total.hostFindingsOmitted = parts.reduce(0) { $0 &+ $1.hostFindingsOmitted }
        total.hostFindingsOmittedBy = parts.reduce(into: OmittedHostFindings()) { $0.add($1.hostFindingsOmittedBy) }
        var byRule = [UInt64](repeating: 0, count: HostRuleID.allCases.count)
        for f in total.hostFindings { byRule[Int(f.rule.rawValue)] &+= 1 }
        // Findings past a worker's list limit are counted as each worker counted them.
        for p in parts where p.hostFindingsOmitted > 0 {
            let listed = p.hostFindings.reduce(into: [UInt64](repeating: 0, count: byRule.count)) {
                $0[Int($1.rule.rawValue)] &+= 1
            }
            for i in byRule.indices where p.counters.hostFindingsByRule[i] > listed[i] {
                byRule[i] &+= p.counters.hostFindingsByRule[i] - listed[i]
            }
        }
        total.counters.hostFindingsByRule = byRule
    }

    private static func earliest(_ a: Int64?, _ b: Int64?) -> Int64? {
        switch (a, b) {
        case let (x?, y?): return min(x, y)
        default: return a ?? b
        }
    }
}
