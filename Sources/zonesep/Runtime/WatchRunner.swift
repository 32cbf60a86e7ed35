import ZonesepCapture
import ZonesepCore
import ZonesepOutput
import ZonesepRuntime

#if canImport(Glibc)
    import Glibc
#endif

/// What `zonesep watch` was asked to do.
struct WatchSettings {
    var interface: String
    var configPath: String
    var capture = LiveCaptureOptions()
    var format: OutputFormat = .text
    /// `--syslog`, `--alerts`, suppression (one hour unless `--suppress-window` says otherwise), evidence.
    var delivery: DeliveryOptions?
    var evidence: EvidenceOptions?
    /// 0: no periodic stats (the closing one is still written).
    var statsIntervalSeconds = 60
    var workers = 1
    /// Each worker's flow table: a worker holds a subset of the flows, so it never evicts a flow that a
    /// replay with the same cap would keep (a share of the cap would evict a busy host pair's flows early).
    var maxFlows = 1 << 20
    /// `--metrics ADDR:PORT`: the Prometheus endpoint.
    var metrics: MetricsAddress?
    /// `--wait-for-interface`: an interface missing (or down) at start is waited for instead of an error.
    var waitForInterface = false

    /// A daemon feeding a SIEM folds repeats for an hour by default (replay, an audit, folds nothing).
    static let suppressWindow: Int64 = 3_600_000_000
}

/// The daemon's lifecycle: everything that can fail is opened first (zones.conf, the alerts file, every
/// capture handle), then the workers start and this thread waits for signals, wakes up to write stats,
/// swaps in a reloaded map, and at the end stops the workers, joins them and writes the summary.
final class WatchRunner {
    let settings: WatchSettings
    /// The outputs, shared by every worker.
    private var delivery: DeliveryPipeline?
    /// What the metrics endpoint shows, refreshed by the control loop once a second.
    private let registry = MetricsRegistry()
    private var reloads = WatchMetrics.Reloads(startedWallMicros: WallClock.nowMicros())
    /// The link types the interface was captured with, each change in order (none while it is not there).
    private var linkTypes: [String] = []
    /// Every reload, for the summary: an auditor must see which alerts came under which map.
    private var reloadLog: [ConfigReload] = []
    /// Reloads posted to the workers so far, and the number of each listed one (by its index in `reloadLog`),
    /// whose time comes from the workers at the end (`reloadTimes`).
    private var appliedReloads = 0
    private var reloadNumbers: [Int: Int] = [:]
    private var health: LossWarnings
    private var link = InterfaceState.up
    /// When the sensor was blind (interface gone, capture down, link down), for the summary's `files` entry.
    private var outages = OutageLog()
    /// Reopening lost captures: when to try next, and how long to wait after that if it fails.
    private var retryAt: Int64 = 0
    private var retryBackoff = WatchRunner.firstRetry
    /// What reopening cannot fix (permission, a filter, a link type zonesep does not decode): ends the run.
    private var captureFailure: PcapError?
    /// USR1, USR2 and ALRM already said to be ignored.
    private var ignoredSignals = DaemonSignals.IgnoredNotes()
    /// The exceptions still to expire while the sensor runs, said on stderr as packet time passes each.
    private var expiries: ExceptionExpiryNotices?

    static let firstRetry: Int64 = 500_000
    static let lastRetry: Int64 = 10_000_000

    init(_ settings: WatchSettings) {
        self.settings = settings
        health = LossWarnings(interface: settings.interface)
    }

    /// Runs until SIGTERM or SIGINT (status 0) or until the capture fails (status 2, after the summary);
    /// status 2 too when the summary reached no output (a full disk under stdout and the alerts file).
    func run() -> Int32 {
        guard
            let start = DaemonStart(
                configPath: settings.configPath, delivery: settings.delivery, evidence: settings.evidence,
                format: settings.format)
        else { return ExitStatus.usage }
        var policy = start.policy
        let control = start.control
        let delivery = start.delivery
        self.delivery = delivery
        expiries = ExceptionExpiryNotices(policy: policy, after: WallClock.nowMicros(), clock: "packet time")
        var captures: [PcapLive?]
        do {
            captures = try openCaptures(tunnelPorts: policy.config.tunnelPorts)
        } catch {
            Diagnostics.error("\(error.source): \(error.message)")
            return ExitStatus.usage
        }
        let dataLinkName = captures[0]?.dataLinkName ?? ""
        if !dataLinkName.isEmpty { linkTypes.append(dataLinkName) }
        if let first = captures[0], first.linkType == nil {
            Diagnostics.error(
                "\(settings.interface): link type \(first.dataLinkName) (\(first.dataLink)) is not supported")
            return ExitStatus.usage
        }
        var metrics: MetricsServer?
        if let address = settings.metrics {
            do {
                metrics = try MetricsServer(address: address, registry: registry)
            } catch {
                Diagnostics.error(error.description)
                return ExitStatus.usage
            }
        }
        // One host table for every worker: the kernel spreads frames by flow, so one device's frames reach
        // several workers, and each host finding must be raised once, as a replay raises it.
        let hostTable = HostTable()
        var workers: [CaptureWorker] = []
        for capture in captures {
            guard let wakeup = Wakeup() else {
                Diagnostics.error("cannot create a pipe: \(String(cString: strerror(errno)))")
                return ExitStatus.usage
            }
            let session = Session(
                policy: policy, maxFlows: settings.maxFlows,
                sinks: delivery.eventSinks(session: workers.count, live: true), hostTable: hostTable)
            let handOver = capture.flatMap { c in c.linkType.map { CaptureWorker.HandOver(capture: c, linkType: $0) } }
            workers.append(CaptureWorker(capture: handOver, session: session, wakeup: wakeup, control: control))
        }
        // The workers own the handles now: one that fails must close, or its fanout group outlives it.
        captures.removeAll()

        let filter = settings.capture.filter.map { ", filter \"\($0)\"" } ?? ""
        let linkName = dataLinkName.isEmpty ? ", not there yet," : " (\(dataLinkName))"
        Diagnostics.note(
            "watching \(settings.interface)\(linkName) with \(workers.count) worker(s)\(filter); "
                + "zones from \(settings.configPath); SIGHUP reloads it, SIGTERM or SIGINT stops")
        if let metrics {
            publishMetrics(workers.map { $0.snapshot() }, sensor: policy.config.sensor)
            guard metrics.start() else {
                Diagnostics.error("cannot start the metrics thread: \(String(cString: strerror(errno)))")
                return ExitStatus.usage
            }
            Diagnostics.note(
                "metrics at http://\(MetricsAddress(host: metrics.address.host, port: metrics.port))/metrics")
        }

        var threads: [JoinableThread] = []
        var failed = false
        for worker in workers {
            guard
                let thread = JoinableThread({
                    DaemonSignals.blockInCurrentThread()
                    worker.run()
                })
            else {
                Diagnostics.error("cannot start a capture thread: \(String(cString: strerror(errno)))")
                failed = true
                break
            }
            threads.append(thread)
        }
        if !failed { failed = wait(for: workers, control: control, policy: &policy) }

        for worker in workers { worker.requestStop() }
        for thread in threads { thread.join() }
        // The flows still open end first, so the closing stats and metrics count their flow records and
        // none of them as active.
        let parts = workers.map { $0.finish() }
        let last = workers.map { $0.snapshot() }
        checkHealth(last, now: Monotonic.nowMicros(), stopping: true)
        outages.finish(now: WallClock.nowMicros())
        writeStats(last, config: policy.config)
        publishMetrics(last, sensor: policy.config.sensor)
        metrics?.stop()
        if let e = captureFailure { Diagnostics.error("\(e.source): the capture failed: \(e.message)") }

        var file = ReplaySummary.FileResult(path: settings.interface)
        file.linkType = linkTypes.first ?? ""
        if linkTypes.count > 1 {
            file.note = "the link type changed during the run: " + linkTypes.joined(separator: ", then ")
        }
        file.error =
            captureFailure.map { "capture failed: \($0.message)" }
            ?? last.first(where: { !$0.capturing }).map { "capture down at the end: \($0.captureError ?? "unknown")" }
        file.capture = LiveCaptureRecord(
            outages: outages.listed, outagesNotListed: outages.notListed, blindMicros: outages.blindMicros,
            captureRestarts: last.map(\.captureRestarts).max() ?? 0)
        for p in parts {
            file.packets &+= p.counters.packets
            if let f = p.counters.firstPacketMicros { file.firstPacketMicros = min(file.firstPacketMicros ?? f, f) }
            if let l = p.counters.lastPacketMicros { file.lastPacketMicros = max(file.lastPacketMicros ?? l, l) }
        }
        var written = DeliveryPipeline.SummaryOutcome(stdout: true)
        if var summary = SummaryMerge.merge(parts, files: [file]) {
            // The closing stats record's kernel counts: what the capture lost before anything was judged.
            summary.captureDrops = WatchStats(interface: settings.interface, snapshots: last).totals.kernel.map {
                CaptureDrops(kernel: $0.dropped, interface: $0.interfaceDropped)
            }
            summary.reloads = reloadTimes(workers, ended: parts)
            summary.zonesepVersion = Zonesep.version
            summary.libpcapVersion = PcapFile.libraryVersion
            delivery.finish(into: &summary)
            written = delivery.writeSummary(
                summary.record(format: settings.format), json: summary.record(format: .json), alertsFileToo: true)
            if let warning = CoverageReport.warning(summary.counters) { Diagnostics.warning(warning) }
            if let warning = CoverageReport.tunnelWarning(summary.counters) { Diagnostics.warning(warning) }
            if let warning = CoverageReport.hostRulesWarning(summary.counters) { Diagnostics.warning(warning) }
            if let warning = PacketTimeReport.warning(summary.counters) { Diagnostics.warning(warning) }
            if let warning = ConduitMACReport.warning(summary.declarations) { Diagnostics.warning(warning) }
            if let warning = PolicyBreakingTunnel.warning(
                summary.tunnelsBreakingPolicy, notListed: summary.tunnelsBreakingPolicyNotListed)
            {
                Diagnostics.warning(warning)
            }
            if let warning = summary.captureDrops?.warning { Diagnostics.warning(warning) }
        }
        delivery.close()
        for line in delivery.closingLosses(summary: written) { Diagnostics.error(line) }
        // Status 0 says the summary was written: when it reached no output, its counts were said only above.
        return failed || captureFailure != nil || !written.reached ? ExitStatus.usage : ExitStatus.clean
    }

    /// One handle per worker; with several, each joins the same fanout group (id from the pid, so two
    /// sensors on one host do not share packets) and all but the first drop what they queued before it.
    /// With `--wait-for-interface`, an interface that is missing or down gives no handles: they are opened
    /// when it appears.
    private func openCaptures(tunnelPorts: TunnelPorts) throws(PcapError) -> [PcapLive?] {
        var captures: [PcapLive] = []
        do {
            for _ in 0..<settings.workers {
                captures.append(try PcapLive(interface: settings.interface, options: settings.capture))
            }
        } catch  where settings.waitForInterface && (error.kind == .noSuchInterface || error.kind == .interfaceDown) {
            let why = error.kind == .noSuchInterface ? "is not there" : "is down"
            Diagnostics.note("\(settings.interface) \(why); waiting for it (--wait-for-interface)")
            return Array(repeating: nil, count: settings.workers)
        }
        if captures.count > 1 {
            for (i, c) in captures.enumerated() {
                try c.joinFanout(group: Self.fanoutGroup, discardBacklog: i > 0, tunnelPorts: tunnelPorts)
            }
        }
        return captures
    }

    static var fanoutGroup: UInt16 { UInt16(truncatingIfNeeded: getpid()) }

    /// Keeps the link type of a capture opened while running (the interface came, or came back): the
    /// summary names the first, and says when another replaced it (a device of the same name, another type).
    private func noteLinkType(_ name: String) {
        guard linkTypes.last != name else { return }
        if let was = linkTypes.last {
            Diagnostics.warning("\(settings.interface): the link type is now \(name) (it was \(was))")
        }
        linkTypes.append(name)
    }

    /// Opens a capture for every worker that lost its own (or never had one), in worker order: when all
    /// lost theirs, as when the interface vanished, the fanout group is built again in the order it had,
    /// so each flow's packets go on to the worker that holds the flow. Retried with backoff (half a second
    /// doubling to ten) while the interface is missing or down; what reopening cannot fix ends the run.
    private func reopenCaptures(
        _ workers: [CaptureWorker], _ snapshots: [WorkerSnapshot], now: Int64, tunnelPorts: TunnelPorts
    ) {
        let waiting = snapshots.indices.filter { !snapshots[$0].capturing }
        guard !waiting.isEmpty else {
            retryBackoff = Self.firstRetry
            return
        }
        guard now >= retryAt else { return }
        let rebuilding = waiting.count == workers.count
        var opened: [(Int, CaptureWorker.HandOver)] = []
        do throws(PcapError) {
            for i in waiting {
                let capture = try PcapLive(interface: settings.interface, options: settings.capture)
                guard let type = capture.linkType else {
                    captureFailure = PcapError(
                        call: "pcap_datalink", source: settings.interface,
                        message: "the interface came back with link type \(capture.dataLinkName), "
                            + "which zonesep does not decode")
                    return
                }
                if workers.count > 1 {
                    // The first member of a new group keeps what it queued; every other one drops it.
                    try capture.joinFanout(
                        group: Self.fanoutGroup, discardBacklog: !(rebuilding && i == waiting[0]),
                        tunnelPorts: tunnelPorts)
                }
                opened.append((i, CaptureWorker.HandOver(capture: capture, linkType: type)))
            }
        } catch {
            if error.kind == .permissionDenied || error.kind == .filter {
                captureFailure = error
                return
            }
            retryAt = now + retryBackoff
            retryBackoff = min(retryBackoff * 2, Self.lastRetry)
            return
        }
        for (i, handOver) in opened {
            noteLinkType(handOver.capture.dataLinkName)
            workers[i].post(capture: handOver)
        }
        retryBackoff = Self.firstRetry
    }

    /// The control loop: true when it ended because a worker's capture failed, false on a stop signal.
    private func wait(for workers: [CaptureWorker], control: Wakeup, policy: inout Policy) -> Bool {
        var fds = [pollfd(fd: control.readDescriptor, events: Int16(POLLIN), revents: 0)]
        let interval = Int64(settings.statsIntervalSeconds) * 1_000_000
        var nextStats = interval > 0 ? Monotonic.nowMicros() + interval : Int64.max
        var portClock = PortClock(workers: workers.count)
        while true {
            let untilStats = (nextStats - Monotonic.nowMicros() + 999) / 1000
            _ = poll(&fds, 1, Int32(clamping: max(0, min(untilStats, 1000))))
            for request in DaemonSignals.requests(control.drain()) {
                switch request {
                case .reload:
                    reload(workers, policy: &policy)
                case .stop(let signal):
                    Diagnostics.note(
                        "\(signal == SIGINT ? "SIGINT" : "SIGTERM"): stopping; judging what was captured, then the summary"
                    )
                    return false
                case .ignored(let signal):
                    ignoredSignals.note(signal)
                }
            }
            let snapshots = workers.map { $0.snapshot() }
            if let latest = snapshots.compactMap(\.lastPacketMicros).max() {
                for line in expiries?.passed(latest) ?? [] { Diagnostics.note(line) }
            }
            // A worker whose host pairs fell quiet ends its idle and closed flows by the port's packet time.
            for (worker, advance) in zip(workers, portClock.tick(snapshots)) {
                if let advance { worker.post(advance: advance) }
            }
            let now = Monotonic.nowMicros()
            reopenCaptures(workers, snapshots, now: now, tunnelPorts: policy.config.tunnelPorts)
            if captureFailure != nil { return true }
            checkHealth(snapshots, now: now)
            publishMetrics(snapshots, sensor: policy.config.sensor)
            if now >= nextStats {
                writeStats(snapshots, config: policy.config)
                nextStats = max(nextStats + interval, now)
            }
        }
    }

    /// The listed reloads, each applied one stamped by `ReloadStamps` from what the workers took.
    private func reloadTimes(_ workers: [CaptureWorker], ended parts: [ReplaySummary]) -> [ConfigReload] {
        var out = reloadLog
        for (i, k) in reloadNumbers {
            out[i].timestampMicros = ReloadStamps.lastUnderEarlierMap(
                reload: k, switches: workers.map(\.policySwitches),
                lastPackets: parts.map(\.counters.lastPacketMicros))
        }
        return out
    }

    /// SIGHUP: a map that fails validation is refused (its errors are on stderr) and the running one stays;
    /// a good one goes to every worker, which swaps it in whole between two packets, keeping its flows.
    private func reload(_ workers: [CaptureWorker], policy: inout Policy) {
        let path = settings.configPath
        Diagnostics.note("SIGHUP: reloading \(path)")
        delivery?.reopenAlertFile()  // logrotate moved it away
        let before = policy.config.sourceSHA256
        let loaded = PolicyLoading.reload(
            path, counting: &reloads, refused: "reload refused, the running zone map is kept")
        // The latest packet time the workers published: the time of a refusal, and the reload record's.
        let at = workers.compactMap { $0.snapshot().lastPacketMicros }.max()
        guard let config = loaded.config else {
            let refused = ConfigReload(timestampMicros: at, applied: false, previousSHA256: before, sha256: nil)
            reloadLog.append(refused)
            tell(refused, sensor: policy.config.sensor, error: loaded.error, errors: loaded.errors)
            return
        }
        // Zones renamed or removed stay known by their old ids: what was judged under them keeps its names.
        let new = Policy(config.keepingRetiredZones(of: policy.config))
        for worker in workers { worker.post(policy: new, reload: appliedReloads) }
        policy = new
        let latest = workers.compactMap { $0.snapshot().lastPacketMicros }.max() ?? .min
        expiries = ExceptionExpiryNotices(policy: new, after: max(WallClock.nowMicros(), latest), clock: "packet time")
        // A file found unchanged (logrotate's SIGHUP) changed no verdict: not listed.
        if config.sourceSHA256 != before {
            reloadLog.append(
                ConfigReload(timestampMicros: nil, applied: true, previousSHA256: before, sha256: config.sourceSHA256))
            reloadNumbers[reloadLog.count - 1] = appliedReloads
            tell(
                ConfigReload(timestampMicros: at, applied: true, previousSHA256: before, sha256: config.sourceSHA256),
                sensor: config.sensor, error: nil, errors: 0)
        }
        appliedReloads += 1
        Diagnostics.note(
            "\(path): reloaded (\(config.zones.count) zones); flows already judged keep their verdict, new flows are "
                + "judged by it")
    }

    /// The `reload` record, to stdout, syslog and the alerts file: what the SIEM reads learns of it now.
    private func tell(_ reload: ConfigReload, sensor: String, error: String?, errors: Int) {
        let r = ReloadRecord(
            reload: reload, sensor: sensor, path: settings.configPath, wallMicros: WallClock.nowMicros(), error: error,
            errors: errors)
        delivery?.writeEvent(
            Record(
                kind: .notice, timestampMicros: reload.timestampMicros ?? 0, json: r.json(), text: r.text(),
                syslog: { r.syslog(formatter: $0) }))
    }

    /// Warnings for what is being lost (drops, link, capture, evictions), rate-limited by LossWarnings;
    /// `stopping`: what it held back is told now, so stderr does not end on a state that no longer holds.
    private func checkHealth(_ snapshots: [WorkerSnapshot], now: Int64, stopping: Bool = false) {
        link = InterfaceState.query(settings.interface)
        // Wall clock: the clock the kernel stamps live packets with, so the spans compare with packet times.
        outages.observe(
            OutageLog.kind(link: link, capturing: snapshots.filter(\.capturing).count, workers: snapshots.count),
            now: WallClock.nowMicros())
        let totals = WatchStats(interface: settings.interface, snapshots: snapshots, link: link).totals
        let sample = LossWarnings.Sample(
            now: now, kernelDropped: totals.kernel?.dropped ?? 0,
            interfaceDropped: totals.kernel?.interfaceDropped ?? 0,
            evicted: totals.flowsEvicted, flowCapacity: totals.flowCapacity, link: link,
            capturing: snapshots.filter(\.capturing).count, workers: snapshots.count,
            captureError: snapshots.lazy.compactMap(\.captureError).first)
        for warning in stopping ? health.finish(sample) : health.observe(sample) { Diagnostics.warning(warning) }
    }

    private func publishMetrics(_ snapshots: [WorkerSnapshot], sensor: String) {
        guard settings.metrics != nil else { return }
        registry.publish(
            WatchMetrics.families(
                interface: settings.interface, sensor: sensor, version: Zonesep.version, workers: snapshots,
                link: link, reloads: reloads, sinks: delivery?.sinkCounts() ?? []))
    }

    private func writeStats(_ snapshots: [WorkerSnapshot], config: PolicyConfig) {
        var stats = WatchStats(interface: settings.interface, snapshots: snapshots, link: link)
        stats.delivery = delivery?.current()
        stats.configSHA256 = config.sourceSHA256
        let json = stats.json(
            sensor: config.sensor, wallMicros: WallClock.nowMicros(), sinks: delivery?.sinkCounts() ?? [])
        let text = stats.text()
        delivery?.writeAside(
            Record(kind: .stats, timestampMicros: stats.totals.lastPacketMicros ?? 0, json: json, text: text))
    }
}
