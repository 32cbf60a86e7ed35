/// The `reload` record: a `SIGHUP` reload of zones.conf that changed the map or was refused, said in the
/// alert stream (stdout, the alerts file, syslog) when it happens. The summary lists it only at the stop,
/// days later for a daemon, and a SIEM or an auditor must not take a refused map for the one in force.
public struct ReloadRecord: Sendable {
    /// As the summary's `reloads` entry, but stamped with the latest packet (or record) time when the reload
    /// happened, as `stats` is: which frame was the last judged under the earlier map is known only at the end.
    public var reload: ConfigReload
    public var sensor: String
    /// The zones.conf path reloaded.
    public var path: String
    /// When the reload was asked for (the wall clock): the syslog message's time too.
    public var wallMicros: Int64
    /// Refused: the first error, with file and line, as stderr said it; nil when applied.
    public var error: String?
    /// Refused: how many errors the file has (stderr lists them).
    public var errors: Int

    public init(reload: ConfigReload, sensor: String, path: String, wallMicros: Int64, error: String?, errors: Int) {
        self.reload = reload
        self.sensor = sensor
        self.path = path
        self.wallMicros = wallMicros
        self.error = error
        self.errors = errors
    }

    public func json() -> String {
        var o = JSONObject.daemonRecord(
            "reload", timestamp: reload.timestampMicros, sensor: sensor, wallMicros: wallMicros)
        o.add("config", path)
        o.add("applied", reload.applied)
        o.add("previous_sha256", reload.previousSHA256)
        o.add("config_sha256", reload.sha256)
        o.add("error", error)
        o.add("errors", errors)
        return o.json
    }

    public func text() -> String {
        let before = reload.previousSHA256.map { String($0.prefix(12)) } ?? "?"
        guard reload.applied else {
            return
                "reload of \(path) refused (\(errors) error(s): \(error ?? "?")); the map \(before) is still in force"
        }
        return "reload of \(path) applied: \(before) -> \(reload.sha256.map { String($0.prefix(12)) } ?? "?")"
    }

    /// Refused: `warning` (the map the operator asked for is not enforced); applied: `notice`. Stamped with
    /// the wall clock: a reload is the operator's act, and before the first packet there is no packet time.
    public func syslog(formatter: SyslogFormatter) -> [UInt8] {
        var params: [(String, String)] = [
            ("applied", reload.applied ? "true" : "false"), ("config", path),
            ("previous_sha256", reload.previousSHA256 ?? ""),
        ]
        if let s = reload.sha256 { params.append(("config_sha256", s)) }
        if let error { params.append(("error", error)) }
        params.append(("sensor", sensor))
        return formatter.message(
            severity: reload.applied ? .notice : .warning, timestampMicros: wallMicros, msgID: "reload",
            params: params, text: text())
    }
}
