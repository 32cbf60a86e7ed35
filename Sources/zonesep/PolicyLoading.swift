import ZonesepConfig
import ZonesepCore
import ZonesepRuntime

/// Loads zones.conf for any subcommand: every diagnostic goes to stderr; nil means do not start.
enum PolicyLoading {
    /// `now` (µs) turns on the expired-exception warnings: `check` passes the wall clock; a replay judges
    /// exceptions by packet time instead, so it passes nil. `refused` says what happens instead (a reload
    /// keeps the running map).
    static func load(_ path: String, now: Int64?, refused: String = "nothing was started") -> PolicyConfig? {
        loaded(ZonesConfigLoader.load(path: path, now: now), path, refused: refused)
    }

    /// Says `result`'s diagnostics on stderr; its map, or nil when it has errors.
    private static func loaded(_ result: ConfigResult, _ path: String, refused: String) -> PolicyConfig? {
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
    /// metrics): the new map, or nil when it was refused (stderr says why, then `refused`), with the first
    /// error and the count, for the `reload` record.
    static func reload(_ path: String, counting reloads: inout WatchMetrics.Reloads, refused: String)
        -> (config: PolicyConfig?, error: String?, errors: Int)
    {
        reloads.attempts &+= 1
        reloads.lastWallMicros = WallClock.nowMicros()
        let result = ZonesConfigLoader.load(path: path, now: WallClock.nowMicros())
        let config = loaded(result, path, refused: refused)
        reloads.lastSucceeded = config != nil
        if config == nil { reloads.failures &+= 1 }
        let errors = result.errors
        return (config, config == nil ? errors.first?.description ?? "the file could not be read" : nil, errors.count)
    }

    static func summary(_ config: PolicyConfig, now: Int64) -> String {
        ConfigSummary.render(config, now: now)
    }
}
