import ZonesepCore
import ZonesepOutput

/// Says when packet (or record) time passes an exception's expiry in a running daemon: from then on the
/// flows it allowed are violations, and the operator who sees those alerts begin should find why beside them.
/// `check` and a reload already warn of exceptions expired by the day they load, so only later expiries are
/// said.
public struct ExceptionExpiryNotices: Sendable {
    /// The exceptions still to expire, latest first (the next one is the last element).
    private var pending: [PolicyException]
    /// What the daemon's verdicts are timed by: "packet time" (`watch`) or "record time" (`collect`).
    let clock: String

    /// The exceptions of `policy` that expire after `time` (microseconds since the epoch).
    public init(policy: Policy, after time: Int64, clock: String) {
        self.clock = clock
        pending = policy.config.exceptions.filter { $0.expiresAtMicros > time }
            .sorted { ($0.expiresAtMicros, $0.name) > ($1.expiresAtMicros, $1.name) }
    }

    /// The lines to say for the exceptions whose expiry `time` reached, each once, in the order they expired.
    public mutating func passed(_ time: Int64) -> [String] {
        var lines: [String] = []
        while let next = pending.last, next.expiresAtMicros <= time {
            pending.removeLast()
            lines.append(
                "exception '\(VisibleText.escape(next.name))' (expires = \(next.expiresText)) no longer applies "
                    + "from \(Timestamp.rfc3339(next.expiresAtMicros)), which \(clock) has reached: "
                    + "the flows it allowed are violations from now on")
        }
        return lines
    }
}
