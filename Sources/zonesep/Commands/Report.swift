import ArgumentParser
import FoundationEssentials
import ZonesepCore
import ZonesepOutput
import ZonesepRuntime
import ZonesepSavedRun

extension Zonesep {
    /// `zonesep report`: the audit report of a run saved as JSON Lines, the same document `replay --report`
    /// writes, for a run made earlier or elsewhere.
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "report",
            abstract: "Write the audit report of a saved run (the JSON Lines of `replay --output json`).",
            discussion: """
                Give the zones.conf the run was made with: the report shows its zone map and digest. \
                The report is the same, byte for byte, as `replay --report` writes for that run. \
                Exit status: 0 report written, 2 usage, configuration or input error.
                """)

        @Option(name: .long, help: SharedOptionHelp.config)
        var config: String = SharedOptionHelp.defaultConfig

        @Argument(help: "The saved run: alert records and the closing summary record (- for standard input).")
        var savedRun: String

        @Option(name: [.short, .long], help: "Where to write the report (- for standard output).")
        var output: String = "-"

        @Option(name: .long, help: "html: the whole report; md or csv: its tables alone.")
        var reportFormat: ReportFormat = .html

        func validate() throws {
            if output != "-" { try ReportFile.checkWritable(output) }
            var paths = OutputPaths()
            paths.outputs.append(OutputPaths.Output(option: "-o", path: output, dashIsStandardOutput: true))
            paths.inputs.append(OutputPaths.Input(what: "the saved run being read", path: savedRun))
            paths.addConfig(config)
            try paths.check()
        }

        func run() throws {
            guard let policyConfig = PolicyLoading.load(config, now: nil) else {
                throw ExitCode(ExitStatus.usage)
            }
            do {
                let provenance = try ReportFile.provenance(configPath: config)
                let report = try SavedRun.read(savedRun, policy: Policy(policyConfig), provenance: provenance)
                if !report.provenance.configFromRun {
                    Diagnostics.note(
                        "\(VisibleText.escape(savedRun)): the run does not record which zones.conf it was judged with "
                            + "(saved by an older zonesep): the report cannot check that \(VisibleText.escape(config)) is that file"
                    )
                }
                try ReportFile.write(reportFormat.render(report), to: output)
            } catch {
                Diagnostics.error(error.message)
                throw ExitCode(ExitStatus.usage)
            }
        }
    }
}

extension ReportFormat: ArgumentChoices {}

/// `--report FILE [--report-format F]` of `replay`: the audit report of the run, beside its alerts. (The
/// options are `replay`'s own: see `SharedOptionHelp` for why they are not an `@OptionGroup`.)
struct ReportOptions {
    var report: String?
    var reportFormat: ReportFormat?

    /// Fails before the replay starts, not after an hour of it, when the report could not be written.
    func validate() throws {
        if let report { try ReportFile.checkWritable(report) }
        if report == nil && reportFormat != nil { throw ValidationError("--report-format needs --report FILE") }
    }

    /// Writes the report of a finished run; on failure says why and returns false.
    func write(_ summary: ReplaySummary?, configPath: String) -> Bool {
        guard let report, let summary else { return true }
        do {
            let provenance = try ReportFile.provenance(
                configPath: configPath, judgedSHA256: summary.policy.config.sourceSHA256)
            let format = reportFormat ?? .html
            try ReportFile.write(format.render(AuditReport(summary: summary, provenance: provenance)), to: report)
            return true
        } catch {
            Diagnostics.error(error.message)
            return false
        }
    }
}
