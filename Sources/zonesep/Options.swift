import ArgumentParser
import ZonesepOutput
import ZonesepRuntime

/// `--config`, shared by every subcommand that reads zones.conf.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "The zone map and policy (TOML).")
    var config: String = "zones.conf"
}

extension OutputFormat: ExpressibleByArgument {}

/// How alerts and the summary are written.
struct OutputOptions: ParsableArguments {
    @Option(name: .long, help: "text for a person at a terminal; json for JSON Lines on stdout.")
    var output: OutputFormat = .text
}
