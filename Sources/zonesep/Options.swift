import ArgumentParser
import ZonesepCore
import ZonesepOutput
import ZonesepRuntime

/// `--config` and `--output`, which several subcommands take: each declares them itself, with this help,
/// rather than through an `@OptionGroup`. A group costs every run a reflection of its type and conformance
/// scans in ArgumentParser (replay: 2.6 M instructions of start-up for three groups); the help and parsing
/// are the same. (`DeliveryOptions` stays a group: its title heads its section of the help.)
enum SharedOptionHelp {
    static let defaultConfig = "zones.conf"
    static let config: ArgumentHelp = "The zone map and policy (TOML)."
    static let output: ArgumentHelp = "text for a person at a terminal; json for JSON Lines on stdout."
}

extension OutputFormat: ArgumentChoices {}

/// `--max-flows` as replay, collect and watch check it: within what a flow table can hold, and a cap whose
/// tables (`tables` of `maxFlows` flows: one a watch worker) the system will map, so that a cap too large for this
/// machine is a message rather than a trap when the table is built.
enum MaxFlowsCheck {
    static func validate(_ maxFlows: Int, tables: Int = 1) throws {
        if maxFlows > FlowTable.maximumCapacity {
            throw ValidationError("--max-flows must be at most \(FlowTable.maximumCapacity), not \(maxFlows)")
        }
        if !FlowTable.canMap(capacity: maxFlows, tables: tables) {
            let (entries, index) = FlowTable.mappedBytes(capacity: maxFlows)
            let total = (entries + index) * max(1, tables)
            throw ValidationError(
                "--max-flows \(maxFlows): the system refuses the \(total / (1 << 20)) MiB of address space "
                    + "its flow table\(tables > 1 ? "s" : "") would take (mmap failed); give a smaller cap")
        }
    }
}
