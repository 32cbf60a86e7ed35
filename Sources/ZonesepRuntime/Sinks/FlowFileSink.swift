import Synchronization
import ZonesepCore
import ZonesepOutput

/// `--flows FILE`: one `flow` record per ended flow, allowed or not, as JSON Lines, rotating like
/// `--alerts` (the same file writer: whole lines or none, an outage said once with a `sink_gap` record).
///
/// An event sink rather than a record sink: it needs every flow's end, which alerts never carry. Watch's
/// sessions share one instance (one file), so the file is behind a lock.
public final class FlowFileSink: EventSink {
    public let interests: EventInterests = [.flowEnds]
    private struct State {
        var file: AlertFile
    }
    private let state: Mutex<State>
    /// The renderer of the map in force (remade when a reload swaps it), shared by the sessions.
    private let format = Mutex<(epoch: Int, format: FlowRecordFormat?)>((-1, nil))

    public init(path: String, rotation: AlertFile.Rotation) throws(AlertFileError) {
        let file = try AlertFile(path: path, rotation: rotation)
        file.onEvent = { Diagnostics.warning("--flows \($0)") }
        file.sinkName = "flows-file"
        state = Mutex(State(file: file))
    }

    public func consume(_ batch: EventBatch) { consume(batch, extraFields: nil) }

    /// As `consume(_:)`, with `extraFields(i)` (`,"key":value…`) added at the end of the record of the
    /// batch's event `i`: what an input adds (flow exports: the input and exporter of the flow's first
    /// record).
    public func consume(_ batch: EventBatch, extraFields: ((Int) -> String)?) {
        var lines: [(line: String, time: Int64)] = []
        var f: FlowRecordFormat?
        for (i, e) in batch.events.enumerated() where e.kind == .flowEnded {
            if f == nil { f = format(policy: batch.policy, epoch: batch.policyEpoch) }
            guard let f else { continue }
            var line = f.json(e.flow, end: e.endReason)
            if let extra = extraFields?(i), line.hasSuffix("}") { line = String(line.dropLast()) + extra + "}" }
            lines.append((line, e.flow.lastSeen))
        }
        guard !lines.isEmpty else { return }
        let sensor = f?.policy.config.sensor
        // Rendered outside the lock; written under it, so watch's sessions never interleave within a line.
        state.withLock { s in
            if s.file.sensor == nil { s.file.sensor = sensor }
            for l in lines { s.file.write(line: l.line, timestampMicros: l.time) }
        }
    }

    private func format(policy: Policy, epoch: Int) -> FlowRecordFormat {
        format.withLock { c in
            if c.epoch == epoch, let f = c.format { return f }
            let f = FlowRecordFormat(policy: policy)
            c = (epoch, f)
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

    /// Lines written, and records lost to write errors.
    public var counts: SinkCounts {
        state.withLock { s in
            SinkCounts(sink: "flows-file", destination: s.file.path, written: s.file.lines, failed: s.file.lost)
        }
    }
}
