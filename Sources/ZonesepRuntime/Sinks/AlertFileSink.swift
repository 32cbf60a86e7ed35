import Synchronization
import ZonesepOutput

/// `--alerts FILE`: every record as a JSON line (stats and the watch summary included), rotating by size
/// or by the UTC day of packet time. Records go in whole or not at all: an outage (a full disk) is said
/// once on stderr, and so is its end, when a `sink_gap` record in the file counts what was lost; alerts
/// still go to the other outputs meanwhile.
///
/// The records of an engine batch are gathered and written together when the batch ends (`flush()`, by
/// `AlertFileBatchEnd`), before a reopen, and at the end of the run: one `write(2)` a batch rather than
/// one a record (a sensor's batch raises dozens: alerts, evidence records). `AlertFile` writes the
/// gathered lines with what writing them one by one would leave (the same bytes in the same files, the
/// same records counted as lost).
public final class AlertFileSink: RecordSink {
    private struct State {
        var file: AlertFile
        /// The records written since the last flush, rendered; the buffer is kept between batches.
        var waiting = LineBatch()

        mutating func flush() {
            guard !waiting.isEmpty else { return }
            file.write(waiting)
            waiting.removeAll()
        }
    }
    private let state: Mutex<State>

    public init(path: String, rotation: AlertFile.Rotation) throws(AlertFileError) {
        let file = try AlertFile(path: path, rotation: rotation, onEvent: { Diagnostics.warning("--alerts \($0)") })
        state = Mutex(State(file: file))
    }

    /// Takes the record for the next flush.
    @discardableResult
    public func write(_ record: Record) -> Bool {
        let line = record.jsonBytes
        state.withLock { s in
            if s.file.sensor == nil, let f = record.format {
                // A `sink_gap` record before the records already waiting would not have named the sensor
                // had each been written when it came: they go first (once a run: the sensor stays set).
                s.flush()
                s.file.sensor = f.policy.config.sensor
            }
            s.waiting.append(line: line, timestampMicros: record.timestampMicros)
        }
        return true
    }

    /// Writes the records waiting: at the end of each engine batch, and after a record made outside one.
    public func flush() { state.withLock { $0.flush() } }

    /// The end of the run: the records its last stages gave (suppression's updates, the last evidence
    /// files) are written.
    public func finish(at now: Int64) { flush() }

    /// SIGHUP: logrotate moved the file away.
    public func reopen() {
        state.withLock { s in
            s.flush()  // the records before the signal belong to the file logrotate moved away
            if let why = s.file.reopen() { Diagnostics.error(why) }
        }
    }

    public func close() {
        state.withLock { s in
            s.flush()
            s.file.close()
        }
    }

    /// Lines written, and records lost to write errors (the records waiting written first).
    public var counts: SinkCounts {
        state.withLock { s in
            s.flush()
            return SinkCounts(sink: "alerts-file", destination: s.file.path, written: s.file.lines, failed: s.file.lost)
        }
    }

    /// What the summary says of the file (the records waiting written first).
    public var summary: DeliverySummary.AlertsFile {
        state.withLock { s in
            s.flush()
            return DeliverySummary.AlertsFile(
                path: s.file.path, lines: s.file.lines &+ s.file.gaps, rotations: s.file.rotations,
                error: s.file.currentError, lost: s.file.lost, gaps: s.file.gaps,
                rotationFailures: s.file.rotationFailures, recreated: s.file.recreated,
                lastError: s.file.lastError?.text, lastErrorMicros: s.file.lastError?.wallMicros)
        }
    }
}
