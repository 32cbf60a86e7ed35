import ArgumentParser
import ZonesepCore
import ZonesepOutput
import ZonesepRuntime

extension Zonesep {
    /// `zonesep collect`: flow exports (IPFIX, NetFlow v9 and v5, sFlow) judged like captured packets.
    struct Collect: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "collect",
            abstract: "Receive IPFIX, NetFlow v9/v5 and sFlow exports and alert on every flow that breaks the policy.",
            discussion: """
                Each --listen is a UDP address (udp://0.0.0.0:4739, udp://[::]:2055); the protocol of each \
                datagram is told by its version field, so one port can take them all. Records are judged as \
                captured flows are, once per flow however many records describe it; alerts carry `input` and \
                `exporter`. SIGHUP reloads zones.conf; SIGTERM or SIGINT stops, writes the summary (with each \
                exporter's counts) and exits 0. Needs no privilege above 1023. Exit status: 0 stopped by a \
                signal, 2 usage or configuration error, a port that cannot be bound, or a summary that reached no output.
                """)

        @Option(name: .long, help: "A UDP address to receive exports on, udp://ADDR:PORT (repeatable).")
        var listen: [String] = []

        @Option(name: .long, help: SharedOptionHelp.config)
        var config: String = SharedOptionHelp.defaultConfig

        @Option(name: .long, help: SharedOptionHelp.output)
        var output: OutputFormat = .text

        @OptionGroup(title: "Alert delivery") var deliveryOptions: DeliveryOptions

        @Option(name: .long, help: "Hard cap on flows held at once.")
        var maxFlows: Int = 1 << 20

        @Option(
            name: .long,
            help: "Receive buffer asked for each listening socket, in bytes (net.core.rmem_max caps what is granted).")
        var bufferSize: Int = 8 << 20

        @Option(
            name: .long, help: "Seconds between stats records, with each exporter's counts (0: only the closing one).")
        var statsInterval: Int = 60

        @Option(
            name: .long,
            help: "Serve Prometheus metrics at http://ADDR:PORT/metrics (e.g. 127.0.0.1:9469; port 0 picks a free one)."
        )
        var metrics: String?

        func validate() throws {
            if listen.isEmpty { throw ValidationError("--listen udp://ADDR:PORT is required") }
            for l in listen where ListenAddress(l) == nil {
                throw ValidationError("--listen \(l): expected udp://ADDRESS:PORT (an IPv6 address in brackets)")
            }
            if let conflict = ListenAddress.firstConflict(listen) { throw ValidationError(conflict) }
            if maxFlows < 1 { throw ValidationError("--max-flows must be at least 1") }
            if bufferSize < 4096 || bufferSize > Int(Int32.max) / 2 {
                throw ValidationError("--buffer-size must be 4096 to \(Int32.max / 2) bytes, not \(bufferSize)")
            }
            try MaxFlowsCheck.validate(maxFlows)
            if statsInterval < 0 || statsInterval > 31_622_400 {
                throw ValidationError("--stats-interval must be 0 to 31622400 seconds (a year), not \(statsInterval)")
            }
            if let metrics, case .failure(let e) = MetricsAddress.parse(metrics) {
                throw ValidationError(e.description)
            }
            var paths = OutputPaths()
            paths.add(deliveryOptions)
            paths.addConfig(config)
            try paths.check()
        }

        func run() throws {
            var settings = CollectSettings(configPath: config)
            settings.listen = listen.compactMap(ListenAddress.init)
            settings.format = output
            settings.delivery = deliveryOptions
            settings.maxFlows = maxFlows
            settings.bufferSize = bufferSize
            settings.statsIntervalSeconds = statsInterval
            settings.metrics = metrics.flatMap { try? MetricsAddress.parse($0).get() }
            let status = CollectRunner(settings).run()
            if status != ExitStatus.clean { throw ExitCode(status) }
        }
    }
}
