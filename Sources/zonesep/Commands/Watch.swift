import ArgumentParser
import ZonesepCapture
import ZonesepCore
import ZonesepOutput
import ZonesepRuntime

extension Zonesep {
    /// `zonesep watch`: the live sensor on a switch mirror (SPAN) port.
    struct Watch: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "watch",
            abstract: "Watch an interface (a switch mirror port) and alert on every flow that breaks the policy.",
            discussion: """
                Alerts are written as replay writes them, as each flow's first packet is seen. SIGHUP reloads \
                zones.conf (a map with errors is refused and the running one kept); SIGTERM or SIGINT stops, \
                writes the summary and exits 0. Capturing needs CAP_NET_RAW (nothing more, also for \
                promiscuous mode and --workers). Exit status: 0 stopped by a signal, 2 usage, configuration or capture error, \
                or a summary that reached no output.
                """)

        @Option(name: [.short, .long], help: "The interface to capture on (the mirror port).")
        var interface: String

        @Option(name: .long, help: SharedOptionHelp.config)
        var config: String = SharedOptionHelp.defaultConfig

        @Option(name: .long, help: "A BPF filter in tcpdump syntax, applied in the kernel (e.g. \"not port 22\").")
        var bpf: String?

        @Option(
            name: .long,
            help:
                "Bytes kept of each frame, 64 to 262144: only headers are decoded, and the kernel ring holds more short frames."
        )
        var snaplen: Int = LiveCaptureOptions().snapLength

        @Option(name: .long, help: "Kernel ring buffer per worker, in bytes.")
        var bufferSize: Int = 32 << 20

        @Option(name: .long, help: SharedOptionHelp.output)
        var output: OutputFormat = .text

        @OptionGroup(title: "Alert delivery and evidence") var deliveryOptions: DeliveryOptions
        @OptionGroup(title: "Alert delivery and evidence") var evidenceOptions: EvidenceOptions

        @Option(name: .long, help: "Seconds between stats records (0: only the closing one).")
        var statsInterval: Int = 60

        @Option(
            name: .long,
            help:
                "Capture threads, 1 to 64, sharing the interface through PACKET_FANOUT, by the innermost host pair (through tunnels; fragments and ICMP errors with their flow)."
        )
        var workers: Int = 1

        @Option(name: .long, help: "Hard cap on flows held at once by each worker.")
        var maxFlows: Int = 1 << 20

        @Option(
            name: .long,
            help: "Serve Prometheus metrics at http://ADDR:PORT/metrics (e.g. 127.0.0.1:9468; port 0 picks a free one)."
        )
        var metrics: String?

        @Flag(
            name: .long,
            help: "Wait for an interface that is missing or down at start, instead of exiting with status 2.")
        var waitForInterface = false

        func validate() throws {
            if interface.isEmpty { throw ValidationError("--interface must name an interface") }
            if !(64...262_144).contains(snaplen) { throw ValidationError("--snaplen must be between 64 and 262144") }
            if bufferSize < 1 << 16 { throw ValidationError("--buffer-size must be at least 65536 bytes") }
            if statsInterval < 0 || statsInterval > 31_622_400 {
                throw ValidationError("--stats-interval must be 0 to 31622400 seconds (a year), not \(statsInterval)")
            }
            if !(1...64).contains(workers) { throw ValidationError("--workers must be between 1 and 64") }
            if maxFlows < 1 { throw ValidationError("--max-flows must be at least 1") }
            try MaxFlowsCheck.validate(maxFlows, tables: workers)
            if let metrics, case .failure(let e) = MetricsAddress.parse(metrics) {
                throw ValidationError(e.description)
            }
            if let bpf, bpf.allSatisfy(\.isWhitespace) {
                throw ValidationError("--bpf must not be empty (leave it out to capture everything)")
            }
            var paths = OutputPaths()
            paths.add(deliveryOptions, evidence: evidenceOptions)
            paths.addConfig(config)
            try paths.check()
        }

        func run() throws {
            var settings = WatchSettings(interface: interface, configPath: config)
            settings.capture.snapLength = snaplen
            settings.capture.bufferSize = bufferSize
            settings.capture.filter = bpf
            settings.format = output
            settings.delivery = deliveryOptions
            settings.evidence = evidenceOptions
            settings.statsIntervalSeconds = statsInterval
            settings.workers = workers
            settings.maxFlows = maxFlows
            settings.metrics = metrics.flatMap { try? MetricsAddress.parse($0).get() }
            settings.waitForInterface = waitForInterface
            let status = WatchRunner(settings).run()
            if status != ExitStatus.clean { throw ExitCode(status) }
        }
    }
}
