import Synchronization
import ZonesepCore
import ZonesepOutput

/// `--flows FILE`: one `flow` record per ended flow, allowed or not, as JSON Lines, rotating like
/// `--alerts` (the same file writer: whole lines or none, an outage said once with a `sink_gap` record).
///
/// An event sink rather than a record sink: it needs every flow's end, which alerts never carry. Watch's
/// sessions share one instance (one file), so the file is behind a lock.
public final class FlowFileSink: EventSink {
    public let interests: EventInterests = [.flowEnds, .tunnelStarts]
    private struct State {
        var file: AlertFile
        /// The tunnel layers of each live flow that began inside a tunnel, taken from its first packet when
        /// it started (the flow entry has no room for them), until the flow ends. Bounded by the flow tables.
        var tunnels: [TunnelledFlow: [TunnelLayer]] = [:]
        /// The buffer the last batch's records were rendered into, for the next batch: a new one each batch
        /// (hundreds of KiB at the end of a run) touched fresh memory again, a page fault every 4 KiB.
        var spare = LineBatch()
    }
    /// A flow of some session's table: its key and serial (serials alone repeat across watch's workers).
    private struct TunnelledFlow: Hashable {
        var key: FlowKey
        var serial: UInt64
    }
    private let state: Mutex<State>
    /// The renderer of the map of the last batch (remade when a batch comes with another), shared by the
    /// sessions. Known by the map itself, not the batch's epoch: workers count their reloads apart (one
    /// that missed one of two quick reloads numbers the second as another's first).
    private let format = Mutex<FlowRecordFormat?>(nil)

    /// What `mac_check` says of a flow a conduit allowed without its MAC verified (collect: `not-in-record`).
    private let macCheck: MACCheck

    public init(path: String, rotation: AlertFile.Rotation, macCheck: MACCheck = .notSeen) throws(AlertFileError) {
        self.macCheck = macCheck
        let file = try AlertFile(path: path, rotation: rotation, onEvent: { Diagnostics.warning("--flows \($0)") })
        file.sinkName = "flows-file"
        state = Mutex(State(file: file))
    }

    public func consume(_ batch: EventBatch) { consume(batch, extraFields: nil) }

    /// As `consume(_:)`, with `extraFields(i)` (`,"key":value…`) added at the end of the record of the
    /// batch's event `i`: what an input adds (flow exports: the input and exporter of the flow's first
    /// record).
    public func consume(_ batch: EventBatch, extraFields: ((Int) -> String)?) {
        // The events are read where they are (a flow entry is large: copying each out cost more than
        // rendering parts of it).
        var endedCount = 0
        var endedInTunnel = false
        var startedInTunnel = false
        let events = batch.events
        for i in events.indices {
            let kind = events[i].kind
            if kind == .flowEnded {
                endedCount += 1
                if events[i].flow.inTunnel { endedInTunnel = true }
            } else if kind == .flowStarted && Self.startsTunnelled(events[i]) {
                startedInTunnel = true
            }
        }
        let started = startedInTunnel ? tunnelsStarted(batch) : []
        guard !started.isEmpty || endedCount > 0 else { return }
        // Tunnels noted and taken under the lock only when some flow of the batch has one: the layers of
        // each ended flow that has them, by event index.
        var layers: [Int: [TunnelLayer]] = [:]
        if !started.isEmpty || endedInTunnel {
            state.withLock { s in
                for (flow, l) in started { s.tunnels[flow] = l }
                guard endedInTunnel else { return }
                for (i, e) in batch.events.enumerated() where e.kind == .flowEnded && e.flow.inTunnel {
                    layers[i] = s.tunnels.removeValue(forKey: TunnelledFlow(key: e.flow.key, serial: e.flow.serial))
                }
            }
        }
        guard endedCount > 0 else { return }
        let f = format(policy: batch.policy)
        // Every record of the batch rendered into one buffer, outside the lock; written under it, so watch's
        // sessions never interleave within a line.
        var lines = state.withLock { s in
            var b = LineBatch()
            swap(&b, &s.spare)
            return b
        }
        lines.bytes.reserveCapacity(endedCount * 640)
        var clock = TimestampCache()
        for i in events.indices where events[i].kind == .flowEnded {
            // Most batches have no flow in a tunnel: no lookup (a hash) for each of their records.
            f.append(
                events[i].flow, end: events[i].endReason, tunnels: layers.isEmpty ? [] : layers[i] ?? [],
                to: &lines.bytes, clock: &clock)
            if let extra = extraFields?(i), lines.bytes.last == UInt8(ascii: "}") {
                lines.bytes.removeLast()
                lines.bytes.append(contentsOf: extra.utf8)
                lines.bytes.append(UInt8(ascii: "}"))
            }
            lines.endLine(timestampMicros: events[i].flow.lastSeen)
        }
        let sensor = f.policy.config.sensor
        state.withLock { s in
            if s.file.sensor == nil { s.file.sensor = sensor }
            s.file.write(lines)
            lines.removeAll()
            s.spare = lines
        }
    }

    /// A flow start whose packet has the flow's tunnel layers. A verdict reached later (`verdictIsLate`)
    /// points at a later packet, not the one that has them.
    private static func startsTunnelled(_ e: EngineEvent) -> Bool {
        e.flow.inTunnel && !e.flow.verdictIsLate
    }

    /// The tunnel layers of each flow of the batch that started inside a tunnel, from its first packet. Apart
    /// from the scan of the events: the decoded packet it keeps between events (hundreds of bytes) was copied
    /// at every event of every batch, tunnels or not.
    private func tunnelsStarted(_ batch: EventBatch) -> [(TunnelledFlow, [TunnelLayer])] {
        var started: [(TunnelledFlow, [TunnelLayer])] = []
        var p = DecodedPacket()
        let events = batch.events
        for i in events.indices where events[i].kind == .flowStarted && Self.startsTunnelled(events[i]) {
            guard let frame = batch.frame(of: events[i]) else { continue }
            PacketDecoder.decode(
                frame.bytes, linkType: batch.linkType, tunnelPorts: batch.policy.config.tunnelPorts, into: &p)
            started.append((TunnelledFlow(key: events[i].flow.key, serial: events[i].flow.serial), Array(p.tunnels)))
        }
        return started
    }

    private func format(policy: Policy) -> FlowRecordFormat {
        format.withLock { c in
            if let f = c, f.policy === policy { return f }
            let f = FlowRecordFormat(policy: policy, macCheck: macCheck)
            c = f
            return f
        }
    }

    /// SIGHUP: logrotate moved the file away.
    public func reopen() {
        state.withLock { s in
            if let why = s.file.reopen() { Diagnostics.error(why) }
        }
    }

    public func close() { state.withLock { $0.file.close() } }

    /// What the summary says of the file: as the alerts file's.
    public var summary: DeliverySummary.AlertsFile {
        state.withLock { s in
            DeliverySummary.AlertsFile(
                path: s.file.path, lines: s.file.lines &+ s.file.gaps, rotations: s.file.rotations,
                error: s.file.currentError, lost: s.file.lost, gaps: s.file.gaps,
                rotationFailures: s.file.rotationFailures, recreated: s.file.recreated,
                lastError: s.file.lastError?.text, lastErrorMicros: s.file.lastError?.wallMicros)
        }
    }

    /// Lines written, and records lost to write errors.
    public var counts: SinkCounts {
        state.withLock { s in
            SinkCounts(sink: "flows-file", destination: s.file.path, written: s.file.lines, failed: s.file.lost)
        }
    }
}
