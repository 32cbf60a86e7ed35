import ZonesepCapture
import ZonesepCore
import ZonesepOutput

#if canImport(Glibc)
    import Glibc
#endif

/// The outputs of a run and the stages in front of them, built once from the options and shared by
/// every session (watch runs one per capture worker):
///
///     engine events → AlertEvents → suppression → rate limit → evidence → stdout, alerts file, syslog
///
/// Each stage and each output is a sink of its own behind `RecordSink`; a session gets its engine-side
/// sinks from `eventSinks(session:)`.
public final class DeliveryPipeline {
    public let config: DeliveryConfig
    public let stdout: StdoutSink
    public let alertFile: AlertFileSink?
    /// `--flows FILE`: fed by engine events directly (every flow's end), beside the alert chain.
    public let flowFile: FlowFileSink?
    public let syslog: SyslogSink?
    public let evidence: EvidenceSink?
    /// Behind the evidence stage: which alerts got no file, and why, for the summary's violations.
    let evidenceOutcomes: EvidenceOutcomes?
    /// Sessions given engine-side sinks (`eventSinks(session:)`): flow serials name flows within one.
    private var sessions = Set<Int>()
    public let suppression: SuppressingSink?
    public let rateLimit: RateLimitingSink?
    /// Where alert records enter.
    public let head: RecordSink
    private var finished: DeliverySummary?

    /// Opens everything that can fail (alerts file, evidence directory, syslog host names) before any
    /// packet is read.
    public init(_ config: DeliveryConfig, stdout: StdoutSink) throws(DeliveryError) {
        self.config = config
        self.stdout = stdout
        do {
            alertFile = try config.alertsPath.map { path throws(AlertFileError) in
                try AlertFileSink(path: path, rotation: config.alertsRotation)
            }
        } catch {
            throw DeliveryError(description: "--alerts \(error.description)")
        }
        do {
            flowFile = try config.flowsPath.map { path throws(AlertFileError) in
                try FlowFileSink(path: path, rotation: config.flowsRotation, macCheck: config.flowsMACCheck)
            }
        } catch {
            throw DeliveryError(description: "--flows \(error.description)")
        }
        var senders: [SyslogSender] = []
        for destination in config.syslog {
            do {
                senders.append(
                    try SyslogSender(
                        destination: destination, capacity: config.syslogQueue,
                        tls: destination.isTLS ? config.syslogTLS : nil, onEvent: { Diagnostics.warning($0) }))
            } catch {
                throw DeliveryError(description: error.description)
            }
        }
        syslog =
            senders.isEmpty
            ? nil
            : SyslogSink(
                senders: senders,
                formatter: SyslogFormatter(
                    facility: config.syslogFacility, appName: config.syslogAppName,
                    hostname: SyslogSink.hostname(), procID: "\(getpid())"),
                flushTimeout: config.syslogFlushTimeout)
        // The alerts file last: a record seen there has reached the other outputs.
        let outputs: [RecordSink] = [stdout] + [syslog as RecordSink?, alertFile].compactMap { $0 }
        var head: RecordSink = outputs.count == 1 ? stdout : RecordFanout(outputs)
        if let dir = config.evidenceDirectory {
            do {
                var limits = EvidenceWriter.Limits(
                    perFlowPackets: config.evidencePackets, maxBytes: config.evidenceMaxBytes)
                limits.maxFiles = config.evidenceMaxFiles
                limits.maxOpenFiles = EvidenceWriter.openFileBudget()
                let w = try EvidenceWriter(directory: dir, limits: limits)
                w.onProblem = { Diagnostics.warning($0) }
                let outcomes = EvidenceOutcomes(inner: head)
                evidenceOutcomes = outcomes
                let e = EvidenceSink(writer: w, inner: outcomes)
                evidence = e
                head = e
            } catch {
                throw DeliveryError(description: error.description)
            }
        } else {
            evidence = nil
            evidenceOutcomes = nil
        }
        var heldBack: (@Sendable (Record) -> Void)? = nil
        var folded: (@Sendable (Record) -> Void)? = nil
        if let o = evidenceOutcomes {
            heldBack = { o.heldBack($0) }
            folded = { o.folded($0) }
        }
        rateLimit =
            config.maxAlertRate > 0
            ? RateLimitingSink(maxPerSecond: config.maxAlertRate, inner: head, heldBack: heldBack) : nil
        if let r = rateLimit { head = r }
        suppression =
            config.suppressWindowMicros > 0
            ? SuppressingSink(
                windowMicros: config.suppressWindowMicros, maxWindows: config.suppressMaxWindows, inner: head,
                folded: folded)
            : nil
        if let s = suppression { head = s }
        self.head = head
    }

    /// The engine-side sinks of session `session`: its alerts into the chain, its packets into evidence,
    /// and last the end of each batch for syslog and then the alerts file (what the batch's records queued
    /// leaves then). `live` (watch): with suppression on, the chain is told packet time even by batches
    /// without events, so a window closes with the first packets after its end, not at the next violation.
    public func eventSinks(session: Int, live: Bool = false) -> [EventSink] {
        sessions.insert(session)
        return [
            AlertEvents(
                head: head, session: session, withEvidenceField: config.evidenceDirectory != nil,
                followsPacketTime: live && suppression != nil)
        ]
            + (evidence.map { [$0.tap(session: session)] } ?? []) + (flowFile.map { [$0] } ?? [])
            + (syslog.map { [SyslogBatchEnd($0)] } ?? []) + (alertFile.map { [AlertFileBatchEnd($0)] } ?? [])
    }

    /// The end of a batch of records raised outside an engine session (collect's datagrams of one poll):
    /// syslog's queued messages leave, then the alerts file's lines are written.
    public func endOfBatch() {
        syslog?.endOfBatch()
        alertFile?.flush()
    }

    /// A record made outside the engine (watch's stats and summary): stdout and the alerts file, written
    /// at once.
    public func writeAside(_ record: Record) {
        stdout.write(record)
        alertFile?.write(record)
        alertFile?.flush()
    }

    /// A record of the daemon itself that the SIEM must see as it happens (a `reload`): stdout, syslog (sent
    /// now, not at the next batch's end) and the alerts file, past suppression and the rate limit.
    public func writeEvent(_ record: Record) {
        if let s = syslog {
            s.write(record)
            s.endOfBatch()
        }
        writeAside(record)
    }

    /// The delivery counts so far, for watch's `stats` records: what each output delivered and lost, and
    /// what the suppression cap closed early.
    public func current() -> DeliverySummary {
        var d = DeliverySummary()
        d.syslog =
            syslog?.senders.map {
                DeliverySummary.Syslog(destination: $0.destination, stats: $0.currentStats)
            } ?? []
        d.stdout = stdout.losses
        d.alertsFile = alertFile?.summary
        d.flowsFile = flowFile?.summary
        d.evidence = evidence?.summary
        d.suppression = suppression.map {
            DeliverySummary.Suppression(maxWindows: config.suppressMaxWindows, evicted: $0.evicted)
        }
        return d
    }

    /// SIGHUP: reopens the alerts and flows files (logrotate moved them away).
    public func reopenAlertFile() {
        alertFile?.reopen()
        flowFile?.reopen()
    }

    /// The end of the run, after every session has ended its flows (packet time `now`: the last packet):
    /// the last windows and evidence files close, syslog gets its flush timeout, and the counts go into the
    /// summary. Call once; a second call only fills in the summary again.
    public func finish(into summary: inout ReplaySummary) {
        if finished == nil {
            head.finish(at: summary.counters.lastPacketMicros ?? 0)
            var d = DeliverySummary()
            d.syslog = syslog?.drain() ?? []
            d.stdout = stdout.losses
            d.alertsFile = alertFile?.summary
            d.flowsFile = flowFile?.summary
            d.evidence = evidence?.summary
            d.suppression = suppression.map {
                DeliverySummary.Suppression(maxWindows: config.suppressMaxWindows, evicted: $0.evicted)
            }
            finished = d
        }
        evidence?.annotate(&summary.violations, sessions: sessions)
        evidenceOutcomes?.annotate(&summary.violations, sessions: sessions)
        summary.alertsSuppressed = suppression?.suppressed ?? 0
        summary.alertsRateLimited = rateLimit?.limited ?? 0
        if let d = finished, !d.isEmpty { summary.delivery = d }
    }

    /// Each output's counts now. Evidence counts files: written once closed whole with their SHA-256,
    /// failed once closed incomplete or never created (an alert that got no file for an error or a name
    /// taken); a file still open is neither, so a dashboard never shows as safe what is not hashed yet.
    /// Its skipped packets go under dropped.
    public func sinkCounts() -> [SinkCounts] {
        var out = [stdout.counts]
        if let f = alertFile { out.append(f.counts) }
        if let f = flowFile { out.append(f.counts) }
        for s in syslog?.senders ?? [] {
            let st = s.currentStats
            out.append(
                SinkCounts(
                    sink: "syslog", destination: s.destination.description, written: st.sent,
                    dropped: st.droppedQueueFull, failed: st.droppedUndelivered))
        }
        if let e = evidence?.summary {
            out.append(
                SinkCounts(
                    sink: "evidence", destination: e.directory, written: e.stats.hashed,
                    dropped: e.stats.skippedPackets, failed: e.stats.incomplete &+ e.stats.notCreated))
        }
        return out
    }

    /// Closes the alerts file after the summary went in.
    public func close() {
        alertFile?.close()
        flowFile?.close()
    }
}
