import ZonesepCore
import ZonesepFlowExport
import ZonesepOutput
import ZonesepRuntime

#if canImport(Glibc)
    import Glibc
#endif

/// What `zonesep collect` was asked to do.
struct CollectSettings {
    var configPath: String
    var listen: [ListenAddress] = []
    var format: OutputFormat = .text
    var delivery: DeliveryOptions?
    var maxFlows = 1 << 20
    /// 0: no periodic stats (the closing one is still written).
    var statsIntervalSeconds = 60
    /// `--metrics ADDR:PORT`: the Prometheus endpoint.
    var metrics: MetricsAddress?
    /// `--buffer-size`: the receive buffer asked for each socket.
    var bufferSize = 8 << 20
}

/// The collector's lifecycle: zones.conf, the outputs and every UDP socket are opened first; then one
/// thread polls the sockets and the signal pipe, decodes each datagram, judges its records, writes a
/// stats record every `--stats-interval` and refreshes the metrics once a second, and at the end writes
/// a last stats record and the summary with each exporter's counts.
final class CollectRunner {
    let settings: CollectSettings
    /// What the metrics endpoint shows.
    private let registry = MetricsRegistry()
    private var reloads = WatchMetrics.Reloads(startedWallMicros: WallClock.nowMicros())
    /// Every reload, for the summary: which records were judged under which map.
    private var reloadLog: [ConfigReload] = []
    /// USR1, USR2 and ALRM already said to be ignored.
    private var ignoredSignals = DaemonSignals.IgnoredNotes()

    init(_ settings: CollectSettings) { self.settings = settings }

    func run() -> Int32 {
        guard
            let start = DaemonStart(
                configPath: settings.configPath, delivery: settings.delivery, format: settings.format,
                flowsMACCheck: .notInRecord)
        else { return ExitStatus.usage }
        var policy = start.policy
        let control = start.control
        let delivery = start.delivery
        var sockets: [ListenSocket] = []
        for l in settings.listen {
            switch ListenSocket.open(l, bufferSize: settings.bufferSize) {
            case .success(let s): sockets.append(s)
            case .failure(let message):
                Diagnostics.error("--listen \(l.description): \(message)")
                for s in sockets { close(s.fd) }
                return ExitStatus.usage
            }
        }
        defer { for s in sockets { close(s.fd) } }
        for s in sockets {
            if let w = s.shortBufferWarning { Diagnostics.warning(w) }
            if !s.countsDrops {
                Diagnostics.warning(
                    "--listen \(s.address.description): SO_RXQ_OVFL refused: "
                        + "datagrams the kernel drops are not counted")
            }
        }
        var dropsSaid = sockets.map(\.dropped)
        var metrics: MetricsServer?
        if let address = settings.metrics {
            do {
                metrics = try MetricsServer(address: address, registry: registry)
            } catch {
                Diagnostics.error(error.description)
                return ExitStatus.usage
            }
        }

        let alerts = CollectAlerts(head: delivery.head)
        let flows = delivery.flowFile.map(CollectFlows.init)
        // The host findings for the summary, as replay's and watch's.
        let hostFindings = HostFindingCollector()
        // What each declaration allowed, and the flows that ran past an exception's expiry, as replay's.
        let audit = DeclarationAudit(policy: policy)
        let table = ExportFlowTable(
            policy: policy, capacity: settings.maxFlows,
            sink: SinkFanout([alerts, hostFindings, audit] + (flows.map { [$0] } ?? [])))
        alerts.table = table
        flows?.table = table
        var decoder = FlowExportDecoder()
        // The exceptions still to expire while the collector runs, said on stderr as record time passes each.
        var expiries = ExceptionExpiryNotices(policy: policy, after: WallClock.nowMicros(), clock: "record time")
        Diagnostics.note(
            "collecting flow exports on \(settings.listen.map(\.description).joined(separator: ", ")); "
                + "zones from \(settings.configPath); SIGHUP reloads it, SIGTERM or SIGINT stops")
        if let metrics {
            publishMetrics(table, decoder, delivery, sockets, sensor: policy.config.sensor)
            guard metrics.start() else {
                Diagnostics.error("cannot start the metrics thread: \(String(cString: strerror(errno)))")
                return ExitStatus.usage
            }
            Diagnostics.note(
                "metrics at http://\(MetricsAddress(host: metrics.address.host, port: metrics.port))/metrics")
        }
        let interval = Int64(settings.statsIntervalSeconds) * 1_000_000
        var nextStats = interval > 0 ? Monotonic.nowMicros() + interval : Int64.max
        var nextMetrics = Monotonic.nowMicros() + 1_000_000
        var nextRejectionNote = Monotonic.nowMicros()

        var fds = sockets.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
        fds.append(pollfd(fd: control.readDescriptor, events: Int16(POLLIN), revents: 0))
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var running = true
        while running {
            // Woken by a datagram, a signal, or the next stats record or metrics refresh (at most 1 s).
            let due = min(nextStats, settings.metrics == nil ? .max : nextMetrics)
            let wait = due == .max ? 1000 : (due - Monotonic.nowMicros() + 999) / 1000
            let n = poll(&fds, nfds_t(fds.count), Int32(clamping: max(0, min(wait, 1000))))
            if n < 0 && errno != EINTR {
                Diagnostics.error("poll: \(String(cString: strerror(errno)))")
                break
            }
            for i in 0..<sockets.count where fds[i].revents & Int16(POLLIN) != 0 {
                sockets[i].drain(buffer: &buffer) { bytes, address, port in
                    // Held and judged at the flush in the order the datagram's flows started.
                    decoder.decode(
                        bytes, exporter: address, port: port, wallMicros: WallClock.nowMicros(),
                        monotonicMicros: Monotonic.nowMicros()
                    ) { table.hold($0) }
                    table.flush()
                    if !decoder.portlessTemplates.isEmpty {
                        for t in decoder.takePortlessTemplates() { CollectRunner.warnPortless(t) }
                    }
                    if !decoder.skewedExporters.isEmpty {
                        for e in decoder.takeSkewedExporters() { CollectRunner.warnSkewed(e) }
                    }
                }
            }
            // The alerts of the datagrams just read go to syslog together, then into the alerts file.
            delivery.endOfBatch()
            // Record time, but not ahead of the collector's clock: one exporter's clock a day fast (record
            // time is the latest of any exporter's) must not say an expiry that the others' records have not met.
            if table.records > 0 {
                for line in expiries.passed(min(table.now, WallClock.nowMicros())) { Diagnostics.note(line) }
            }
            if fds[sockets.count].revents & Int16(POLLIN) != 0 {
                for request in DaemonSignals.requests(control.drain()) {
                    switch request {
                    case .reload:
                        delivery.reopenAlertFile()
                        let before = policy.config.sourceSHA256
                        let at = table.flows > 0 || table.records > 0 ? table.now : nil
                        let loaded = PolicyLoading.reload(
                            settings.configPath, counting: &reloads, refused: "the running map is kept")
                        // Zones renamed or removed keep their old ids for the flows judged under them.
                        if let p = loaded.config.map({ Policy($0.keepingRetiredZones(of: policy.config)) }) {
                            hostFindings.reloaded(from: policy, to: p)
                            policy = p
                            table.replacePolicy(p)
                            expiries = ExceptionExpiryNotices(
                                policy: p, after: max(WallClock.nowMicros(), table.now), clock: "record time")
                            Diagnostics.note("reloaded \(settings.configPath)")
                            // A file found unchanged (logrotate's SIGHUP) changed no verdict: not listed.
                            if p.config.sourceSHA256 != before {
                                reloadLog.append(
                                    ConfigReload(
                                        timestampMicros: at, applied: true, previousSHA256: before,
                                        sha256: p.config.sourceSHA256))
                                tell(reloadLog[reloadLog.count - 1], delivery, sensor: p.config.sensor, loaded)
                            }
                        } else {
                            reloadLog.append(
                                ConfigReload(timestampMicros: at, applied: false, previousSHA256: before, sha256: nil))
                            tell(reloadLog[reloadLog.count - 1], delivery, sensor: policy.config.sensor, loaded)
                        }
                    case .stop: running = false
                    case .ignored(let signal): ignoredSignals.note(signal)
                    }
                }
            }
            // Held sets and sequence gaps age by the monotonic clock, even for an exporter that has gone quiet.
            let now = Monotonic.nowMicros()
            decoder.settle(monotonicMicros: now)
            if now >= nextRejectionNote {
                CollectRunner.warnRejected(&decoder)
                CollectRunner.warnDropped(sockets, said: &dropsSaid)
                nextRejectionNote = now + 10_000_000
            }
            if metrics != nil && now >= nextMetrics {
                publishMetrics(table, decoder, delivery, sockets, sensor: policy.config.sensor)
                nextMetrics = now + 1_000_000
            }
            if now >= nextStats {
                writeStats(table, decoder, delivery, sockets, sensor: policy.config.sensor)
                nextStats = max(nextStats + interval, now)
            }
        }
        table.finish()
        decoder.finish()
        CollectRunner.warnRejected(&decoder)
        CollectRunner.warnUndecoded(decoder)
        CollectRunner.warnDropped(sockets, said: &dropsSaid)
        writeStats(table, decoder, delivery, sockets, sensor: policy.config.sensor)
        publishMetrics(table, decoder, delivery, sockets, sensor: policy.config.sensor)
        metrics?.stop()
        delivery.head.finish(at: table.now)
        var summary = CollectSummary(
            table: table, decoder: decoder, sensor: policy.config.sensor, held: CollectSummary.HeldAlerts(delivery),
            sockets: sockets, policy: policy, hostFindings: hostFindings,
            declarations: audit.declarations(for: policy))
        summary.reloads = reloadLog
        let (json, text) = (summary.json(), summary.text())
        let written = delivery.writeSummary(
            Record(kind: .summary, timestampMicros: table.now, json: json, text: text), alertsFileToo: true)
        _ = delivery.syslog?.drain()
        delivery.close()
        for line in delivery.closingLosses(summary: written) { Diagnostics.error(line) }
        // Status 0 says the summary was written: when it reached no output, its counts were said only above.
        return written.reached ? ExitStatus.clean : ExitStatus.usage
    }

    /// Once per exporter: a clock far from the collector's moves every record time of that exporter, which
    /// the verdicts follow (an expired exception still allowing, one long flow alerted once per record).
    static func warnSkewed(_ e: SkewedExporter) {
        let seconds = ExporterStats.seconds(e.offsetMicros)
        Diagnostics.warning(
            "\(e): export time \(Timestamp.rfc3339(e.exportMicros)), \(clockNote(offsetSeconds: seconds))")
    }

    /// How far an exporter's clock is off, and what follows from it.
    static func clockNote(offsetSeconds s: Int64) -> String {
        "clock \(s.magnitude) s \(s < 0 ? "behind" : "ahead of") arrival (clock_offset_seconds \(s), more than "
            + "\(FlowExportDecoder.clockOffsetWarningMicros / 1_000_000) s off): its record times, by which its flows "
            + "are judged (exception expiry) and joined, follow that clock; set it right (NTP)"
    }

    /// Once per template: an export aggregated by addresses leaves most of its flows unverified, which
    /// the operator must hear of while it runs, not only from the summary's counts.
    static func warnPortless(_ t: PortlessTemplate) {
        Diagnostics.warning(
            "\(t): no port fields (an export aggregated by addresses): its TCP, UDP and SCTP records are judged "
                + "only where no port or direction could change the verdict, the others are counted as "
                + "records_not_judged no_ports")
    }

    /// Says on stderr (at most every 10 seconds) what each socket's kernel buffer dropped since the last
    /// time: those datagrams never reached the decoder, and no sequence number of a template-only
    /// datagram shows their loss.
    static func warnDropped(_ sockets: [ListenSocket], said: inout [UInt64]) {
        for (i, s) in sockets.enumerated() where s.dropped > said[i] {
            Diagnostics.warning(
                "--listen \(s.address.description): the kernel dropped \(s.dropped - said[i]) datagrams "
                    + "(\(s.dropped) since the start): the socket's receive buffer (\(s.receiveBuffer) bytes) "
                    + "overflowed and their records were not judged; raise --buffer-size and net.core.rmem_max")
            said[i] = s.dropped
        }
    }

    /// Says on stderr (at most every 10 seconds) which exporters had datagrams rejected for a full session
    /// or exporter table since the last time: what they send goes unverified until idle sessions are forgotten.
    static func warnRejected(_ decoder: inout FlowExportDecoder) {
        let (byExporter, unnamed) = decoder.takeRejections()
        let limits = decoder.limits
        let full =
            "the session table is full (\(limits.sessions) sessions, each forgotten after "
            + "\(limits.sessionIdleMicros / 60_000_000) minutes idle) or the exporter table "
            + "(\(limits.exporters) exporters)"
        for (address, n) in byExporter.sorted(by: { $0.key < $1.key }) {
            Diagnostics.warning(
                "exporter \(address): \(n == 1 ? "1 datagram" : "\(n) datagrams") rejected and not judged: \(full)")
        }
        if unnamed > 0 {
            Diagnostics.warning("\(unnamed) more datagrams of other exporters rejected and not judged: \(full)")
        }
    }

    /// Says on stderr, per exporter, how many data sets were never decoded for want of their template
    /// (still held at the end, held too long, or evicted), and how many records were refused for a time
    /// that cannot be placed: neither was judged, so a "0 violating" beside them is no all-clear.
    static func warnUndecoded(_ decoder: FlowExportDecoder) {
        for (address, s) in CollectSummary.exporters(decoder) {
            let n = s.failures[.noTemplate]
            if n > 0 {
                Diagnostics.warning(
                    "exporter \(address): \(n == 1 ? "1 data set" : "\(n) data sets") never decoded (no-template): "
                        + "the template never came, and the records in them were not judged")
            }
            let late = s.failures[.timestampOutOfRange]
            if late > 0 {
                Diagnostics.warning("exporter \(address): \(CollectSummary.refusedForTime(late))")
            }
        }
    }

    private func publishMetrics(
        _ table: ExportFlowTable, _ decoder: FlowExportDecoder, _ delivery: DeliveryPipeline,
        _ sockets: [ListenSocket], sensor: String
    ) {
        guard settings.metrics != nil else { return }
        registry.publish(
            CollectMetrics.families(
                sensor: sensor, version: Zonesep.version, table: table, decoder: decoder, reloads: reloads,
                sinks: delivery.sinkCounts(), held: CollectSummary.HeldAlerts(delivery), sockets: sockets))
    }

    /// The `reload` record, to stdout, syslog and the alerts file: what the SIEM reads learns of it now.
    private func tell(
        _ reload: ConfigReload, _ delivery: DeliveryPipeline, sensor: String,
        _ loaded: (config: PolicyConfig?, error: String?, errors: Int)
    ) {
        let r = ReloadRecord(
            reload: reload, sensor: sensor, path: settings.configPath, wallMicros: WallClock.nowMicros(),
            error: loaded.error, errors: loaded.errors)
        delivery.writeEvent(
            Record(
                kind: .notice, timestampMicros: reload.timestampMicros ?? 0, json: r.json(), text: r.text(),
                syslog: { r.syslog(formatter: $0) }))
    }

    private func writeStats(
        _ table: ExportFlowTable, _ decoder: FlowExportDecoder, _ delivery: DeliveryPipeline,
        _ sockets: [ListenSocket], sensor: String
    ) {
        let stats = CollectStats(
            table: table, decoder: decoder, sensor: sensor, listen: settings.listen,
            held: CollectSummary.HeldAlerts(delivery), sockets: sockets)
        let json = stats.json(
            wallMicros: WallClock.nowMicros(), delivery: delivery.current(), sinks: delivery.sinkCounts())
        let text = stats.text()
        delivery.writeAside(Record(kind: .stats, timestampMicros: table.now, json: json, text: text))
    }
}
