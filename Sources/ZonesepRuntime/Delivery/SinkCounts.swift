import ZonesepOutput

/// What one output has done so far, for the stats record and the metrics: records written, dropped
/// before they could be (a full queue, a skipped packet) and failed (a write error, undelivered at the
/// end). Read by the control thread once a second, from each output's own counts.
public struct SinkCounts: Sendable, Equatable {
    /// `stdout`, `alerts-file`, `syslog`, `evidence`.
    public var sink: String
    /// The syslog destination, the file or directory.
    public var destination: String
    public var written: UInt64 = 0
    public var dropped: UInt64 = 0
    public var failed: UInt64 = 0

    public init(sink: String, destination: String, written: UInt64 = 0, dropped: UInt64 = 0, failed: UInt64 = 0) {
        self.sink = sink
        self.destination = destination
        self.written = written
        self.dropped = dropped
        self.failed = failed
    }
}

extension SinkCounts {
    /// The `sinks` array of a `stats` record (watch's and collect's).
    public static func json(_ sinks: [SinkCounts]) -> String {
        JSONObject.array(
            sinks.map {
                var s = JSONObject()
                s.add("sink", $0.sink)
                s.add("destination", $0.destination)
                s.add("written", $0.written)
                s.add("dropped", $0.dropped)
                s.add("failed", $0.failed)
                return s.json
            })
    }
}
