import ZonesepCapture
import ZonesepCore
import ZonesepOutput
import ZonesepRuntime

#if canImport(Glibc)
    import Glibc
#endif

/// What `zonesep watch` was asked to do.
struct WatchSettings {
    var interface: String
    var configPath: String
    var capture = LiveCaptureOptions()
    var format: OutputFormat = .text
    /// `--syslog`, `--alerts`, suppression (one hour unless `--suppress-window` says otherwise), evidence.
    var delivery: DeliveryOptions?
    /// 0: no periodic stats (the closing one is still written).
    var statsIntervalSeconds = 60
    var workers = 1
    /// Across all workers: each gets an equal share of the flow table.
    var maxFlows = 1 << 20

    /// A daemon feeding a SIEM folds repeats for an hour by default (replay, an audit, folds nothing).
    static let suppressWindow: Int64 = 3_600_000_000
}

/// The daemon's lifecycle: everything that can fail is opened first (zones.conf, the alerts file, every
/// capture handle), then the workers start and this thread waits for signals, wakes up to write stats,
/// swaps in a reloaded map, and at the end stops the workers, joins them and writes the summary.
final class WatchRunner {
    let settings: WatchSettings
    /// The outputs, shared by every worker.
    private var delivery: DeliveryPipeline?

    init(_ settings: WatchSettings) { self.settings = settings }

    /// Runs until SIGTERM or SIGINT (status 0) or until the capture fails (status 2, after the summary).
    func run() -> Int32 {
        guard var policy = PolicyLoading.load(settings.configPath, now: WallClock.nowMicros()).map(Policy.init)
        else { return ExitStatus.usage }
        guard let control = Wakeup() else {
            Diagnostics.error("cannot create a pipe: \(String(cString: strerror(errno)))")
            return ExitStatus.usage
        }
        // Before any worker thread exists, so a stop is never handled by the default action.
        DaemonSignals.install(control)

        let delivery: DeliveryPipeline
        do {
            var config = DeliveryConfig()
            config.suppressWindowMicros = WatchSettings.suppressWindow
            delivery = try DeliveryPipeline(
                settings.delivery?.config(defaultSuppressWindow: WatchSettings.suppressWindow) ?? config,
                stdout: StdoutSink(format: settings.format, flushEachLine: true))
        } catch {
            Diagnostics.error(error.description)
            return ExitStatus.usage
        }
        self.delivery = delivery
        let captures: [PcapLive]
        do {
            captures = try openCaptures()
        } catch {
            Diagnostics.error("\(error.source): \(error.message)")
            return ExitStatus.usage
        }
        guard let linkType = captures[0].linkType else {
            Diagnostics.error(
                "\(settings.interface): link type \(captures[0].dataLinkName) (\(captures[0].dataLink)) is not supported"
            )
            return ExitStatus.usage
        }
        let flowsEach = max(1, settings.maxFlows / settings.workers)
        var workers: [CaptureWorker] = []
        for capture in captures {
            guard let wakeup = Wakeup() else {
                Diagnostics.error("cannot create a pipe: \(String(cString: strerror(errno)))")
                return ExitStatus.usage
            }
            let session = Session(
                policy: policy, maxFlows: flowsEach, sinks: delivery.eventSinks(session: workers.count))
            workers.append(
                CaptureWorker(capture: capture, linkType: linkType, session: session, wakeup: wakeup, control: control))
        }

        let filter = settings.capture.filter.map { ", filter \"\($0)\"" } ?? ""
        Diagnostics.note(
            "watching \(settings.interface) (\(captures[0].dataLinkName)) with \(workers.count) worker(s)\(filter); "
                + "zones from \(settings.configPath); SIGHUP reloads it, SIGTERM or SIGINT stops")

        var threads: [JoinableThread] = []
        var failed = false
        for worker in workers {
            guard
                let thread = JoinableThread({
                    DaemonSignals.blockInCurrentThread()
                    worker.run()
                })
            else {
                Diagnostics.error("cannot start a capture thread: \(String(cString: strerror(errno)))")
                failed = true
                break
            }
            threads.append(thread)
        }
        if !failed { failed = wait(for: workers, control: control, policy: &policy) }

        for worker in workers { worker.requestStop() }
        for thread in threads { thread.join() }
        writeStats(workers, sensor: policy.config.sensor)
        let captureFailure = workers.lazy.compactMap(\.failure).first
        if let e = captureFailure { Diagnostics.error("\(e.source): the capture failed: \(e.message)") }

        var file = ReplaySummary.FileResult(path: settings.interface)
        file.linkType = captures[0].dataLinkName
        file.error = captureFailure.map { "capture failed: \($0.message)" }
        let parts = workers.map { $0.session.finish(files: []) }
        for p in parts {
            file.packets &+= p.counters.packets
            if let f = p.counters.firstPacketMicros { file.firstPacketMicros = min(file.firstPacketMicros ?? f, f) }
            if let l = p.counters.lastPacketMicros { file.lastPacketMicros = max(file.lastPacketMicros ?? l, l) }
        }
        if var summary = SummaryMerge.merge(parts, files: [file]) {
            delivery.finish(into: &summary)
            delivery.stdout.write(summary.record(format: settings.format))
            delivery.alertFile?.write(summary.record(format: .json))
        }
        delivery.close()
        return failed || captureFailure != nil ? ExitStatus.usage : ExitStatus.clean
    }

    /// One handle per worker; with several, each joins the same fanout group (id from the pid, so two
    /// sensors on one host do not share packets) and all but the first drop what they queued before it.
    private func openCaptures() throws(PcapError) -> [PcapLive] {
        var captures: [PcapLive] = []
        for _ in 0..<settings.workers {
            captures.append(try PcapLive(interface: settings.interface, options: settings.capture))
        }
        if captures.count > 1 {
            let group = UInt16(truncatingIfNeeded: getpid())
            for (i, c) in captures.enumerated() { try c.joinFanout(group: group, discardBacklog: i > 0) }
        }
        return captures
    }

    /// The control loop: true when it ended because a worker's capture failed, false on a stop signal.
    private func wait(for workers: [CaptureWorker], control: Wakeup, policy: inout Policy) -> Bool {
        var fds = [pollfd(fd: control.readDescriptor, events: Int16(POLLIN), revents: 0)]
        let interval = Int64(settings.statsIntervalSeconds) * 1_000_000
        var nextStats = interval > 0 ? Monotonic.nowMicros() + interval : Int64.max
        while true {
            let untilStats = (nextStats - Monotonic.nowMicros() + 999) / 1000
            _ = poll(&fds, 1, Int32(clamping: max(0, min(untilStats, 1000))))
            for request in DaemonSignals.requests(control.drain()) {
                switch request {
                case .reload:
                    reload(workers, policy: &policy)
                case .stop(let signal):
                    Diagnostics.note(
                        "\(signal == SIGINT ? "SIGINT" : "SIGTERM"): stopping; judging what was captured, then the summary"
                    )
                    return false
                }
            }
            if workers.contains(where: { $0.snapshot().ended }) { return true }
            let now = Monotonic.nowMicros()
            if now >= nextStats {
                writeStats(workers, sensor: policy.config.sensor)
                nextStats = max(nextStats + interval, now)
            }
        }
    }

    /// SIGHUP: a map that fails validation is refused (its errors are on stderr) and the running one stays;
    /// a good one goes to every worker, which swaps it in whole between two packets, keeping its flows.
    private func reload(_ workers: [CaptureWorker], policy: inout Policy) {
        let path = settings.configPath
        Diagnostics.note("SIGHUP: reloading \(path)")
        delivery?.reopenAlertFile()  // logrotate moved it away
        guard
            let config = PolicyLoading.load(
                path, now: WallClock.nowMicros(), refused: "reload refused, the running zone map is kept")
        else { return }
        let new = Policy(config)
        for worker in workers { worker.post(policy: new) }
        policy = new
        Diagnostics.note(
            "\(path): reloaded (\(config.zones.count) zones); flows are kept and each one's next verdict uses it")
    }

    private func writeStats(_ workers: [CaptureWorker], sensor: String) {
        var stats = WatchStats(interface: settings.interface, snapshots: workers.map { $0.snapshot() })
        stats.delivery = delivery?.current()
        let json = stats.json(sensor: sensor, wallMicros: WallClock.nowMicros())
        delivery?.writeAside(
            Record(kind: .stats, timestampMicros: stats.totals.lastPacketMicros ?? 0, json: json, text: stats.text()))
    }
}
