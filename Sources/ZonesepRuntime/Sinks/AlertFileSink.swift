import Synchronization
import ZonesepOutput

/// `--alerts FILE`: every record as a JSON line (stats and the watch summary included), rotating by size
/// or by the UTC day of packet time. A write failure is said once on stderr; alerts still go elsewhere.
public final class AlertFileSink: RecordSink {
    private struct State {
        var file: AlertFile
        var reportedFailure = false
    }
    private let state: Mutex<State>

    public init(path: String, rotation: AlertFile.Rotation) throws(AlertFileError) {
        state = Mutex(State(file: try AlertFile(path: path, rotation: rotation)))
    }

    @discardableResult
    public func write(_ record: Record) -> Bool {
        state.withLock { s in
            s.file.write(line: record.json, timestampMicros: record.timestampMicros)
            if !s.reportedFailure, let why = s.file.failure {
                s.reportedFailure = true
                Diagnostics.error("\(why); alerts still go to stdout")
            }
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

    /// What the summary says of the file.
    public var summary: DeliverySummary.AlertsFile {
        state.withLock { s in
            DeliverySummary.AlertsFile(
                path: s.file.path, lines: s.file.lines, rotations: s.file.rotations, error: s.file.failure)
        }
    }
}
