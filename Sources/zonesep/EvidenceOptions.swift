import ArgumentParser
import ZonesepCapture
import ZonesepOutput
import ZonesepRuntime

/// `--evidence` and its limits: for `replay` and `watch` only, beside `DeliveryOptions`. `collect` has no
/// packets to keep (an export carries none), so it does not take them: accepted there, they made empty pcaps
/// with a SHA-256, which read as whole evidence.
struct EvidenceOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Save the packets of every alert's flow, from its first, to DIR/<time>_<rule>_<flow id>.pcap and record "
                + "its SHA-256 when it closes.", valueName: "dir"))
    var evidence: String?

    @Option(name: .long, help: "Packets saved per violating flow.")
    var evidencePackets: Int = 100

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Disk budget of all evidence files, N[K|M|G]: the oldest are removed first, never those of flows that "
                + "started within the last hour (0: no budget).", valueName: "bytes"))
    var evidenceMaxBytes: String = "1G"

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Evidence files kept in DIR, at most: the oldest are removed first, never those of flows that started "
                + "within the last hour; beyond that, alerts get no file (counted)."))
    var evidenceMaxFiles: Int = EvidenceWriter.defaultMaxFiles

    func validate() throws {
        if evidencePackets < 1 { throw ValidationError("--evidence-packets must be at least 1") }
        if evidenceMaxFiles < 1 { throw ValidationError("--evidence-max-files must be at least 1") }
        if ByteSize.parse(evidenceMaxBytes) == nil {
            throw ValidationError("--evidence-max-bytes: '\(evidenceMaxBytes)' is not a size (N, NK, NM or NG)")
        }
    }

    /// Sets the evidence part of `c` (checked by `validate`, so every value parses).
    func apply(to c: inout DeliveryConfig) {
        c.evidenceDirectory = evidence
        c.evidencePackets = evidencePackets
        c.evidenceMaxBytes = ByteSize.parse(evidenceMaxBytes) ?? 0
        c.evidenceMaxFiles = evidenceMaxFiles
    }
}
