import ArgumentParser
import ZonesepCore
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

/// `--max-flows` as replay, collect and watch check it: within what a flow table can hold, and a cap whose
/// tables (`tables` of `maxFlows / tables` flows) the system will map, so that a cap too large for this
/// machine is a message rather than a trap when the table is built.
enum MaxFlowsCheck {
    static func validate(_ maxFlows: Int, tables: Int = 1) throws {
        if maxFlows > FlowTable.maximumCapacity {
            throw ValidationError("--max-flows must be at most \(FlowTable.maximumCapacity), not \(maxFlows)")
        }
        let each = max(1, maxFlows / max(1, tables))
        if !FlowTable.canMap(capacity: each, tables: tables) {
            let (entries, index) = FlowTable.mappedBytes(capacity: each)
            let total = (entries + index) * max(1, tables)
            throw ValidationError(
                "--max-flows \(maxFlows): the system refuses the \(total / (1 << 20)) MiB of address space "
                    + "its flow table\(tables > 1 ? "s" : "") would take (mmap failed); give a smaller cap")
        }
    }
}
