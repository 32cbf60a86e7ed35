import Synchronization
import ZonesepCore
import ZonesepOutput

/// Behind the evidence stage: remembers which alerts got no evidence file, and why, so that the summary's
/// violations (and the audit report) can tell a flow whose evidence was lost from one never asked for.
///
/// A stage of its own rather than a field of the evidence stage: it sees each alert as the outputs get it,
/// `evidence: null` with its `evidence_error`, which is exactly what a saved run's alert record says.
public final class EvidenceOutcomes: RecordSink {
    struct FlowKey: Hashable {
        var session: Int
        var serial: UInt64
    }
    private let inner: RecordSink
    private let missing = Mutex<[FlowKey: String]>([:])
    /// Flows remembered, at most (as many as the summary keeps violating flows).
    let limit: Int

    /// Said of an alert that got no file without an I/O error: the evidence budget or file limit was spent.
    public static let limitsReason =
        "no file was made: the evidence limits (--evidence-max-bytes, --evidence-max-files) were reached"

    /// Said of an alert `--max-alert-rate` held back: it never reached the evidence stage.
    public static let rateLimitedReason = "no file was made: the alert was held back by --max-alert-rate"

    /// Said of an alert `--suppress-window` folded into an earlier one: its flow's packets went to no file.
    public static let foldedReason =
        "no file was made: the alert was folded into an earlier one by --suppress-window"

    public init(inner: RecordSink, limit: Int = ViolationCollector.defaultLimit) {
        self.inner = inner
        self.limit = limit
    }

    @discardableResult
    public func write(_ record: Record) -> Bool {
        if record.kind == .alert, let a = record.alert, record.evidenceMissing {
            let why = record.evidenceError ?? EvidenceOutcomes.limitsReason
            missing.withLock { m in
                if m.count < limit { m[FlowKey(session: record.session, serial: a.flowSerial)] = why }
            }
        }
        return inner.write(record)
    }

    /// An alert the rate limit held back: its flow gets no file, and says why rather than look never asked.
    public func heldBack(_ record: Record) { remember(record, Self.rateLimitedReason) }

    /// An alert suppression folded: the same.
    public func folded(_ record: Record) { remember(record, Self.foldedReason) }

    private func remember(_ record: Record, _ why: String) {
        // A tunnel's alert names no flow of the engine (its serial is 0): nothing to remember.
        guard record.kind == .alert, let a = record.alert, a.tunnelEnds == nil else { return }
        missing.withLock { m in
            if m.count < limit { m[FlowKey(session: record.session, serial: a.flowSerial)] = why }
        }
    }

    public func advance(to now: Int64) { inner.advance(to: now) }

    public func finish(at now: Int64) { inner.finish(at: now) }

    /// Gives each violating flow whose alert got no file the reason (`Violation.evidenceError`), found by the
    /// flow's session and serial as `EvidenceSink.annotate` finds its file.
    public func annotate(_ violations: inout [Violation], sessions: Set<Int>) {
        let byFlow = missing.withLock { $0 }
        guard !byFlow.isEmpty else { return }
        for i in violations.indices where violations[i].evidenceFile == nil {
            let session = sessions.count == 1 ? sessions.first ?? 0 : violations[i].session
            let key = FlowKey(session: session, serial: violations[i].alert.flowSerial)
            if let why = byFlow[key] { violations[i].evidenceError = why }
        }
    }
}
