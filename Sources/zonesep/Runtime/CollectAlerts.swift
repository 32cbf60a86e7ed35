import ZonesepCore
import ZonesepFlowExport
import ZonesepOutput
import ZonesepRuntime

/// Alert records of flows judged from export records: the alert a capture would give, plus the export it
/// came from (`input`, `exporter`) and, where the record had no MAC addresses, `mac_check` saying that a
/// conduit's MAC could not be checked.
final class CollectAlerts: EventSink {
    let interests: EventInterests = [.violationStarts]
    private let head: RecordSink
    /// The table whose events these are (for each event's origin).
    weak var table: ExportFlowTable?
    private var format: AlertFormat?
    private var formatEpoch = -1

    init(head: RecordSink) { self.head = head }

    func consume(_ batch: EventBatch) {
        guard let origins = table?.eventOrigins else { return }
        for (i, e) in batch.events.enumerated() where e.kind == .flowStarted && e.concernsViolation {
            guard let a = Alert(flow: e.flow), i < origins.count else { continue }
            let r = Record.alert(
                a, format: format(for: batch), session: 0, linkType: .ethernet, evidence: nil,
                withEvidenceField: false)
            let o = origins[i]
            var extra = ",\"input\":\"\(o.input.name)\",\"exporter\":\"\(o.exporter)\""
            if !o.hadMACs { extra += ",\"mac_check\":\"not-in-record\"" }
            head.write(
                r.adding(
                    jsonFields: extra,
                    text: " input \(o.input.name) exporter \(o.exporter)"
                        + (o.hadMACs ? "" : " (no MACs in the record)")))
            head.advance(to: a.timestampMicros)
        }
    }

    private func format(for batch: EventBatch) -> AlertFormat {
        if let format, formatEpoch == batch.policyEpoch { return format }
        let f = AlertFormat(policy: batch.policy)
        format = f
        formatEpoch = batch.policyEpoch
        return f
    }
}
