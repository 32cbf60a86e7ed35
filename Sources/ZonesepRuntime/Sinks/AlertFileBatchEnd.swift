import ZonesepCore

/// After `SyslogBatchEnd`, the last of a session's delivery sinks: the batch's records (alerts,
/// `alert_update`s, `evidence` records) reach the alerts file when the batch ends, in one `write(2)`
/// where nothing comes between them, and after syslog has been given them (a record seen in the file has
/// reached the other outputs). It asks for no events: it runs on every batch that has any.
final class AlertFileBatchEnd: EventSink {
    let interests: EventInterests = []
    private let file: AlertFileSink

    init(_ file: AlertFileSink) { self.file = file }

    func consume(_ batch: EventBatch) { file.flush() }
}
