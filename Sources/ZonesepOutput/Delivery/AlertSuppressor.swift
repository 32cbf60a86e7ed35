import ZonesepCore

/// What `--suppress-window` folds: an alert of a flow, or a host rule's finding, each with the key that makes
/// two of them "the same alert again" and the packet time it was raised at.
public protocol Suppressible: Sendable {
    associatedtype SuppressionKey: Hashable & Sendable
    var suppressionKey: SuppressionKey { get }
    var timestampMicros: Int64 { get }
}

/// A flow alert's key: the same rule, initiator, responder, responder port and protocol, and whether it is
/// the alert of a tunnel's ends (of which type): a tunnel's alert and a flow's are never the same alert.
public struct FlowAlertKey: Hashable, Sendable {
    public var rule: RuleID
    public var initiator: IPAddress
    public var responder: IPAddress
    /// The responder's port; 0 for protocols without ports.
    public var port: UInt16
    public var proto: UInt8
    public var tunnelEnds: TunnelType?

    public init(_ a: Alert) {
        rule = a.rule
        initiator = a.srcIP
        responder = a.destIP
        port = a.destPort ?? 0
        proto = a.proto
        tunnelEnds = a.tunnelEnds
    }
}

extension Alert: Suppressible {
    public var suppressionKey: FlowAlertKey { FlowAlertKey(self) }
}

/// A host finding's key, as DESIGN.md counts findings: per (rule, MAC) for `dual-homed-host`, per (rule,
/// address, innermost VLAN) for `zone-vlan-mismatch`. The engine raises each once a run; the window folds
/// the same finding raised again by another capture worker, or after the host table forgot the MAC.
public enum HostFindingKey: Hashable, Sendable {
    case device(HostRuleID, MACAddress)
    case address(HostRuleID, IPAddress, UInt16?)
}

extension HostFinding: Suppressible {
    public var suppressionKey: HostFindingKey {
        switch rule {
        case .dualHomedHost: return .device(rule, mac)
        case .zoneVLANMismatch: return .address(rule, address.ip, address.innermostVLAN)
        }
    }
}

/// The suppressor of flow alerts (`--suppress-window`).
public typealias AlertSuppressor = WindowedSuppressor<Alert>

/// Folds repeated alerts into the first: an alert with the same key (for a flow: rule, initiator,
/// responder, responder port, protocol) as one raised less than `window` earlier is not written again, only
/// counted; when the window closes (or the run ends) an `alert_update` carries the count and the last time
/// it was seen.
///
/// Pure and in packet time: the same alerts in give the same folds out, whatever the wall clock says.
/// Windows close in the order they opened; `nextClosed(by:)` costs one comparison when none is due.
///
/// At most `maxWindows` windows are open: a flood of distinct violating flows would otherwise keep one
/// for each. Opening one more closes the oldest early (counted in `evicted`); if it had folded alerts,
/// its `alert_update` comes out then, so no count is lost, only the next alert of its key is written
/// again rather than folded.
public struct WindowedSuppressor<Subject: Suppressible>: Sendable {
    public typealias Key = Subject.SuppressionKey

    /// A closed window that folded at least one alert.
    public struct Update: Sendable {
        /// The alert that was written (for a flow, its flow id names the window).
        public var first: Subject
        /// Alerts folded into it, not counting the first.
        public var folded: UInt64
        /// The time of the last folded alert (its flow's first packet).
        public var lastSeenMicros: Int64
        /// When the window closed: its end, or the end of the run if that came first.
        public var closedMicros: Int64
        /// The map `first` was written with (`opened(_:format:)`): a reload since may have renumbered,
        /// renamed or relabelled its zones and declarations, and the update names them as the alert did.
        public var format: AlertFormat?

        @usableFromInline
        init(_ w: Window, closedMicros: Int64) {
            first = w.first
            folded = w.folded
            lastSeenMicros = w.lastSeen
            self.closedMicros = closedMicros
            format = w.format
        }
    }

    @usableFromInline
    struct Window: Sendable {
        @usableFromInline var first: Subject
        @usableFromInline var folded: UInt64 = 0
        @usableFromInline var lastSeen: Int64
        /// One reference, taken when the window opens: folding an alert into it costs nothing more.
        @usableFromInline var format: AlertFormat?

        @usableFromInline
        init(first: Subject, lastSeen: Int64, format: AlertFormat?) {
            self.first = first
            self.lastSeen = lastSeen
            self.format = format
        }
    }

    public let windowMicros: Int64
    /// The most windows open at once.
    public let maxWindows: Int
    /// The default cap: 65,536 windows, about 40 MB (measured: 38 MB more resident with all of them open).
    public static var defaultMaxWindows: Int { 65_536 }
    @usableFromInline var open: [Key: Window] = [:]
    /// Updates of windows closed early to make room, waiting to be handed out by `nextClosed(by:)`.
    @usableFromInline var early: [Update] = []
    /// Windows closed early to stay within `maxWindows`.
    @usableFromInline var _evicted: UInt64 = 0
    public var evicted: UInt64 { _evicted }
    /// Keys by opening order, with the time each closes; an entry whose window was replaced is skipped.
    @usableFromInline var closing: [(key: Key, first: Int64)] = []
    @usableFromInline var closingHead = 0
    /// Alerts folded so far.
    @usableFromInline var _suppressed: UInt64 = 0
    public var suppressed: UInt64 { _suppressed }

    /// `windowMicros` of 0 (or less) folds nothing.
    public init(windowMicros: Int64, maxWindows: Int = AlertSuppressor.defaultMaxWindows) {
        self.windowMicros = windowMicros
        self.maxWindows = max(1, maxWindows)
    }

    @inlinable
    public var isEnabled: Bool { windowMicros > 0 }

    /// Folds `alert` into an open window for its key and returns true, or returns false: the caller
    /// writes it and then calls `opened` (unless something else, the rate limit, holds it back).
    @inlinable
    public mutating func fold(_ alert: Subject) -> Bool {
        guard isEnabled else { return false }
        let key = alert.suppressionKey
        guard var w = open[key], alert.timestampMicros < w.first.timestampMicros &+ windowMicros else {
            return false
        }
        w.folded &+= 1
        w.lastSeen = max(w.lastSeen, alert.timestampMicros)
        open[key] = w
        _suppressed &+= 1
        return true
    }

    /// Starts a window with `alert`, the one written with `format` (its update is rendered with it). A
    /// window for the same key that had expired but was not yet collected is replaced; collect closed
    /// windows first with `nextClosed(by:)`.
    @inlinable
    public mutating func opened(_ alert: Subject, format: AlertFormat? = nil) {
        guard isEnabled else { return }
        let key = alert.suppressionKey
        if open[key] == nil {
            while open.count >= maxWindows, evictOldest(at: alert.timestampMicros) {}
        }
        open[key] = Window(first: alert, lastSeen: alert.timestampMicros, format: format)
        closing.append((key, alert.timestampMicros))
    }

    /// Closes the oldest open window at `now`, keeping its update (if it folded anything) for
    /// `nextClosed`; false when there is none.
    @inlinable
    mutating func evictOldest(at now: Int64) -> Bool {
        while closingHead < closing.count {
            let (key, first) = closing[closingHead]
            closingHead += 1
            guard let w = open[key], w.first.timestampMicros == first else { continue }
            open[key] = nil
            _evicted &+= 1
            if w.folded > 0 {
                early.append(
                    Update(w, closedMicros: max(w.lastSeen, min(now, first &+ windowMicros))))
            }
            compact()
            return true
        }
        return false
    }

    /// The next window whose end is at or before `now` and that folded something; nil when none is due.
    /// Windows that folded nothing close silently.
    @inlinable
    public mutating func nextClosed(by now: Int64) -> Update? {
        if !early.isEmpty { return early.removeFirst() }
        while closingHead < closing.count {
            let (key, first) = closing[closingHead]
            let end = first &+ windowMicros
            if end > now { return nil }
            closingHead += 1
            compact()
            guard let w = open[key], w.first.timestampMicros == first else { continue }
            open[key] = nil
            if w.folded > 0 {
                return Update(w, closedMicros: end)
            }
        }
        return nil
    }

    /// Closes every window at the end of a run (`now`: the last packet time), in the order they opened.
    @inlinable
    public mutating func finish(at now: Int64) -> [Update] {
        var out = early
        early.removeAll()
        while closingHead < closing.count {
            let (key, first) = closing[closingHead]
            closingHead += 1
            guard let w = open[key], w.first.timestampMicros == first else { continue }
            open[key] = nil
            if w.folded > 0 {
                out.append(Update(w, closedMicros: min(now, first &+ windowMicros)))
            }
        }
        closing.removeAll()
        closingHead = 0
        return out
    }

    /// Windows still open.
    @inlinable
    public var openWindows: Int { open.count }

    /// Drops the consumed front of `closing` now and then, so a long watch does not keep every key.
    @inlinable
    mutating func compact() {
        if closingHead >= 4096 && closingHead * 2 >= closing.count {
            closing.removeFirst(closingHead)
            closingHead = 0
        }
    }
}

extension WindowedSuppressor.Update: Equatable where Subject: Equatable {
    /// The same fold, written with the same map (the same policy object).
    public static func == (a: Self, b: Self) -> Bool {
        a.first == b.first && a.folded == b.folded && a.lastSeenMicros == b.lastSeenMicros
            && a.closedMicros == b.closedMicros && a.format?.policy === b.format?.policy
    }
}

/// A ceiling on alerts written per second of packet time (the clock second, UTC); the excess is counted.
public struct AlertRateLimiter: Sendable {
    /// At most this many per second; 0 means no ceiling.
    public let maxPerSecond: Int
    var second = Int64.min
    var inSecond = 0
    public private(set) var limited: UInt64 = 0

    public init(maxPerSecond: Int) { self.maxPerSecond = maxPerSecond }

    /// True when an alert at `micros` may be written; false (and counted) beyond the ceiling.
    public mutating func admit(at micros: Int64) -> Bool {
        guard maxPerSecond > 0 else { return true }
        // Floor division without a subtraction that could overflow on a crafted packet time near Int64.min.
        let (q, r) = micros.quotientAndRemainder(dividingBy: 1_000_000)
        let s = r < 0 ? q - 1 : q
        if s != second {
            second = s
            inSecond = 0
        }
        if inSecond >= maxPerSecond {
            limited &+= 1
            return false
        }
        inSecond += 1
        return true
    }
}
