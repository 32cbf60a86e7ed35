import Synchronization
import ZonesepCore
import ZonesepOutput

/// The one writer of a live session: alerts from every capture worker, the stats records and the summary,
/// to stdout in the chosen format and, with `--alerts`, to the alerts file as JSON Lines. A lock keeps each
/// line whole whichever worker raised it; every line is flushed at once (a daemon's reader is waiting).
final class EventWriter: Sendable {
    private struct Sinks {
        var out: LineWriter
        var file: AlertsFileSink?
    }

    let format: OutputFormat
    private let sinks: Mutex<Sinks>

    init(format: OutputFormat, alertFile: consuming sending AlertsFileSink?) {
        self.format = format
        sinks = Mutex(Sinks(out: LineWriter(fd: 1, flushEachLine: true), file: alertFile))
    }

    /// Formats outside the lock (with the worker's own map, the one that judged the flow), writes inside it.
    func alert(_ alert: Alert, _ alertFormat: AlertFormat) {
        let json = alertFormat.json(alert)
        let line = format == .json ? json : alertFormat.text(alert)
        sinks.withLock { s in
            s.out.write(line: line)
            s.file?.write(line: json)
        }
    }

    /// A `stats` record: JSON on stdout with `--output json`, a line on stderr otherwise; always in the file.
    func stats(json: String, text: String) {
        sinks.withLock { s in
            if format == .json {
                s.out.write(line: json)
            } else {
                Diagnostics.note(text)
            }
            s.file?.write(line: json)
        }
    }

    /// The closing summary: as replay writes it on stdout, and its JSON record in the file.
    func summary(_ summary: ReplaySummary) {
        let json = summary.json()
        let line = format == .json ? json : summary.text()
        sinks.withLock { s in
            s.out.write(line: line)
            s.out.flush()
            s.file?.write(line: json)
        }
    }
}
