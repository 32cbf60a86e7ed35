import Synchronization
import ZonesepCapture
import ZonesepCore
import ZonesepOutput

/// `--evidence DIR`: the packets of every alerted flow, from its first, in a pcap file of their own whose
/// SHA-256 is recorded when the file closes (証拠保全).
///
/// A stage in front of the outputs: an alert passing through opens its flow's file and goes on carrying
/// the file's name; the closing `evidence` record follows it when the flow ends. The packets and ends
/// come from each session's engine, through `tap(session:)`. The open files are the only per-flow state
/// of the delivery, and they live here.
public final class EvidenceSink: RecordSink {
    struct FlowKey: Hashable {
        var session: Int
        var serial: UInt64
    }
    private struct Open {
        var key: FlowKey
        var alert: Alert
        var format: AlertFormat
        /// The alert's Community ID, computed once for the file's name and its closing record.
        var flowID: String
    }
    /// What the summary's violation says of a flow's file.
    private struct Outcome {
        var file: String
        var sha256: String?
        /// Packets of the flow not in the file (budget, another link type).
        var leftOut: UInt64
        /// Why this run's file is not there while the earlier run's of the name is kept; nil otherwise.
        var keptEarlier: String?
    }
    /// `@unchecked`: the writer (a class of libpcap handles) is reached only under the lock.
    private struct State: @unchecked Sendable {
        let writer: EvidenceWriter
        /// The file of each flow being written, looked up for every packet of a flagged flow.
        var ids = FlowFileTable()
        /// What the closing record of each open file needs, by file.
        var open: [UInt64: Open] = [:]
        /// Closed files by flow, for the summary's violations (and so the audit report).
        var closed: [FlowKey: Outcome] = [:]
        var nextID: UInt64 = 1
    }
    private let state: Mutex<State>
    private let inner: RecordSink
    public let directory: String
    /// Closed files remembered for the summary, at most.
    let closedLimit: Int

    public init(writer: EvidenceWriter, inner: RecordSink, closedLimit: Int = ViolationCollector.defaultLimit) {
        directory = writer.directory
        state = Mutex(State(writer: writer))
        self.inner = inner
        self.closedLimit = closedLimit
    }

    @discardableResult
    public func write(_ record: Record) -> Bool {
        // A tunnel's alert has no flow of the engine whose packets could fill a file: it passes as it is.
        guard record.kind == .alert, let a = record.alert, a.tunnelEnds == nil, let format = record.format else {
            return inner.write(record)
        }
        // The Community ID is hashed once for the file's name, the alert's forms and the closing record:
        // where the record came with it (hashed once per event for every sink), not at all.
        let flowID = record.flowID ?? format.flowID(a)
        let (file, failure): (String?, String?) = state.withLock { s in
            let name = DeliveryRecords(format: format).evidenceFileName(a, flowID: flowID)
            let id = s.nextID
            let ok = s.writer.open(
                serial: id, name: name, startMicros: a.timestampMicros,
                linkType: EvidenceWriter.dataLink(for: record.linkType),
                now: a.timestampMicros)
            let key = FlowKey(session: record.session, serial: a.flowSerial)
            guard ok else {
                if s.writer.lastOpenKeptEarlier && s.closed.count < closedLimit {
                    // No file of this run, but the earlier run's of the name is whole in the directory: the
                    // summary's violation names it, kept, rather than say the flow has none.
                    s.closed[key] = Outcome(
                        file: name, sha256: nil, leftOut: 0,
                        keptEarlier: s.writer.lastOpenError ?? EvidenceOutcomes.limitsReason)
                }
                return (nil, s.writer.lastOpenError)
            }
            s.nextID &+= 1
            s.ids.set(session: key.session, serial: key.serial, file: id)
            s.open[id] = Open(key: key, alert: a, format: format, flowID: flowID)
            return (name, nil)
        }
        return inner.write(
            Record.alert(
                a, format: format, session: record.session, linkType: record.linkType, evidence: file,
                withEvidenceField: true, evidenceError: failure, flowID: flowID))
    }

    public func advance(to now: Int64) { inner.advance(to: now) }

    public func finish(at now: Int64) {
        state.withLock { s in
            for c in s.writer.closeAll(reason: .endOfRun) { closedFile(c, at: now, &s) }
            s.writer.sayWhatWasCounted()
        }
        inner.finish(at: now)
    }

    /// The engine side for session `session`: its flagged packets go into their files, its flow ends
    /// close them.
    public func tap(session: Int) -> EventSink { Tap(sink: self, session: session) }

    private final class Tap: EventSink {
        let sink: EvidenceSink
        let session: Int
        let interests: EventInterests = [.flaggedPackets, .violationEnds]
        init(sink: EvidenceSink, session: Int) {
            self.sink = sink
            self.session = session
        }
        func consume(_ batch: EventBatch) { sink.consume(batch, session: session) }
    }

    private func consume(_ batch: EventBatch, session: Int) {
        // Most batches of a busy sensor carry no packet of an alerted flow: no lock for them.
        // Events are read where they lie: `for e in` copied each one, its flow entry and all.
        let events = batch.events
        guard events.indices.contains(where: { events[$0].concernsViolation && events[$0].kind != .flowStarted })
        else { return }
        let link = EvidenceWriter.dataLink(for: batch.linkType)
        state.withLock { s in
            for i in events.indices where events[i].concernsViolation {
                guard let id = s.ids.file(session: session, serial: events[i].flow.serial) else { continue }
                switch events[i].kind {
                case .flaggedPacket:
                    guard let f = batch.frame(of: events[i]) else { continue }
                    if let c = s.writer.write(
                        serial: id, timestampMicros: f.timestamp, bytes: f.bytes, wireLength: f.wireLength,
                        linkType: link)
                    {
                        closedFile(c, at: f.timestamp, &s)
                    }
                case .flowEnded:
                    let reason: EvidenceWriter.CloseReason =
                        events[i].endReason == .endOfCapture ? .endOfRun : .flowEnd
                    if let c = s.writer.close(serial: id, reason: reason) {
                        closedFile(c, at: events[i].flow.lastSeen, &s)
                    }
                case .flowStarted, .hostFinding:
                    continue
                }
            }
        }
    }

    /// A file closed (flow end, packet cap, end of run): its `evidence` record goes out.
    private func closedFile(_ c: EvidenceWriter.Closed, at now: Int64, _ s: inout State) {
        guard let o = s.open.removeValue(forKey: c.serial) else { return }
        if s.ids.file(session: o.key.session, serial: o.key.serial) == c.serial {
            s.ids.remove(session: o.key.session, serial: o.key.serial)
        }
        if s.closed.count < closedLimit {
            s.closed[o.key] = Outcome(
                file: c.file, sha256: c.sha256, leftOut: c.leftOut &+ c.skipped,
                keptEarlier: c.keptEarlier ? (c.error ?? "") : nil)
        }
        let records = DeliveryRecords(format: o.format)
        let e = DeliveryRecords.Evidence(
            alert: o.alert, file: c.file, packets: c.packets, bytes: c.bytes, sha256: c.sha256,
            closed: c.reason.rawValue, timestampMicros: now, error: c.error, flowID: o.flowID, leftOut: c.leftOut)
        inner.write(
            Record(
                kind: .evidence, timestampMicros: now, jsonBytes: { records.evidenceJSONBytes(e) },
                text: { records.evidenceText(e) },
                syslog: { records.evidenceSyslog(e, formatter: $0) }))
    }

    /// What the summary says of the evidence directory.
    public var summary: DeliverySummary.Evidence {
        state.withLock { s in
            DeliverySummary.Evidence(
                directory: directory, stats: s.writer.stats, open: UInt64(s.writer.openFiles))
        }
    }

    /// Each violating flow's evidence file and hash, found by the flow's session and serial (serials name
    /// flows only within a session). `sessions`: the run's; with one, every violation is its own (whatever its
    /// number), with several each violation's `session` says whose it is.
    public func annotate(_ violations: inout [Violation], sessions: Set<Int>) {
        let byFlow = state.withLock { $0.closed }
        for i in violations.indices {
            let session = sessions.count == 1 ? sessions.first ?? 0 : violations[i].session
            let key = FlowKey(session: session, serial: violations[i].alert.flowSerial)
            guard let e = byFlow[key] else { continue }
            violations[i].evidenceFile = e.file
            violations[i].evidenceSHA256 = e.sha256
            violations[i].evidenceLeftOut = e.leftOut
            if let why = e.keptEarlier { violations[i].evidenceError = why }
        }
    }
}
