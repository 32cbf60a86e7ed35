import ZonesepConfig
import ZonesepCore
import ZonesepRuntime

/// Loads zones.conf for any subcommand: every diagnostic goes to stderr; nil means do not start.
enum PolicyLoading {
    /// `now` (µs) turns on the expired-exception warnings: `check` passes the wall clock; a replay judges
    /// exceptions by packet time instead, so it passes nil. `refused` says what happens instead (a reload
    /// keeps the running map).
    static func load(_ path: String, now: Int64?, refused: String = "nothing was started") -> PolicyConfig? {
        let result = ZonesConfigLoader.load(path: path, now: now)
        // The first problems, then a count of the rest (a hostile or generated file can hold 100,000).
        for line in result.lines() {
            if line.severity == .error {
                Diagnostics.error(line.text)
            } else {
                Diagnostics.note(line.text)
            }
        }
        if result.hasErrors || result.config == nil {
            Diagnostics.error("\(VisibleText.escape(path)): \(result.errors.count) error(s); \(refused)")
            return nil
        }
        return result.config
    }

    /// A SIGHUP reload of `path` by `watch` or `collect`, counted in `reloads` (the `zonesep_config_*`
    /// metrics): the new map, or nil when it was refused (stderr says why, then `refused`).
    static func reload(_ path: String, counting reloads: inout WatchMetrics.Reloads, refused: String)
        -> PolicyConfig?
    {
        reloads.attempts &+= 1
        reloads.lastWallMicros = WallClock.nowMicros()
        let config = load(path, now: WallClock.nowMicros(), refused: refused)
        reloads.lastSucceeded = config != nil
        if config == nil { reloads.failures &+= 1 }
        return config
    }

    static func summary(_ config: PolicyConfig, now: Int64) -> String {
        ConfigSummary.render(config, now: now)
    }
}
