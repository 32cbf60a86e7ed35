/// Where rendered records go: stdout, the alerts file, syslog; and the stages in front of them
/// (suppression, the rate limit, evidence), each wrapping the next.
///
/// A record sink may be shared by several capture workers: each one is safe to call from any thread.
public protocol RecordSink: AnyObject, Sendable {
    /// Writes the record, or passes it on; false when a stage held it back (folded, over the rate).
    @discardableResult func write(_ record: Record) -> Bool
    /// Packet time has reached `now` (µs): windows that close by then are closed.
    func advance(to now: Int64)
    /// The end of the run at packet time `now`: whatever is held back goes out.
    func finish(at now: Int64)
}

extension RecordSink {
    public func advance(to now: Int64) {}
    public func finish(at now: Int64) {}
}

/// Every record to several sinks, in order.
public final class RecordFanout: RecordSink {
    public let sinks: [RecordSink]

    public init(_ sinks: [RecordSink]) { self.sinks = sinks }

    @discardableResult
    public func write(_ record: Record) -> Bool {
        for s in sinks { s.write(record) }
        return true
    }

    public func advance(to now: Int64) {
        for s in sinks { s.advance(to: now) }
    }

    public func finish(at now: Int64) {
        for s in sinks { s.finish(at: now) }
    }
}
