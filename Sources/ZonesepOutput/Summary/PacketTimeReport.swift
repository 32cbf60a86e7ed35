import ZonesepCore

/// Packet times that did not fit the run's clock: packets stamped before their flow's latest packet, and
/// lone packets stamped far ahead (`Counters.timesBackInFlow`, `timeJumpsIgnored`). The summary's counts,
/// the text summary's lines and the stderr warning, so that a capture with bad timestamps says so.
public enum PacketTimeReport {
    /// How far ahead of the run's clock a packet time is held back from ending flows: the shortest idle
    /// timeout (a closed TCP connection's).
    public static let jumpSeconds = FlowTimeouts().tcpClosed / 1_000_000

    /// The stderr warning when a lone packet's time jumped ahead, or nil.
    public static func warning(_ c: Counters) -> String? {
        let n = c.timeJumpsIgnored
        guard n > 0 else { return nil }
        let first = c.firstTimeJumpIgnoredMicros.map { " (the first at \(Timestamp.rfc3339($0)))" } ?? ""
        return "\(CoverageReport.grouped(n)) \(n == 1 ? "packet was" : "packets were") stamped more than "
            + "\(jumpSeconds) s ahead of the packets before and after \(n == 1 ? "it" : "them")\(first): each was "
            + "judged at its own time, but no other flow was ended as idle at it (a timestamp glitch, or a sensor "
            + "or interface whose clock is off)"
    }

    /// The text summary's lines of totals, only the counts above 0.
    public static func totals(_ c: Counters) -> [[String]] {
        var rows: [[String]] = []
        if c.timesBackInFlow > 0 {
            rows.append(["packets stamped before their flow's last", "\(c.timesBackInFlow)"])
        }
        if c.timeJumpsIgnored > 0 {
            rows.append(["packets stamped far ahead, not followed", "\(c.timeJumpsIgnored)"])
        }
        return rows
    }
}
