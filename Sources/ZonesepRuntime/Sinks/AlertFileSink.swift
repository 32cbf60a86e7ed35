import Synchronization
import ZonesepOutput

/// `--alerts FILE`: every record as a JSON line (stats and the watch summary included), rotating by size
/// or by the UTC day of packet time. Records go in whole or not at all: an outage (a full disk) is said
/// once on stderr, and so is its end, when a `sink_gap` record in the file counts what was lost; alerts
/// still go to the other outputs meanwhile.
public final class AlertFileSink: RecordSink {
    private struct State {
        var file: AlertFile
    }
    private let state: Mutex<State>

    public init(path: String, rotation: AlertFile.Rotation) throws(AlertFileError) {
        let file = try AlertFile(path: path, rotation: rotation)
        file.onEvent = { Diagnostics.warning("--alerts \($0)") }
        state = Mutex(State(file: file))
    }

    @discardableResult
    public func write(_ record: Record) -> Bool {
        let line = record.jsonBytes
        state.withLock { s in
            if s.file.sensor == nil, let f = record.format { s.file.sensor = f.policy.config.sensor }
            s.file.write(line: line, timestampMicros: record.timestampMicros)
        }
        return true
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
            SinkCounts(sink: "alerts-file", destination: s.file.path, written: s.file.lines, failed: s.file.lost)
        }
    }

    /// What the summary says of the file.
    public var summary: DeliverySummary.AlertsFile {
        state.withLock { s in
            DeliverySummary.AlertsFile(
                path: s.file.path, lines: s.file.lines, rotations: s.file.rotations, error: s.file.failure,
                lost: s.file.lost, gaps: s.file.gaps)
        }
    }
}
