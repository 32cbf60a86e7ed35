/// A `SIGHUP` reload of zones.conf during a `watch` or `collect` run, as the summary lists it. The alerts
/// raised before an applied one were judged under the map it replaced, which the audit report's zone map
/// (the one in force at the end, `config_sha256`) may not show: an auditor must see that the run was
/// judged under more than one.
public struct ConfigReload: Sendable, Equatable {
    /// Applied: the packet (or record) time of the last frame judged under the map it replaced, so that
    /// every later one was judged under the new map. Refused: the latest packet time when it was refused.
    /// nil before the first packet.
    public var timestampMicros: Int64?
    /// The new map replaced the running one; false: it was refused and the running one kept.
    public var applied: Bool
    /// The digest of the zones.conf in force before the reload.
    public var previousSHA256: String?
    /// The digest of the zones.conf the reload put in force; nil when it was refused.
    public var sha256: String?

    public init(timestampMicros: Int64?, applied: Bool, previousSHA256: String?, sha256: String?) {
        self.timestampMicros = timestampMicros
        self.applied = applied
        self.previousSHA256 = previousSHA256
        self.sha256 = sha256
    }

    /// The summary's `reloads` entry.
    public var json: String {
        var o = JSONObject()
        o.add("timestamp", timestampMicros.map(Timestamp.rfc3339))
        o.add("applied", applied)
        o.add("previous_sha256", previousSHA256)
        o.add("config_sha256", sha256)
        return o.json
    }

    /// The text summary's line; `unit`: what the run's time is of (`packet`, `record`).
    public func line(unit: String) -> String {
        let at = timestampMicros.map { "at \(Timestamp.rfc3339($0))" } ?? "before the first \(unit)"
        let before = previousSHA256.map { String($0.prefix(12)) } ?? "?"
        guard applied else { return "zones.conf reload refused \(at): the map \(before) was kept" }
        return "zones.conf reloaded \(at): \(before) -> \(sha256.map { String($0.prefix(12)) } ?? "?"); the \(unit)s "
            + "until then were judged under the earlier map"
    }
}
