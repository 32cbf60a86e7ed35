import ArgumentParser
import Synchronization
import ZonesepCapture
import ZonesepCore
import ZonesepOutput

#if canImport(Glibc)
    import Glibc
#endif

/// Where alerts go besides stdout, and what is folded or held back: `--syslog`, `--alerts`,
/// `--suppress-window`, `--max-alert-rate`, `--evidence`. Shared by `replay` and `watch`.
struct DeliveryOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Also send every record as RFC 5424 syslog to URL: udp://host:port, tcp://host:port (RFC 6587 "
                + "octet counting; reconnects with backoff) or unix:///dev/log (datagrams). Repeatable.",
            valueName: "url"))
    var syslog: [String] = []

    @Option(name: .long, help: "Syslog facility: a name (local0 … local7, daemon, auth, …) or 0-23.")
    var syslogFacility: String = "local0"

    @Option(name: .long, help: "Syslog APP-NAME.")
    var syslogAppName: String = "zonesep"

    @Option(
        name: .long,
        help: "Messages queued per syslog destination while it is slow or away; beyond it they are dropped and counted."
    )
    var syslogQueue: Int = 10_000

    @Option(
        name: .long,
        help:
            "Seconds to wait at the end for queued syslog messages to be delivered; what is left is counted as dropped."
    )
    var syslogFlushTimeout: Double = 10

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Also append every record to FILE as JSON Lines, flushed per line (watch: SIGHUP reopens it).",
            valueName: "file"))
    var alerts: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Rotate the --alerts file: size:N[K|M|G] (renamed FILE.1, FILE.2, …) or day (FILE.YYYYMMDD, by the "
                + "UTC day of packet time).", valueName: "rule"))
    var alertsRotate: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Fold alerts for the same rule, initiator, responder, port and protocol within this packet-time window "
                + "into the first, which gets an alert_update record with the count when it closes: 0 (off), "
                + "N s, N m, N h. Default: 1h for watch, 0 for replay (an audit lists every violating flow).",
            valueName: "duration"))
    var suppressWindow: String?

    @Option(
        name: .long,
        help: "At most N alert records per second of packet time (0: no ceiling); the excess is counted in the summary."
    )
    var maxAlertRate: Int = 0

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Save the packets of every alert's flow, from its first, to DIR/<time>_<rule>_<flow id>.pcap and record "
                + "its SHA-256 when it closes.", valueName: "dir"))
    var evidence: String?

    @Option(name: .long, help: "Packets saved per violating flow.")
    var evidencePackets: Int = 100

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Disk budget of all evidence files, N[K|M|G]: the oldest are removed first, never those of flows that "
                + "started within the last hour (0: no budget).", valueName: "bytes"))
    var evidenceMaxBytes: String = "1G"

    func validate() throws {
        for url in syslog {
            if case .failure(let e) = SyslogDestination.parse(url) { throw ValidationError(e.description) }
        }
        if SyslogFacility.parse(syslogFacility) == nil {
            throw ValidationError(
                "--syslog-facility: '\(syslogFacility)' is not a facility name (local0 … local7, "
                    + "daemon, auth, …) or a number from 0 to 23")
        }
        if SyslogFormatter.headerField(syslogAppName, maxLength: 48) != syslogAppName {
            throw ValidationError("--syslog-app-name: 1 to 48 printable ASCII characters, no spaces")
        }
        if syslogQueue < 1 { throw ValidationError("--syslog-queue must be at least 1") }
        if !(syslogFlushTimeout >= 0) { throw ValidationError("--syslog-flush-timeout must be 0 or more seconds") }
        if let r = alertsRotate {
            if alerts == nil { throw ValidationError("--alerts-rotate needs --alerts FILE") }
            if AlertFile.Rotation.parse(r) == nil {
                throw ValidationError("--alerts-rotate: '\(r)' is neither size:N[K|M|G] (N > 0) nor day")
            }
        }
        if let w = suppressWindow, DeliveryOptions.duration(w) == nil {
            throw ValidationError("--suppress-window: '\(w)' is not a duration (0, 90s, 30m, 1h)")
        }
        if maxAlertRate < 0 { throw ValidationError("--max-alert-rate must be 0 (no ceiling) or more") }
        if evidencePackets < 1 { throw ValidationError("--evidence-packets must be at least 1") }
        if ByteSize.parse(evidenceMaxBytes) == nil {
            throw ValidationError("--evidence-max-bytes: '\(evidenceMaxBytes)' is not a size (N, NK, NM or NG)")
        }
    }

    /// A duration in µs: `0`, `N` or `Ns` seconds, `Nm`, `Nh`, `Nd`.
    static func duration(_ text: String) -> Int64? {
        guard let last = text.last else { return nil }
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        let (digits, unit) = units[last].map { (text.dropLast(), $0) } ?? (Substring(text), 1)
        guard let n = Int64(digits), n >= 0, n <= Int64.max / 1_000_000 / unit else { return nil }
        return n * unit * 1_000_000
    }

    /// Anything to do beyond stdout, given the command's default suppression window.
    func isActive(defaultSuppressWindow: Int64) -> Bool {
        !syslog.isEmpty || alerts != nil || evidence != nil || maxAlertRate > 0
            || (suppressWindow.flatMap(DeliveryOptions.duration) ?? defaultSuppressWindow) > 0
    }
}

/// The records of a run fanned out: stdout, the `--alerts` file and the syslog destinations each get
/// every `alert`, `alert_update` and `evidence` record; suppression and the rate limit decide which
/// alerts become records; the evidence writer keeps the packets of each alert's flow.
///
/// One per run, shared by every session (watch runs one per capture worker): everything is behind one
/// lock, taken per alert, per packet of a flow whose evidence is being written, and when suppression
/// windows are due, never per ordinary packet.
final class Delivery: @unchecked Sendable {
    /// Suppression windows are looked at when packet time has moved on by this much (and at every alert).
    static let advanceEveryMicros: Int64 = 1_000_000

    private struct EvidenceKey: Hashable {
        var session: Int
        var serial: UInt64
    }

    private let lock = Mutex(())
    private let stdout: (_ json: String, _ text: String) -> Void
    private let format: OutputFormat
    private var suppressor: AlertSuppressor
    private var rate: AlertRateLimiter
    private var senders: [SyslogSender] = []
    private let syslogFormat: SyslogFormatter?
    private let flushTimeout: Double
    private var alertFile: ZonesepOutput.AlertFile?
    private let evidence: EvidenceWriter?
    private var evidenceOpen: [EvidenceKey: (id: UInt64, alert: Alert, format: AlertFormat)] = [:]
    private var evidenceKeys: [UInt64: EvidenceKey] = [:]
    /// Closed evidence files by flow, for the summary's violations (and so the audit report of the run).
    private var closedEvidence: [EvidenceKey: (file: String, sha256: String?)] = [:]
    private var nextEvidenceID: UInt64 = 1
    /// The format of the latest alert: alert_update records name zones with it.
    private var lastFormat: AlertFormat?
    private var lastPacketMicros: Int64?
    private var finished: (DeliverySummary, suppressed: UInt64, rateLimited: UInt64)?
    private var reportedFileFailure = false

    /// Opens everything that can fail (alerts file, evidence directory, syslog host names) before any
    /// packet is read; nil when the options ask for nothing beyond stdout. `stdout` writes one record in
    /// the chosen format.
    init?(
        options o: DeliveryOptions, defaultSuppressWindow: Int64, format: OutputFormat,
        stdout: @escaping (_ json: String, _ text: String) -> Void
    ) throws(DeliveryError) {
        guard o.isActive(defaultSuppressWindow: defaultSuppressWindow) else { return nil }
        self.format = format
        self.stdout = stdout
        suppressor = AlertSuppressor(
            windowMicros: o.suppressWindow.flatMap(DeliveryOptions.duration) ?? defaultSuppressWindow)
        rate = AlertRateLimiter(maxPerSecond: o.maxAlertRate)
        flushTimeout = o.syslogFlushTimeout
        if let path = o.alerts {
            do {
                alertFile = try ZonesepOutput.AlertFile(
                    path: path, rotation: o.alertsRotate.flatMap(ZonesepOutput.AlertFile.Rotation.parse) ?? .none)
            } catch {
                throw DeliveryError(description: "--alerts \(error.description)")
            }
        }
        if let dir = o.evidence {
            do {
                let w = try EvidenceWriter(
                    directory: dir,
                    limits: EvidenceWriter.Limits(
                        perFlowPackets: o.evidencePackets, maxBytes: ByteSize.parse(o.evidenceMaxBytes) ?? 0))
                w.onProblem = { Diagnostics.warning($0) }
                evidence = w
            } catch {
                throw DeliveryError(description: error.description)
            }
        } else {
            evidence = nil
        }
        if o.syslog.isEmpty {
            syslogFormat = nil
        } else {
            syslogFormat = SyslogFormatter(
                facility: SyslogFacility.parse(o.syslogFacility) ?? 16, appName: o.syslogAppName,
                hostname: Delivery.hostname(), procID: "\(getpid())")
            for url in o.syslog {
                guard case .success(let destination) = SyslogDestination.parse(url) else { continue }
                do {
                    senders.append(
                        try SyslogSender(
                            destination: destination, capacity: o.syslogQueue,
                            onEvent: { Diagnostics.warning($0) }))
                } catch {
                    throw DeliveryError(description: error.description)
                }
            }
        }
    }

    /// Whether packets of violating flows are wanted (for evidence).
    var wantsPackets: Bool { evidence != nil }

    /// Writes records for suppression windows that closed by packet time `now`.
    func advance(to now: Int64) {
        lock.withLock { _ in
            lastPacketMicros = max(lastPacketMicros ?? now, now)
            closeWindows(by: now)
        }
    }

    /// A violating flow's alert, raised by session `session` at packet time `now` on a capture of `linkType`.
    func alert(_ a: Alert, format: AlertFormat, session: Int, linkType: LinkType, now: Int64) {
        lock.withLock { _ in
            lastPacketMicros = max(lastPacketMicros ?? now, now)
            closeWindows(by: now)
            if suppressor.fold(a) || !rate.admit(at: a.timestampMicros) { return }
            suppressor.opened(a)
            lastFormat = format
            let records = DeliveryRecords(format: format)
            var file: String? = nil
            if let evidence {
                let name = records.evidenceFileName(a)
                let id = nextEvidenceID
                let (ok, closed) = evidence.open(
                    serial: id, name: name, startMicros: a.timestampMicros,
                    linkType: EvidenceWriter.dataLink(for: linkType), now: now)
                for c in closed { evidenceClosed(c, at: now) }
                if ok {
                    nextEvidenceID &+= 1
                    let key = EvidenceKey(session: session, serial: a.flowSerial)
                    evidenceOpen[key] = (id, a, format)
                    evidenceKeys[id] = key
                    file = name
                }
            }
            let json = evidence != nil ? records.alertJSON(a, evidence: file) : format.json(a)
            let text = format.text(a) + (file.map { " evidence \($0)" } ?? "")
            emit(json: json, text: text, at: now) { [syslogFormat] in
                syslogFormat.map { format.syslog(a, formatter: $0, evidence: file) }
            }
        }
    }

    /// One packet of a violating flow (the verifier's last packet): into its evidence file, if it has one.
    func packet(
        session: Int, serial: UInt64, timestamp: Int64, bytes: UnsafeRawBufferPointer, wireLength: Int,
        linkType: LinkType
    ) {
        lock.withLock { _ in
            guard let evidence, let e = evidenceOpen[EvidenceKey(session: session, serial: serial)] else { return }
            if let c = evidence.write(
                serial: e.id, timestampMicros: timestamp, bytes: bytes, wireLength: wireLength,
                linkType: EvidenceWriter.dataLink(for: linkType))
            {
                evidenceClosed(c, at: timestamp)
            }
        }
    }

    /// A flow left a session's table: its evidence file, if any, is complete.
    func flowEnded(session: Int, flow: FlowEntry, reason: FlowEndReason) {
        lock.withLock { _ in
            guard let evidence, let e = evidenceOpen[EvidenceKey(session: session, serial: flow.serial)] else { return }
            if let c = evidence.close(serial: e.id, reason: reason == .endOfCapture ? .endOfRun : .flowEnd) {
                evidenceClosed(c, at: flow.lastSeen)
            }
        }
    }

    /// SIGHUP: reopen the alerts file (logrotate moved it away).
    func reopenAlertFile() {
        lock.withLock { _ in
            if let why = alertFile?.reopen() { Diagnostics.error(why) }
        }
    }

    /// A record written by someone else (watch's stats and summary) that belongs in the alerts file too.
    func writeToFile(json: String, at micros: Int64?) {
        lock.withLock { _ in
            alertFile?.write(line: json, timestampMicros: micros ?? lastPacketMicros ?? 0)
            reportFileFailure()
        }
    }

    /// The end of the run, after every session has ended its flows: closes the last windows and evidence
    /// files, gives syslog its flush timeout, and puts the counts in the summary. Call once.
    func finish(into summary: inout ReplaySummary) {
        let result: (DeliverySummary, suppressed: UInt64, rateLimited: UInt64) = lock.withLock { _ in
            if let f = finished { return f }
            let now = max(lastPacketMicros ?? 0, summary.counters.lastPacketMicros ?? 0)
            for u in suppressor.finish(at: now) { emitUpdate(u, format: AlertFormat(policy: summary.policy)) }
            if let evidence {
                for c in evidence.closeAll(reason: .endOfRun) { evidenceClosed(c, at: now) }
            }
            var d = DeliverySummary()
            for s in senders {
                if flushTimeout > 0 && !s.waitUntilEmpty(timeout: min(1, flushTimeout)) {
                    Diagnostics.note(
                        "syslog \(s.destination): waiting up to \(flushTimeout) s for \(s.queued) queued messages")
                }
                let stats = s.finish(timeout: flushTimeout)
                d.syslog.append(DeliverySummary.Syslog(destination: s.destination.description, stats: stats))
                if stats.dropped > 0 {
                    Diagnostics.warning(
                        "syslog \(s.destination): \(stats.dropped) messages dropped (\(stats.droppedQueueFull) with "
                            + "the queue full, \(stats.droppedUndelivered) undelivered at the end); \(stats.sent) sent")
                }
            }
            if let f = alertFile {
                d.alertsFile = DeliverySummary.AlertsFile(
                    path: f.path, lines: f.lines, rotations: f.rotations, error: f.failure)
            }
            if let evidence {
                var e = DeliverySummary.Evidence(directory: evidence.directory)
                let s = evidence.stats
                e.files = s.files
                e.packets = s.packets
                e.bytes = s.bytes
                e.removed = s.removed
                e.skippedPackets = s.skippedPackets
                e.errors = s.errors
                d.evidence = e
            }
            let f = (d, suppressor.suppressed, rate.limited)
            finished = f
            return f
        }
        // One session's serials identify its flows; where several workers share the delivery they do not.
        let byFlow = lock.withLock { _ in closedEvidence }
        if Set(byFlow.keys.map(\.session)).count == 1, let session = byFlow.keys.first?.session {
            for i in summary.violations.indices {
                let v = summary.violations[i]
                guard let e = byFlow[EvidenceKey(session: session, serial: v.alert.flowSerial)]
                else { continue }
                summary.violations[i].evidenceFile = e.file
                summary.violations[i].evidenceSHA256 = e.sha256
            }
        }
        summary.alertsSuppressed = result.suppressed
        summary.alertsRateLimited = result.rateLimited
        summary.delivery = result.0.isEmpty ? nil : result.0
    }

    /// Closes the alerts file after the summary went in (watch writes its summary there too).
    func close() {
        lock.withLock { _ in alertFile?.close() }
    }

    // MARK: - Under the lock

    private func closeWindows(by now: Int64) {
        while let u = suppressor.nextClosed(by: now) { emitUpdate(u, format: nil) }
    }

    private func emitUpdate(_ u: AlertSuppressor.Update, format given: AlertFormat?) {
        // The zone labels of the latest map: a window does not keep the one its first alert was written with.
        guard let format = given ?? lastFormat else { return }
        let records = DeliveryRecords(format: format)
        emit(json: records.updateJSON(u), text: records.updateText(u), at: u.closedMicros) { [syslogFormat] in
            syslogFormat.map { records.updateSyslog(u, formatter: $0) }
        }
    }

    /// A file the writer closed by itself (packet cap, open-file limit): found by its id.
    private func evidenceClosed(_ c: EvidenceWriter.Closed, at now: Int64) {
        guard let key = evidenceKeys.removeValue(forKey: c.serial), let e = evidenceOpen.removeValue(forKey: key)
        else { return }
        if closedEvidence.count < Session.violationLimit { closedEvidence[key] = (c.file, c.sha256) }
        writeEvidence(c, alert: e.alert, format: e.format, at: now)
    }

    private func writeEvidence(_ c: EvidenceWriter.Closed, alert: Alert, format: AlertFormat, at now: Int64) {
        let records = DeliveryRecords(format: format)
        let e = DeliveryRecords.Evidence(
            alert: alert, file: c.file, packets: c.packets, bytes: c.bytes, sha256: c.sha256 ?? "",
            closed: c.reason.rawValue, timestampMicros: now)
        emit(json: records.evidenceJSON(e), text: records.evidenceText(e), at: now) { [syslogFormat] in
            syslogFormat.map { records.evidenceSyslog(e, formatter: $0) }
        }
    }

    /// One record to every output; the alerts file last, so a record seen there has reached the others.
    private func emit(json: String, text: String, at micros: Int64, syslog: () -> [UInt8]?) {
        stdout(json, text)
        if !senders.isEmpty, let message = syslog() {
            for s in senders { s.send(message) }
        }
        alertFile?.write(line: json, timestampMicros: micros)
        reportFileFailure()
    }

    private func reportFileFailure() {
        if !reportedFileFailure, let why = alertFile?.failure {
            reportedFileFailure = true
            Diagnostics.error("\(why); alerts still go to stdout")
        }
    }

    static func hostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "-" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

struct DeliveryError: Error, CustomStringConvertible {
    var description: String
}
