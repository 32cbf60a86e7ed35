import Synchronization
import ZonesepCore
import ZonesepOutput

/// Standard output in the chosen format: alerts, updates, evidence records and the summary; `stats`
/// records too with `--output json` (with text output they are notes on stderr). A lock keeps each line
/// whole whichever capture worker wrote it.
public final class StdoutSink: RecordSink {
    public let format: OutputFormat
    private let out: Mutex<LineWriter>

    /// `flushEachLine`: a daemon's reader is waiting for every line; a replay's output is flushed at the end.
    public init(format: OutputFormat, flushEachLine: Bool, fd: Int32 = 1) {
        self.format = format
        let writer = LineWriter(fd: fd, flushEachLine: flushEachLine)
        // A daemon's first lost line is said when it happens, as the alerts file's is, not days later at
        // the stop; a replay's losses are said once at its end.
        if flushEachLine {
            writer.onFirstFailure = {
                Diagnostics.warning(
                    "standard output: \($0); lines are counted as lost (stats 'sinks', the summary's delivery) "
                        + "until it can be written again")
            }
        }
        out = Mutex(writer)
    }

    @discardableResult
    public func write(_ record: Record) -> Bool {
        if record.kind == .stats && format == .text {
            Diagnostics.note(record.text)
            return true
        }
        // A summary's JSON goes out as it is rendered, in pieces: after a scan it is megabytes.
        if format == .json, let pieces = record.jsonPieces {
            out.withLock { o in
                o.writeLine(inPieces: pieces)
                if record.kind == .summary { o.flush() }
            }
            return true
        }
        // JSON goes out as the record's bytes (no `String` made of them); text as its line.
        let json = format == .json ? record.jsonBytes : nil
        let text = format == .json ? nil : record.text
        out.withLock { o in
            if let json { o.write(line: json) } else if let text { o.write(line: text) }
            if record.kind == .summary { o.flush() }
        }
        return true
    }

    /// Writes the summary and flushes; false when it could not be written whole (a full disk, a closed
    /// pipe): the run's closing lines on stderr say so, and a daemon's exit status.
    public func writeSummary(_ record: Record) -> Bool {
        let before = out.withLock { o in
            o.flush()  // the lines before it are not the summary's to answer for
            return o.lostLines
        }
        write(record)
        return out.withLock { $0.lostLines } == before
    }

    /// An alert's JSON line rendered straight into the output's buffer, for a caller that knows stdout is
    /// the alert's only output and JSON its format (`AlertEvents`, a replay with no delivery option): no
    /// record, no array of its own, no copy. The same bytes as `write` of the alert's record. `flowID`: the
    /// digest of the alert's Community ID when the caller has it (the batch's, shared with the summary).
    public func writeAlertJSON(
        _ a: Alert, format: AlertFormat, flowID: FlowIDDigest? = nil, clock: inout TimestampCache
    ) {
        out.withLock { o in o.writeLine { format.appendJSON(a, to: &$0, clock: &clock, flowID: flowID) } }
    }

    /// Flushes what is buffered; the lines it could not write are said by the run's closing lines
    /// (`DeliveryPipeline.closingLosses`), once, with the total.
    public func finish(at now: Int64) { out.withLock { $0.flush() } }

    /// The first write error (errno text), if any.
    public var failure: String? { out.withLock { $0.failure } }

    /// The summary's `delivery.stdout`: nil while no line was lost.
    public var losses: DeliverySummary.Stdout? {
        out.withLock {
            $0.lostLines == 0
                ? nil
                : DeliverySummary.Stdout(
                    lines: $0.lines - min($0.lines, $0.lostLines), lost: $0.lostLines, error: $0.failure)
        }
    }

    /// Lines written and lines lost to write errors (a closed pipe, a full disk).
    public var counts: SinkCounts {
        out.withLock {
            SinkCounts(
                sink: "stdout", destination: "stdout", written: $0.lines - min($0.lines, $0.lostLines),
                failed: $0.lostLines)
        }
    }
}
