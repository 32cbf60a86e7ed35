import ZonesepCore
import ZonesepFlowExport
import ZonesepOutput
import ZonesepRuntime

/// Alert records of flows judged from export records: the alert a capture would give, plus the export it
/// came from (`input`, `exporter`) and, where the record had no MAC addresses (a `conduit-mac-mismatch`:
/// none for a side the conduit names), `mac_check` saying that MAC could not be checked. The same fields go
/// into the JSON record, the text line and the syslog message's structured data.
/// Host rules' findings (from records that carry MACs) become the host alerts of replay and watch, with
/// the `input` and `exporter` of the record that completed them.
final class CollectAlerts: EventSink {
    let interests: EventInterests = [.violationStarts, .hostFindings]
    private let head: RecordSink
    /// The table whose events these are (for each event's origin).
    weak var table: ExportFlowTable?
    private var formats = AlertFormatCache()

    init(head: RecordSink) { self.head = head }

    func consume(_ batch: EventBatch) {
        guard let origins = table?.eventOrigins else { return }
        for (i, e) in batch.events.enumerated() {
            if e.kind == .hostFinding, let f = batch.hostFinding(of: e), i < origins.count {
                let o = origins[i]
                let r = Record.hostAlert(f, format: formats.format(for: batch), session: 0)
                head.write(
                    r.adding(
                        jsonFields: ",\"input\":\"\(o.input.name)\",\"exporter\":\"\(o.exporter)\"",
                        text: " input \(o.input.name) exporter \(o.exporter)"))
                head.advance(to: f.timestampMicros)
                continue
            }
            guard e.kind == .flowStarted && e.concernsViolation else { continue }
            guard let a = Alert(flow: e.flow), i < origins.count else { continue }
            let r = Record.alert(
                a, format: formats.format(for: batch), session: 0, linkType: .ethernet, evidence: nil,
                withEvidenceField: false)
            let o = origins[i]
            var params = [("input", o.input.name), ("exporter", o.exporter.description)]
            if o.macNotInRecord { params.append(("mac_check", "not-in-record")) }
            let macNote =
                !o.macNotInRecord
                ? ""
                : a.rule == .conduitMACMismatch
                    ? " (a MAC the conduit names not in the record)"
                    : " (no MACs in the record)"
            head.write(
                r.adding(
                    jsonFields: params.map { ",\"\($0.0)\":\"\($0.1)\"" }.joined(),
                    text: " input \(o.input.name) exporter \(o.exporter)\(macNote)",
                    syslogParams: params))
            head.advance(to: a.timestampMicros)
        }
    }
}

/// `--flows FILE` for collect: the flow records a capture would give, plus the `input` and `exporter` of
/// each flow's first record.
final class CollectFlows: EventSink {
    let interests: EventInterests = [.flowEnds]
    private let file: FlowFileSink
    weak var table: ExportFlowTable?

    init(file: FlowFileSink) { self.file = file }

    func consume(_ batch: EventBatch) {
        let origins = table?.eventOrigins ?? []
        file.consume(batch) { i in
            guard i < origins.count else { return "" }
            return ",\"input\":\"\(origins[i].input.name)\",\"exporter\":\"\(origins[i].exporter)\""
        }
    }
}
