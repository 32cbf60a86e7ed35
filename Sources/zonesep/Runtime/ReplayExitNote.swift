import ZonesepOutput

/// The line that keeps an exit status other than 1 from hiding violations: an input problem or an unwritten
/// report (2) and a stop by a signal (130, 143) take precedence over "violations found", so a wrapper that
/// reads the status alone (a cron job, a CI step raising a ticket on 1) would drop the run's findings.
enum ReplayExitNote {
    /// The stderr warning for a replay ending with `status` whose `summary` holds findings; nil when the
    /// status is 0 or 1, which say it already.
    static func warning(status: Int32, summary: ReplaySummary, interruptedBy signal: Int32?) -> String? {
        guard status != ExitStatus.clean && status != ExitStatus.violations, summary.alertsTotal > 0 else {
            return nil
        }
        let why =
            signal.map { "the replay was stopped by \(ReplayInterrupt.name($0))" }
            ?? "an input could not be read in whole, or an output not written"
        let n = summary.alertsTotal
        return "the exit status is \(status), not \(ExitStatus.violations), since \(why); yet the run found "
            + "violations (\(ReportText.grouped(n)) \(n == 1 ? "alert" : "alerts") in the summary's alerts.total): a status "
            + "of \(status) does not mean that none were found"
    }
}
