import ZonesepCore

/// The last of a session's delivery sinks: once the batch's alerts, `alert_update`s and `evidence` records
/// have gone down the chain, what they queued for syslog leaves (one `sendmmsg` a UDP destination, one
/// wake-up a stream's thread). It asks for no events: it runs on every batch that has any.
final class SyslogBatchEnd: EventSink {
    let interests: EventInterests = []
    private let syslog: SyslogSink

    init(_ syslog: SyslogSink) { self.syslog = syslog }

    func consume(_ batch: EventBatch) { syslog.endOfBatch() }
}
