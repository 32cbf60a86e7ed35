import ZonesepCore
import ZonesepOutput

/// One verification run, shared by `replay` and (live) `watch`: the verifier, where alerts go, and the
/// violating flows kept for the summary.
final class Session {
    private(set) var policy: Policy
    let verifier: Verifier
    let format: OutputFormat
    private(set) var alertFormat: AlertFormat
    let out: LineWriter
    /// Violating flows still in the table, by flow serial; moved to `violations` when they end.
    private var open: [UInt64: Alert] = [:]
    private(set) var violations: [Violation] = []

    init(policy: Policy, format: OutputFormat, maxFlows: Int, out: LineWriter = LineWriter(fd: 1)) {
        self.policy = policy
        self.format = format
        self.out = out
        self.verifier = Verifier(policy: policy, flowCapacity: maxFlows)
        self.alertFormat = AlertFormat(policy: policy)
        verifier.onFlowEnd = { [unowned self] flow, reason in self.flowEnded(flow, reason) }
    }

    /// Feeds one frame through the verifier and writes the alert it raises, if any.
    @inline(__always)
    func process(_ frame: (timestamp: Int64, bytes: UnsafeRawBufferPointer, wireLength: Int), linkType: LinkType) {
        if let alert = verifier.process(
            timestamp: frame.timestamp, bytes: frame.bytes, wireLength: frame.wireLength, linkType: linkType)
        {
            open[alert.flowSerial] = alert
            out.write(line: format == .json ? alertFormat.json(alert) : alertFormat.text(alert))
        }
    }

    private func flowEnded(_ flow: FlowEntry, _ reason: FlowEndReason) {
        guard flow.verdict != nil, let alert = open.removeValue(forKey: flow.serial) else { return }
        violations.append(Violation(alert: alert, flow: flow, end: reason))
    }

    /// Ends every flow and builds the summary of the run.
    func finish(files: [ReplaySummary.FileResult]) -> ReplaySummary {
        verifier.finish()
        return ReplaySummary(
            policy: policy, counters: verifier.counters, matrix: verifier.matrix, files: files,
            flowsActive: verifier.activeFlows, flowsEvicted: verifier.flows.evictions,
            flowCapacity: verifier.flows.capacity,
            violations: violations.sorted { $0.alert.flowSerial < $1.alert.flowSerial })
    }

    /// Writes the summary record (or tables) and flushes.
    func writeSummary(_ summary: ReplaySummary) {
        out.write(line: format == .json ? summary.json() : summary.text())
        out.flush()
    }
}
