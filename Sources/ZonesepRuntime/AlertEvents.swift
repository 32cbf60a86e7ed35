import ZonesepCore
import ZonesepOutput

/// The sink that turns a session's engine events into alert records: each new violating flow, and each
/// host rule's finding, becomes an `alert` record for the delivery chain (suppression, rate limit, evidence, then the outputs), and the
/// chain is told how far packet time has come once a batch (with `followsPacketTime`, also after batches
/// without events, once a second of packet time at most: see `EventInterests.packetTime`).
///
/// Its state (the renderer, the decoded packet, the last second's text) is used by the session's thread
/// alone, within `consume`: not checked for exclusive access at run time (three checks an alert).
public final class AlertEvents: EventSink, TunnelAlertRaising {
    public let interests: EventInterests
    private let head: RecordSink
    private let session: Int
    /// Whether alerts carry the `evidence` field (with `--evidence` and the other delivery options).
    private let withEvidenceField: Bool
    /// The renderer of the map the engine judges with, remade when a reload swaps the map.
    @exclusivity(unchecked) private var formats = AlertFormatCache()
    /// The first packet of a violating flow decoded again for what the flow entry does not keep (its tunnel
    /// layers, all its VLANs): only for alerts, so the packet path stays as it is.
    @exclusivity(unchecked) private var packet = DecodedPacket()
    /// Standard output in JSON when it is the chain's only sink (a replay with no delivery option): each
    /// alert is written straight into its buffer, with no record made (which cost as much as rendering it).
    private let directJSON: StdoutSink?
    /// The date of the last alert written directly (a flood raises thousands a day).
    @exclusivity(unchecked) private var clock = TimestampCache()
    /// Whether the chain's outputs print the alert's Community ID (all but text on standard output): the
    /// record then carries it, hashed once in the batch for them and for the summary's violation.
    private let chainWritesFlowID: Bool
    /// Tunnels' alerts raised by the session's `TunnelAudit` for the batch being heard (which hears it first),
    /// with the event each belongs before, and how many of them are written.
    @exclusivity(unchecked) private var pendingTunnels: [(event: Int, alert: Alert)] = []
    @exclusivity(unchecked) private var pendingNext = 0

    /// `followsPacketTime`: the chain hears of packet time while only allowed traffic passes, so that
    /// `watch` closes suppression windows by it rather than at the next violation.
    public init(head: RecordSink, session: Int, withEvidenceField: Bool, followsPacketTime: Bool = false) {
        interests =
            followsPacketTime ? [.violationStarts, .hostFindings, .packetTime] : [.violationStarts, .hostFindings]
        self.head = head
        self.session = session
        self.withEvidenceField = withEvidenceField
        if let out = head as? StdoutSink, out.format == .json, !withEvidenceField {
            directJSON = out
        } else {
            directJSON = nil
        }
        chainWritesFlowID = (head as? StdoutSink)?.format != .text
    }

    public func consume(_ batch: EventBatch) {
        // Events are read where they lie: `for e in` copied each one, its flow entry and all.
        let events = batch.events
        // A batch without events has no tunnel's alert either: each belongs to a flow's start.
        guard !events.isEmpty else { return advance(batch) }
        // The batch's renderer, looked up once: a batch is judged with one map.
        let format = formats.format(for: batch)
        defer {
            // The tunnels' alerts of events past the last one written, then the chain is told the time.
            writeTunnels(through: .max, format, batch)
            pendingTunnels.removeAll(keepingCapacity: true)
            pendingNext = 0
            advance(batch)
        }
        for i in events.indices {
            // A tunnel's alert goes before the alert of the flow whose start showed it: by packet time, so
            // that `--max-alert-rate` holds back the later alerts of a burst, whatever their kind.
            if pendingNext < pendingTunnels.count { writeTunnels(through: i, format, batch) }
            if events[i].kind == .hostFinding {
                if let f = batch.hostFinding(of: events[i]) {
                    head.write(Record.hostAlert(f, format: format, session: session))
                }
                continue
            }
            guard events[i].kind == .flowStarted && events[i].concernsViolation, var a = Alert(flow: events[i].flow)
            else { continue }
            // The key keeps a flow's outermost and innermost VLAN: the packet adds to it only for a flow
            // inside a tunnel or one with more than two tags (decoding it again cost a fifth of the alert).
            if events[i].flow.inTunnel || events[i].flow.key.vlanCount > 2, let frame = batch.frame(of: events[i]) {
                PacketDecoder.decode(
                    frame.bytes, linkType: batch.linkType, tunnelPorts: batch.policy.config.tunnelPorts, into: &packet)
                a = a.withPacket(packet)
            }
            if let out = directJSON {
                out.writeAlertJSON(a, format: format, flowID: batch.flowID(of: i), clock: &clock)
                continue
            }
            head.write(
                Record.alert(
                    a, format: format, session: session, linkType: batch.linkType, evidence: nil,
                    withEvidenceField: withEvidenceField,
                    flowID: chainWritesFlowID ? CommunityID.text(batch.flowID(of: i)) : nil))
        }
    }

    /// A tunnel whose ends break the policy, found by the session's `TunnelAudit` in the batch this sink
    /// hears next: kept until `consume` reaches event `event`, the start of the flow that showed it.
    public func raise(tunnel alert: Alert, at event: Int, in batch: EventBatch) {
        pendingTunnels.append((event, alert))
    }

    /// The tunnels' alerts kept for events up to `i`, into the chain with no `evidence` field (no flow of the
    /// engine is behind them), whatever `withEvidenceField` says.
    private func writeTunnels(through i: Int, _ format: AlertFormat, _ batch: EventBatch) {
        while pendingNext < pendingTunnels.count && pendingTunnels[pendingNext].event <= i {
            head.write(
                Record.alert(
                    pendingTunnels[pendingNext].alert, format: format, session: session, linkType: batch.linkType,
                    evidence: nil, withEvidenceField: false))
            pendingNext += 1
        }
    }

    /// Tells the chain how far packet time has come: the batch's last frame.
    private func advance(_ batch: EventBatch) {
        if let last = batch.frames.last { head.advance(to: last.timestamp) }
    }
}
