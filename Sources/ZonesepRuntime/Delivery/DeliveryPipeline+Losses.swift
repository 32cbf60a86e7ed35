import ZonesepOutput

/// The end of a run: the summary to its outputs, and what every output lost, said on stderr. The summary
/// counts each output's losses, but when the summary itself could not be written (stdout on the full disk
/// beside the alerts file) those counts would be said nowhere.
extension DeliveryPipeline {
    /// Where the summary went: stdout, and for the daemons the alerts file.
    public struct SummaryOutcome: Sendable, Equatable {
        public var stdout: Bool
        /// nil when the summary does not go there (replay), or there is no alerts file.
        public var alertsFile: Bool?

        public init(stdout: Bool, alertsFile: Bool? = nil) {
            self.stdout = stdout
            self.alertsFile = alertsFile
        }

        /// Whether some output holds the summary whole.
        public var reached: Bool { stdout || alertsFile == true }
    }

    /// Writes the summary to stdout and, with `alertsFileToo` (watch, collect), to the alerts file, and
    /// says which took it whole.
    public func writeSummary(_ record: Record, json: Record? = nil, alertsFileToo: Bool) -> SummaryOutcome {
        var outcome = SummaryOutcome(stdout: stdout.writeSummary(record))
        if alertsFileToo, let file = alertFile {
            let before = file.summary.lost  // the records waiting are written first
            file.write(json ?? record)
            file.flush()
            outcome.alertsFile = file.summary.lost == before
        }
        return outcome
    }

    /// The closing lines for stderr, at most two: stdout's lost lines (the total, once), then what the
    /// alerts and flows files and the evidence directory lost. Empty when nothing was lost. Syslog says
    /// its own when it drains.
    public func closingLosses(summary: SummaryOutcome) -> [String] {
        var lines: [String] = []
        let out = stdout.counts
        if out.failed > 0 {
            var line =
                "standard output: \(out.failed) lines could not be written (\(stdout.failure ?? "write error"))"
            if !summary.stdout {
                line += ", the summary's among them"
                switch summary.alertsFile {
                case true?: line += " (it is in --alerts \(alertFile?.summary.path ?? ""))"
                case false?: line += ", and --alerts \(alertFile?.summary.path ?? "") could not take it either"
                case nil: break
                }
            }
            lines.append(line + "; each line written is whole")
        } else if summary.alertsFile == false {
            // stdout took it: said only so that the file's reader knows why it is not there.
            lines.append("--alerts \(alertFile?.summary.path ?? ""): the summary could not be written to it")
        }
        var parts: [String] = []
        for (option, file) in [("--alerts", alertFile?.summary), ("--flows", flowFile?.summary)] {
            guard let f = file, f.lost > 0 else { continue }
            parts.append(
                "\(option) \(f.path): \(f.lost) of \((f.lines &- f.gaps) &+ f.lost) records could not be written"
                    + ((f.error ?? f.lastError).map { " (\(Self.withoutPath($0, f.path)))" } ?? ""))
        }
        if let e = evidence?.summary {
            let s = e.stats
            var what: [String] = []
            if s.incomplete > 0 { what.append("\(s.incomplete) files incomplete (no hash)") }
            if s.notCreated > 0 { what.append("\(s.notCreated) alerts got no file (it could not be made)") }
            if s.skippedFiles > 0 {
                what.append("\(s.skippedFiles) alerts got no file (the evidence limits: file limit or byte budget)")
            }
            if s.lostPackets > 0 { what.append("\(s.lostPackets) packets lost") }
            if !what.isEmpty { parts.append("evidence \(e.directory): " + what.joined(separator: ", ")) }
        }
        let torn = TornLines.count
        if torn > 0 {
            parts.append(
                "\(torn) \(torn == 1 ? "record" : "records") left cut in half (the file refused to be truncated back; "
                    + "said above, with the byte where each begins)")
        }
        if !parts.isEmpty {
            lines.append(
                "records lost on the way out: " + parts.joined(separator: "; ")
                    + (summary.reached ? "" : " (counted nowhere else: the summary reached no output)"))
        }
        return lines
    }

    /// An output's error without the path it starts with (`path: write: …`), which the line names already.
    static func withoutPath(_ error: String, _ path: String) -> String {
        error.hasPrefix(path + ": ") ? String(error.dropFirst(path.count + 2)) : error
    }
}
