import Synchronization
import ZonesepCore
import ZonesepOutput

/// `--suppress-window`: folds alerts for the same rule, initiator, responder, port and protocol (a host
/// finding: the same rule and MAC, or rule, address and VLAN) within a window of packet time into the
/// first, and writes an `alert_update` with the count when the window closes. Wraps the sink the alerts would otherwise go to; every other record passes straight through.
public final class SuppressingSink: RecordSink {
    private struct State {
        var suppressor: AlertSuppressor
        /// Host findings, keyed per (rule, MAC) or (rule, address, VLAN), in windows of the same length.
        var hosts: WindowedSuppressor<HostFinding>
        /// The map of the latest alert: updates name zones with it.
        var lastFormat: AlertFormat?
    }
    private let state: Mutex<State>
    private let inner: RecordSink

    public init(windowMicros: Int64, maxWindows: Int = AlertSuppressor.defaultMaxWindows, inner: RecordSink) {
        state = Mutex(
            State(
                suppressor: AlertSuppressor(windowMicros: windowMicros, maxWindows: maxWindows),
                hosts: WindowedSuppressor(windowMicros: windowMicros, maxWindows: maxWindows)))
        self.inner = inner
    }

    @discardableResult
    public func write(_ record: Record) -> Bool {
        if record.kind == .alert, let f = record.host { return write(host: f, record) }
        guard record.kind == .alert, let a = record.alert else { return inner.write(record) }
        // Under the lock from the fold to `opened`: another worker's alert for the same key waits.
        return state.withLock { s in
            for u in s.suppressor.closed(by: record.timestampMicros) { writeUpdate(u, s.lastFormat) }
            if s.suppressor.fold(a) { return false }
            s.lastFormat = record.format
            guard inner.write(record) else { return false }
            s.suppressor.opened(a)
            // A window the cap closed early to make room reports what it folded now.
            for u in s.suppressor.closed(by: Int64.min) { writeUpdate(u, s.lastFormat) }
            return true
        }
    }

    /// A host finding: folded when the same one (same key) was written less than a window ago.
    private func write(host f: HostFinding, _ record: Record) -> Bool {
        state.withLock { s in
            for u in s.hosts.closed(by: record.timestampMicros) { writeUpdate(u, s.lastFormat) }
            if s.hosts.fold(f) { return false }
            s.lastFormat = record.format
            guard inner.write(record) else { return false }
            s.hosts.opened(f)
            for u in s.hosts.closed(by: Int64.min) { writeUpdate(u, s.lastFormat) }
            return true
        }
    }

    public func advance(to now: Int64) {
        state.withLock { s in
            for u in s.suppressor.closed(by: now) { writeUpdate(u, s.lastFormat) }
            for u in s.hosts.closed(by: now) { writeUpdate(u, s.lastFormat) }
        }
        inner.advance(to: now)
    }

    public func finish(at now: Int64) {
        state.withLock { s in
            for u in s.suppressor.finish(at: now) { writeUpdate(u, s.lastFormat) }
            for u in s.hosts.finish(at: now) { writeUpdate(u, s.lastFormat) }
        }
        inner.finish(at: now)
    }

    /// Alerts (of flows and of hosts) folded into an earlier one.
    public var suppressed: UInt64 { state.withLock { $0.suppressor.suppressed &+ $0.hosts.suppressed } }

    /// Windows closed early to stay within the cap.
    public var evicted: UInt64 { state.withLock { $0.suppressor.evicted &+ $0.hosts.evicted } }

    private func writeUpdate(_ u: AlertSuppressor.Update, _ format: AlertFormat?) {
        guard let format else { return }
        let records = DeliveryRecords(format: format)
        inner.write(
            Record(
                kind: .alertUpdate, timestampMicros: u.closedMicros, json: records.updateJSON(u),
                text: records.updateText(u), syslog: { records.updateSyslog(u, formatter: $0) }))
    }

    private func writeUpdate(_ u: WindowedSuppressor<HostFinding>.Update, _ format: AlertFormat?) {
        guard let format else { return }
        let records = DeliveryRecords(format: format)
        inner.write(
            Record(
                kind: .alertUpdate, timestampMicros: u.closedMicros, json: records.updateJSON(u),
                text: records.updateText(u), syslog: { records.updateSyslog(u, formatter: $0) }))
    }
}

extension WindowedSuppressor {
    /// Every window that closed by packet time `now`, oldest first.
    mutating func closed(by now: Int64) -> [Update] {
        var out: [Update] = []
        while let u = nextClosed(by: now) { out.append(u) }
        return out
    }
}
