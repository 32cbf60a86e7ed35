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
        for d in result.diagnostics {
            if d.severity == .error {
                Diagnostics.error(d.description)
            } else {
                Diagnostics.note(d.description)
            }
        }
        if result.hasErrors || result.config == nil {
            Diagnostics.error("\(path): \(result.errors.count) error(s); \(refused)")
            return nil
        }
        return result.config
    }

    static func summary(_ config: PolicyConfig, now: Int64) -> String {
        ConfigSummary.render(config, now: now)
    }
}
