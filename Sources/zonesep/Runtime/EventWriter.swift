import Synchronization
import ZonesepCore
import ZonesepOutput

/// The one stdout writer of a live session: alerts from every capture worker, the stats records and the
/// summary, in the chosen format. A lock keeps each line whole whichever worker raised it; every line is
/// flushed at once (a daemon's reader is waiting). The `--alerts` file belongs to `Delivery`.
final class EventWriter: Sendable {
    private struct Sinks {
        var out: LineWriter
    }

    let format: OutputFormat
    private let sinks: Mutex<Sinks>

    init(format: OutputFormat) {
        self.format = format
        sinks = Mutex(Sinks(out: LineWriter(fd: 1, flushEachLine: true)))
    }

    /// A record that delivery wrote (alert, alert_update, evidence): to stdout only, delivery has the file.
    func record(json: String, text: String) {
        let line = format == .json ? json : text
        sinks.withLock { $0.out.write(line: line) }
    }

    /// Formats outside the lock (with the worker's own map, the one that judged the flow), writes inside it.
    func alert(_ alert: Alert, _ alertFormat: AlertFormat) {
        let line = format == .json ? alertFormat.json(alert) : alertFormat.text(alert)
        sinks.withLock { s in s.out.write(line: line) }
    }

    /// A `stats` record: JSON on stdout with `--output json`, a line on stderr otherwise.
    func stats(json: String, text: String) {
        sinks.withLock { s in
            if format == .json {
                s.out.write(line: json)
            } else {
                Diagnostics.note(text)
            }
        }
    }

    /// The closing summary, as replay writes it on stdout.
    func summary(_ summary: ReplaySummary) {
        let line = format == .json ? summary.json() : summary.text()
        sinks.withLock { s in
            s.out.write(line: line)
            s.out.flush()
        }
    }
}
