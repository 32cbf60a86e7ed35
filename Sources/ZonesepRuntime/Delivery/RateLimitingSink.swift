import Synchronization
import ZonesepOutput

/// `--max-alert-rate`: at most N alert records (of flows and of hosts) a second of packet time; the
/// excess is counted for the summary and goes nowhere. Other records pass through.
public final class RateLimitingSink: RecordSink {
    private let limiter: Mutex<AlertRateLimiter>
    private let inner: RecordSink
    /// Told of each alert held back, before the evidence stage could give it a file: the evidence outcomes
    /// say why its flow has none.
    private let heldBack: (@Sendable (Record) -> Void)?

    public init(maxPerSecond: Int, inner: RecordSink, heldBack: (@Sendable (Record) -> Void)? = nil) {
        limiter = Mutex(AlertRateLimiter(maxPerSecond: maxPerSecond))
        self.inner = inner
        self.heldBack = heldBack
    }

    @discardableResult
    public func write(_ record: Record) -> Bool {
        if record.kind == .alert, record.alert != nil || record.host != nil {
            guard limiter.withLock({ $0.admit(at: record.timestampMicros) }) else {
                heldBack?(record)
                return false
            }
        }
        return inner.write(record)
    }

    public func advance(to now: Int64) { inner.advance(to: now) }
    public func finish(at now: Int64) { inner.finish(at: now) }

    public var limited: UInt64 { limiter.withLock { $0.limited } }
}
