import Synchronization

/// The latest metrics, handed from the daemon's control thread to the HTTP thread. The control thread
/// builds them from what the capture workers already publish for the stats record, so a scrape never
/// takes a lock the packet path takes: only this one, held for a copy of an array.
public final class MetricsRegistry: Sendable {
    private let families = Mutex<[MetricFamily]>([])

    public init() {}

    /// Replaces what the next scrape shows.
    public func publish(_ new: [MetricFamily]) { families.withLock { $0 = new } }

    public func snapshot() -> [MetricFamily] { families.withLock { $0 } }

    /// What a scrape answers: rendered outside the lock.
    public func render() -> String { PrometheusText.render(snapshot()) }
}
