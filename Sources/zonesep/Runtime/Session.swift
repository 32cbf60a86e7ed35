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
    /// A sensor that runs for months must not grow without bound: past this many violating flows the
    /// summary lists no more (it counts them), while each still raises its alert.
    static let violationLimit = 100_000
    private(set) var violationsOmitted: UInt64 = 0
    /// When set (watch), each alert goes here instead of `out`: one writer shared by every worker.
    var alertSink: ((Alert, AlertFormat) -> Void)?

    /// Alert delivery (syslog, alerts file, suppression, evidence) when asked for; while nil it costs one
    /// check per packet.
    private(set) var delivery: Delivery?
    /// This session's number within a delivery shared by several (watch: one session per worker).
    private(set) var deliverySession = 0
    /// Whether `finish` also finishes the delivery (false where several sessions share it).
    private var ownsDelivery = true
    /// Packet time at which suppression windows are next looked at.
    private var nextAdvance = Int64.min

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
        if let delivery { return processDelivering(frame, linkType: linkType, delivery) }
        if let alert = verifier.process(
            timestamp: frame.timestamp, bytes: frame.bytes, wireLength: frame.wireLength, linkType: linkType)
        {
            raised(alert)
        }
    }

    /// A new violating flow without delivery: kept for the summary, written to the sink or stdout.
    private func raised(_ alert: Alert) {
        open[alert.flowSerial] = alert
        if let alertSink {
            alertSink(alert, alertFormat)
        } else {
            out.write(line: format == .json ? alertFormat.json(alert) : alertFormat.text(alert))
        }
    }

    /// Feeds frames whose bytes stay valid until this returns (a replay's batch) through the verifier's
    /// batched path, with the same outcome as `process` for each in turn.
    func process(frames: UnsafeBufferPointer<Verifier.Frame>, linkType: LinkType) {
        if delivery != nil || alertSink != nil {
            for f in frames { process((f.timestamp, f.bytes, f.wireLength), linkType: linkType) }
        } else {
            verifier.process(batch: frames, linkType: linkType) { _, alert in raised(alert) }
        }
    }

    /// Swaps in a reloaded policy between two packets: flows are kept, and each one's next verdict and
    /// every later alert use the new map.
    func replacePolicy(_ new: Policy) {
        verifier.replacePolicy(new)
        policy = new
        alertFormat = AlertFormat(policy: new)
    }

    /// `process` with delivery on: suppression windows that closed, the alert through delivery, and the
    /// packet into its flow's evidence file.
    private func processDelivering(
        _ frame: (timestamp: Int64, bytes: UnsafeRawBufferPointer, wireLength: Int), linkType: LinkType,
        _ d: Delivery
    ) {
        if frame.timestamp >= nextAdvance {
            d.advance(to: frame.timestamp)
            nextAdvance = frame.timestamp &+ Delivery.advanceEveryMicros
        }
        if let alert = verifier.process(
            timestamp: frame.timestamp, bytes: frame.bytes, wireLength: frame.wireLength, linkType: linkType)
        {
            open[alert.flowSerial] = alert
            d.alert(alert, format: alertFormat, session: deliverySession, linkType: linkType, now: frame.timestamp)
        }
        if verifier.lastFlowViolates && d.wantsPackets {
            d.packet(
                session: deliverySession, serial: verifier.lastFlowSerial, timestamp: frame.timestamp,
                bytes: frame.bytes, wireLength: frame.wireLength, linkType: linkType)
        }
    }

    /// Replay: delivery of this session's own, writing records to its stdout. Fails (with a message naming
    /// the option) when a file, directory or syslog host cannot be used.
    func enableDelivery(_ options: DeliveryOptions, defaultSuppressWindow: Int64) throws(DeliveryError) {
        let out = self.out
        let format = self.format
        delivery = try Delivery(
            options: options, defaultSuppressWindow: defaultSuppressWindow, format: format,
            stdout: { json, text in out.write(line: format == .json ? json : text) })
    }

    /// Watch: one delivery shared by every worker's session; the runner finishes it once, after all of them.
    func share(_ delivery: Delivery, as number: Int) {
        self.delivery = delivery
        deliverySession = number
        ownsDelivery = false
    }

    private func flowEnded(_ flow: FlowEntry, _ reason: FlowEndReason) {
        guard flow.verdict != nil, let alert = open.removeValue(forKey: flow.serial) else { return }
        delivery?.flowEnded(session: deliverySession, flow: flow, reason: reason)
        if violations.count < Session.violationLimit {
            violations.append(Violation(alert: alert, flow: flow, end: reason))
        } else {
            violationsOmitted += 1
        }
    }

    /// Ends every flow and builds the summary of the run.
    func finish(files: [ReplaySummary.FileResult]) -> ReplaySummary {
        verifier.finish()
        var summary = ReplaySummary(
            policy: policy, counters: verifier.counters, matrix: verifier.matrix, files: files,
            flowsActive: verifier.activeFlows, flowsEvicted: verifier.flows.evictions,
            flowCapacity: verifier.flows.capacity,
            violations: violations.sorted { $0.alert.flowSerial < $1.alert.flowSerial })
        summary.violationsOmitted = violationsOmitted
        if ownsDelivery { delivery?.finish(into: &summary) }
        return summary
    }

    /// Writes the summary record (or tables) and flushes.
    func writeSummary(_ summary: ReplaySummary) {
        out.write(line: format == .json ? summary.json() : summary.text())
        out.flush()
    }
}
