import Synchronization
import ZonesepOutput

/// `--max-alert-rate`: at most N alert records (of flows and of hosts) a second of packet time; the
/// excess is counted for the summary and goes nowhere. Other records pass through.
public final class RateLimitingSink: RecordSink {
    private let limiter: Mutex<AlertRateLimiter>
    private let inner: RecordSink

    public init(maxPerSecond: Int, inner: RecordSink) {
        limiter = Mutex(AlertRateLimiter(maxPerSecond: maxPerSecond))
        self.inner = inner
    }

    @discardableResult
    public func write(_ record: Record) -> Bool {
        if record.kind == .alert, record.alert != nil || record.host != nil {
            guard limiter.withLock({ $0.admit(at: record.timestampMicros) }) else { return false }
        }
        return inner.write(record)
    }

    public func advance(to now: Int64) { inner.advance(to: now) }
    public func finish(at now: Int64) { inner.finish(at: now) }

    public var limited: UInt64 { limiter.withLock { $0.limited } }
}
