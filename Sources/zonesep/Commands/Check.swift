import ArgumentParser
import ZonesepConfig
import ZonesepCore
import ZonesepOutput
import ZonesepRuntime

extension Zonesep {
    /// `zonesep check`: validate zones.conf and show the zone map it describes.
    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Validate zones.conf and print a summary of the zone map.",
            discussion: "Every problem is reported with the file, line and key. Exits non-zero on errors.")

        @Option(name: .long, help: SharedOptionHelp.config)
        var config: String = SharedOptionHelp.defaultConfig

        func run() throws {
            guard let policyConfig = PolicyLoading.load(config, now: WallClock.nowMicros()) else {
                throw ExitCode(ExitStatus.usage)
            }
            let out = LineWriter(fd: 1)
            out.write(line: PolicyLoading.summary(policyConfig, now: WallClock.nowMicros()))
            out.flush()
            // The verdict on the file stands (the exit status); the reader is told its copy is short.
            if let failure = out.failure {
                Diagnostics.error("standard output: the summary could not be written whole (\(failure))")
            }
        }
    }
}
