import ZonesepOutput

#if canImport(Glibc)
    import Glibc
#endif

/// `--syslog URL` (repeatable): alerts, updates and evidence records as RFC 5424 messages, each queued
/// to every destination's own sender thread, so a slow collector never holds up the packet path.
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
        for s in senders { s.send(message) }
        return true
    }

    /// Gives every destination up to the flush timeout to deliver what is queued; what is left is
    /// counted as dropped, and said.
    public func drain() -> [DeliverySummary.Syslog] {
        senders.map { s in
            if flushTimeout > 0 && !s.waitUntilEmpty(timeout: min(1, flushTimeout)) {
                Diagnostics.note(
                    "syslog \(s.destination): waiting up to \(flushTimeout) s for \(s.queued) queued messages")
            }
            let stats = s.finish(timeout: flushTimeout)
            if stats.dropped > 0 {
                Diagnostics.warning(
                    "syslog \(s.destination): \(stats.dropped) messages dropped (\(stats.droppedQueueFull) with "
                        + "the queue full, \(stats.droppedUndelivered) undelivered at the end); \(stats.sent) sent")
            }
            return DeliverySummary.Syslog(destination: s.destination.description, stats: stats)
        }
    }

    /// This host's name for the HOSTNAME field.
    public static func hostname() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "-" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
