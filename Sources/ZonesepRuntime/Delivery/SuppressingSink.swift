import Synchronization
import ZonesepCore
import ZonesepOutput

/// `--suppress-window`: folds alerts for the same rule, initiator, responder, port and protocol (a host
/// finding: the same rule and MAC, or rule, address and VLAN) within a window of packet time into the
/// first, and writes an `alert_update` with the count when the window closes. Wraps the sink the alerts would otherwise go to; every other record passes straight through.
///
/// Each window keeps the map its first alert was written with (`Record.format`), and its update is
/// rendered with that map: a `SIGHUP` reload in the window may renumber, rename or relabel zones and
/// declarations, and the update must name them as the alert it counts did. The key has no zone in it, so
/// the same flows before and after a reload fold into one window.
public final class SuppressingSink: RecordSink {
    private struct State {
        var suppressor: AlertSuppressor
        /// Host findings, keyed per (rule, MAC) or (rule, address, VLAN), in windows of the same length.
        var hosts: WindowedSuppressor<HostFinding>
    }
    private let state: Mutex<State>
    private let inner: RecordSink
    /// Told of each flow alert folded: its flow gets no evidence file, and must say why.
    private let folded: (@Sendable (Record) -> Void)?

    public init(
        windowMicros: Int64, maxWindows: Int = AlertSuppressor.defaultMaxWindows, inner: RecordSink,
        folded: (@Sendable (Record) -> Void)? = nil
    ) {
        state = Mutex(
            State(
                suppressor: AlertSuppressor(windowMicros: windowMicros, maxWindows: maxWindows),
                hosts: WindowedSuppressor(windowMicros: windowMicros, maxWindows: maxWindows)))
        self.inner = inner
        self.folded = folded
    }

    @discardableResult
    public func write(_ record: Record) -> Bool {
        if record.kind == .alert, let f = record.host { return write(f, record, in: \.hosts) }
        guard record.kind == .alert, let a = record.alert else { return inner.write(record) }
        return write(a, record, in: \.suppressor)
    }

    /// A flow alert or a host finding: folded when one with the same key was written less than a window ago.
    /// Under the lock from the fold to `opened`: another worker's alert for the same key waits.
    private func write<S: UpdateRecording>(
        _ subject: S, _ record: Record, in windows: WritableKeyPath<State, WindowedSuppressor<S>>
    ) -> Bool {
        state.withLock { s in
            for u in s[keyPath: windows].closed(by: record.timestampMicros) { writeUpdate(u) }
            if s[keyPath: windows].fold(subject) {
                if record.host == nil { folded?(record) }
                return false
            }
            guard inner.write(record) else { return false }
            s[keyPath: windows].opened(subject, format: record.format)
            // A window the cap closed early to make room reports what it folded now.
            for u in s[keyPath: windows].closed(by: Int64.min) { writeUpdate(u) }
            return true
        }
    }

    public func advance(to now: Int64) {
        state.withLock { s in
            for u in s.suppressor.closed(by: now) { writeUpdate(u) }
            for u in s.hosts.closed(by: now) { writeUpdate(u) }
        }
        inner.advance(to: now)
    }

    public func finish(at now: Int64) {
        state.withLock { s in
            for u in s.suppressor.finish(at: now) { writeUpdate(u) }
            for u in s.hosts.finish(at: now) { writeUpdate(u) }
        }
        inner.finish(at: now)
    }

    /// Alerts (of flows and of hosts) folded into an earlier one.
    public var suppressed: UInt64 { state.withLock { $0.suppressor.suppressed &+ $0.hosts.suppressed } }

    /// Windows closed early to stay within the cap.
    public var evicted: UInt64 { state.withLock { $0.suppressor.evicted &+ $0.hosts.evicted } }

    /// The update in the map its first alert was written with (a record with no map names nothing: none).
    private func writeUpdate<S: UpdateRecording>(_ u: WindowedSuppressor<S>.Update) {
        guard let format = u.format else { return }
        inner.write(S.updateRecord(u, DeliveryRecords(format: format)))
    }
}

/// What a closed window writes: an `alert_update` in the records of its subject's kind (flow alerts and
/// host findings name different fields).
protocol UpdateRecording: Suppressible {
    static func updateRecord(_ u: WindowedSuppressor<Self>.Update, _ records: DeliveryRecords) -> Record
}

extension Alert: UpdateRecording {
    static func updateRecord(_ u: WindowedSuppressor<Alert>.Update, _ records: DeliveryRecords) -> Record {
        Record(
            kind: .alertUpdate, timestampMicros: u.closedMicros, json: records.updateJSON(u),
            text: records.updateText(u), syslog: { records.updateSyslog(u, formatter: $0) })
    }
}

extension HostFinding: UpdateRecording {
    static func updateRecord(_ u: WindowedSuppressor<HostFinding>.Update, _ records: DeliveryRecords) -> Record {
        Record(
            kind: .alertUpdate, timestampMicros: u.closedMicros, json: records.updateJSON(u),
            text: records.updateText(u), syslog: { records.updateSyslog(u, formatter: $0) })
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
