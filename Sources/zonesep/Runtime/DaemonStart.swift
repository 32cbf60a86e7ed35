import ZonesepCore
import ZonesepOutput
import ZonesepRuntime

#if canImport(Glibc)
    import Glibc
#endif

/// What `watch` and `collect` open alike before anything else: zones.conf as a policy, the signal pipe
/// with its handlers (installed before any worker thread exists, so a stop is never handled by the default
/// action), and the alert delivery, folding repeats for `WatchSettings.suppressWindow` unless told otherwise.
struct DaemonStart {
    let policy: Policy
    let control: Wakeup
    let delivery: DeliveryPipeline

    /// nil when one of them could not be opened: stderr says why, and the daemon exits with
    /// `ExitStatus.usage`.
    /// `flowsMACCheck`: what a `--flows` record's `mac_check` says where a conduit's MAC went unverified
    /// (collect: `not-in-record`).
    init?(
        configPath: String, delivery options: DeliveryOptions?, evidence: EvidenceOptions? = nil,
        format: OutputFormat, flowsMACCheck: MACCheck = .notSeen
    ) {
        guard let policy = PolicyLoading.load(configPath, now: WallClock.nowMicros()).map(Policy.init) else {
            return nil
        }
        guard let control = Wakeup() else {
            Diagnostics.error("cannot create a pipe: \(String(cString: strerror(errno)))")
            return nil
        }
        DaemonSignals.install(control)
        do {
            var config = DeliveryConfig()
            config.suppressWindowMicros = WatchSettings.suppressWindow
            var chosen =
                options?.config(defaultSuppressWindow: WatchSettings.suppressWindow, evidence: evidence) ?? config
            chosen.flowsMACCheck = flowsMACCheck
            delivery = try DeliveryPipeline(chosen, stdout: StdoutSink(format: format, flushEachLine: true))
        } catch {
            Diagnostics.error(error.description)
            return nil
        }
        self.policy = policy
        self.control = control
    }
}
