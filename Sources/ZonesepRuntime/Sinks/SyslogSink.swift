import ZonesepOutput

#if canImport(Glibc)
    import Glibc
#endif

/// `--syslog URL` (repeatable): alerts, updates and evidence records as RFC 5424 messages to every
/// destination. What a batch of packets raises is queued and leaves at the batch's end (`endOfBatch`): a
/// UDP destination's datagrams in one system call from the engine's thread, a stream's messages by its own
/// sender thread, woken once; a slow collector never holds up the packet path.
public final class SyslogSink: RecordSink {
    public let senders: [SyslogSender]
    public let formatter: SyslogFormatter
    public let flushTimeout: Double

    public init(senders: [SyslogSender], formatter: SyslogFormatter, flushTimeout: Double) {
        self.senders = senders
        self.formatter = formatter
        self.flushTimeout = flushTimeout
    }

    @discardableResult
    public func write(_ record: Record) -> Bool {
        guard let make = record.syslog else { return true }
        let message = make(formatter)
        for s in senders { s.enqueue(message) }
        return true
    }

    /// The end of a batch of packets (or of export datagrams): what it queued leaves now.
    public func endOfBatch() {
        for s in senders { s.flush() }
    }

    /// The end of the run: the last records (suppression's updates) leave before the drain.
    public func finish(at now: Int64) { endOfBatch() }

    /// Gives every destination up to the flush timeout to deliver what is queued; what is left is
    /// counted as dropped, and said.
    /// Every destination drains at once, and the whole takes at most the flush timeout.
    public func drain() -> [DeliverySummary.Syslog] {
        endOfBatch()
        let start = SyslogSink.monotonicSeconds()
        func left() -> Double { max(0, flushTimeout - (SyslogSink.monotonicSeconds() - start)) }
        for s in senders where flushTimeout > 0 && !s.waitUntilEmpty(timeout: min(1, left())) {
            Diagnostics.note(
                "syslog \(s.destination): waiting up to \(flushTimeout) s for \(s.queued) queued messages")
        }
        let remaining = left()
        for s in senders { s.requestFinish(timeout: remaining) }
        return senders.map { s in
            let stats = s.finish(timeout: remaining)
            let refused = s.refusedByReason
            if !refused.isEmpty {
                Diagnostics.warning(
                    "syslog \(s.destination): \(stats.droppedUndelivered) datagrams refused by the kernel ("
                        + refused.map { "\($0.count) \($0.reason)" }.joined(separator: ", ") + "); \(stats.sent) sent")
            } else if stats.dropped > 0 {
                Diagnostics.warning(
                    "syslog \(s.destination): \(stats.dropped) messages dropped (\(stats.droppedQueueFull) with "
                        + "the queue full, \(stats.droppedUndelivered) undelivered at the end, "
                        + "\(stats.unacknowledged) of them never acknowledged); \(stats.sent) sent")
            }
            return DeliverySummary.Syslog(destination: s.destination, stats: stats)
        }
    }

    static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// This host's name for the HOSTNAME field.
    public static func hostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "-" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
