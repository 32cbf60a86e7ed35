import ZonesepCore

/// Flow records become flows here, judged by the same `FlowJudge` as captured packets and told to the same
/// event sinks: one flow (and so at most one alert) per connection, however many records describe it — a
/// long flow exported at each active timeout, or both directions' records, from one exporter or two.
///
/// Flows are keyed like the packet path's (both directions one key) but without VLANs, which two exporters
/// of one flow may not both report; they end when no record has extended them for the protocol's idle
/// timeout, in record time.
public final class ExportFlowTable {
    /// Where a flow's first record came from, for the alert's `input` and `exporter`.
    public struct Origin: Sendable {
        public var input: FlowInputKind
        public var exporter: IPAddress
        /// Whether the record carried MAC addresses: conduit MAC checks were possible.
        public var hadMACs: Bool
    }

    /// Records that were not judged on their own, by reason.
    public struct Skipped: Sendable, Equatable {
        /// ICMP errors: in a capture they travel with the flow they quote, which a record does not name.
        public var icmpErrors: UInt64 = 0
        /// TCP or UDP records with both ports 0: non-first fragments, whose ports are in another record.
        public var fragments: UInt64 = 0
        /// Records without addresses.
        public var noAddress: UInt64 = 0
        public init() {}
    }

    public private(set) var judge: FlowJudge
    public private(set) var policyEpoch = 0
    public let capacity: Int
    public var timeouts = FlowTimeouts()
    /// How long after its idle timeout a flow is still held for a record that arrives late. Exporters
    /// send a record when its flow ends or at each active timeout (commonly 30 minutes), so a long flow's
    /// next record starts where the last ended but arrives up to an active timeout later, after records of
    /// other flows have moved record time on: ended at its plain idle timeout, such a flow would start
    /// again and be judged (and alerted) twice. A record's own gap to the flow's last one is still held to
    /// the idle timeout.
    public var lateness: Int64 = 30 * 60 * 1_000_000
    let sink: EventSink

    var index: [FlowKey: Int] = [:]
    var entries: [FlowEntry] = []
    var origins: [Origin] = []
    var free: [Int] = []
    var serial: UInt64 = 0
    var events: [EngineEvent] = []
    /// The origin of each event of the batch being handed to the sink (same order).
    public private(set) var eventOrigins: [Origin] = []

    public private(set) var records: UInt64 = 0
    public private(set) var flows: UInt64 = 0
    public private(set) var evictions: UInt64 = 0
    public private(set) var skipped = Skipped()
    /// Flows started, by the exporter of their first record.
    public private(set) var flowsByExporter: [IPAddress: UInt64] = [:]
    /// Alerts (violating flows) by rule id raw value.
    public private(set) var violations: [RuleID: UInt64] = [:]
    /// The latest record time seen, µs.
    public private(set) var now: Int64 = 0
    private var lastSweep: Int64 = 0

    public init(policy: Policy, capacity: Int = 1 << 20, sink: EventSink) {
        self.judge = FlowJudge(policy: policy)
        self.capacity = max(1, capacity)
        self.sink = sink
    }

    public var activeFlows: Int { index.count }

    /// Swaps in a reloaded policy: flows already judged keep their verdict, new ones use the new map.
    public func replacePolicy(_ policy: Policy) {
        flush()
        judge = FlowJudge(policy: policy)
        policyEpoch += 1
    }

    /// Adds one record: joins the flow it belongs to, or starts (and judges) a new one.
    public func add(_ r: FlowRecord) {
        records += 1
        guard r.ipVersion != 0 else { return skipped.noAddress += 1 }
        let ports = r.proto == IPProtocolNumber.tcp || r.proto == IPProtocolNumber.udp
        if ports && r.srcPort == 0 && r.dstPort == 0 { return skipped.fragments += 1 }
        if r.hasICMPType && ExportFlowTable.isICMPError(proto: r.proto, type: r.icmpType) {
            return skipped.icmpErrors += 1
        }
        now = max(now, r.endMicros)
        if Self.elapsed(from: lastSweep, to: now) >= 5_000_000 { sweep() }
        let (key, fromA) = FlowKey.canonical(
            src: r.src, srcPort: ports ? r.srcPort : 0, dst: r.dst, dstPort: ports ? r.dstPort : 0, proto: r.proto,
            vlans: 0)
        if let i = index[key] {
            if Self.elapsed(from: entries[i].lastSeen, to: r.startMicros) <= timeouts.timeout(for: entries[i]) {
                join(i, r, fromA: fromA)
                return
            }
            end(i, reason: .idle)
        }
        start(key: key, fromA: fromA, r)
    }

    /// ICMP and ICMPv6 error messages (unreachable, time exceeded, parameter problem, and the like).
    public static func isICMPError(proto: UInt8, type: UInt8) -> Bool {
        switch proto {
        case IPProtocolNumber.icmp: return type == 3 || type == 4 || type == 5 || type == 11 || type == 12
        case IPProtocolNumber.icmpv6: return type >= 1 && type <= 4
        default: return false
        }
    }

    /// Who initiated the flow of a record, as far as the record shows it: the side whose packets carried a
    /// SYN without an ACK, the exporter's biflow direction (RFC 5103 biflowDirection), else the port ranks
    /// and the record's own direction (DESIGN's rules for a flow whose handshake was not seen).
    static func initiator(_ r: FlowRecord, hasPorts: Bool) -> (srcInitiates: Bool, method: InitiatorMethod) {
        let syn = DecodedPacket.TCPFlag.syn
        let ack = DecodedPacket.TCPFlag.ack
        // Flags are the union over each direction's packets: both sides of a handshake show SYN and ACK,
        // so only a side with SYN and never an ACK (a SYN unanswered, or the rest not yet exported) tells.
        if r.proto == IPProtocolNumber.tcp {
            if r.tcpFlags & (syn | ack) == syn { return (true, .syn) }
            if r.isBiflow && r.reverseTCPFlags & (syn | ack) == syn { return (false, .syn) }
        }
        if r.isBiflow && (r.biflowDirection == 1 || r.biflowDirection == 2) {
            return (r.biflowDirection == 1, .firstPacket)
        }
        let d = InitiatorRule.decide(
            proto: r.proto, srcPort: r.srcPort, dstPort: r.dstPort, tcpFlags: 0,
            icmpType: r.hasICMPType ? r.icmpType : 0xff, hasPorts: hasPorts)
        return (d.senderInitiates, d.method)
    }

    private func start(key: FlowKey, fromA: Bool, _ r: FlowRecord) {
        if index.count >= capacity { evictOldest() }
        let ports = key.proto == IPProtocolNumber.tcp || key.proto == IPProtocolNumber.udp
        let (srcInitiates, method) = ExportFlowTable.initiator(r, hasPorts: ports)
        let map = judge.policy.zoneMap
        let zs = map.lookup(r.src)
        let zd = map.lookup(r.dst)
        let o = FlowJudge.Observation(
            sender: r.src, receiver: r.dst, proto: r.proto, senderPort: r.srcPort, receiverPort: r.dstPort,
            hasPorts: ports, tcpFlags: 0, icmpType: r.hasICMPType ? r.icmpType : 0xff, senderMAC: r.srcMAC,
            receiverMAC: r.dstMAC)
        let judgement = judge.judge(
            o, senderInitiates: srcInitiates, senderZone: zs, receiverZone: zd, at: r.startMicros)

        var e = FlowEntry(key: key)
        e.key.vlans = FlowKey.packVLANs(count: r.vlanCount, outer: r.vlan0, inner: r.vlanCount > 1 ? r.vlan1 : r.vlan0)
        e.initiatorIsA = srcInitiates == fromA
        e.method = method
        e.zoneA = fromA ? zs : zd
        e.zoneB = fromA ? zd : zs
        e.rule = judgement.rule?.rawValue ?? FlowEntry.noVerdict
        e.declaration = Int16(judgement.declaration)
        e.icmpType = r.hasICMPType ? r.icmpType : 0
        e.icmpCode = r.hasICMPType ? r.icmpCode : 0
        e.firstSeen = r.startMicros
        e.lastSeen = r.endMicros
        if let s = r.srcMAC, let d = r.dstMAC {
            e.hasMACs = true
            e.macA = fromA ? s.rawValue : d.rawValue
            e.macB = fromA ? d.rawValue : s.rawValue
        }
        serial += 1
        e.serial = serial
        add(counts: r, fromA: fromA, to: &e)
        flows += 1
        flowsByExporter[r.exporter, default: 0] += 1
        if let rule = judgement.rule { violations[rule, default: 0] += 1 }

        let origin = Origin(input: r.input, exporter: r.exporter, hadMACs: r.srcMAC != nil && r.dstMAC != nil)
        let slot: Int
        if let f = free.popLast() {
            slot = f
            entries[f] = e
            origins[f] = origin
        } else {
            slot = entries.count
            entries.append(e)
            origins.append(origin)
        }
        index[key] = slot
        let wanted: EventInterests = judgement.rule != nil ? [.violationStarts, .flowStarts] : [.flowStarts]
        if !sink.interests.isDisjoint(with: wanted) {
            events.append(EngineEvent(kind: .flowStarted, flow: e))
            eventOrigins.append(origin)
        }
    }

    private func join(_ i: Int, _ r: FlowRecord, fromA: Bool) {
        add(counts: r, fromA: fromA, to: &entries[i])
        entries[i].lastSeen = max(entries[i].lastSeen, r.endMicros)
        entries[i].firstSeen = min(entries[i].firstSeen, r.startMicros)
        // A record that ends the flow (FIN or RST seen, RFC 5102 end reason 3) shortens its idle timeout.
        if r.endReason == 3 { entries[i].tcpState |= FlowEntry.reset }
    }

    private func add(counts r: FlowRecord, fromA: Bool, to e: inout FlowEntry) {
        let rate = UInt64(max(r.samplingRate, 1))
        if fromA {
            e.packetsAB &+= r.packets &* rate
            e.bytesAB &+= r.bytes &* rate
            e.packetsBA &+= r.reversePackets &* rate
            e.bytesBA &+= r.reverseBytes &* rate
        } else {
            e.packetsBA &+= r.packets &* rate
            e.bytesBA &+= r.bytes &* rate
            e.packetsAB &+= r.reversePackets &* rate
            e.bytesAB &+= r.reverseBytes &* rate
        }
    }

    private func end(_ i: Int, reason: FlowEndReason) {
        let e = entries[i]
        index[e.key.withoutVLANs] = nil
        free.append(i)
        let wanted: EventInterests =
            e.rule != FlowEntry.noVerdict
            ? [.violationEnds, .flowEnds] : e.declaration >= 0 ? [.declaredEnds, .flowEnds] : [.flowEnds]
        if !sink.interests.isDisjoint(with: wanted) {
            events.append(EngineEvent(kind: .flowEnded, flow: e, endReason: e.endReason(reason)))
            eventOrigins.append(origins[i])
        }
    }

    private func evictOldest() {
        guard let (_, i) = index.min(by: { entries[$0.value].lastSeen < entries[$1.value].lastSeen }) else { return }
        evictions += 1
        end(i, reason: .evicted)
    }

    /// Ends the flows idle for their timeout at record time `now`.
    private func sweep() {
        lastSweep = now
        let idle = index.values.filter {
            Self.elapsed(from: entries[$0].lastSeen, to: now)
                > timeouts.timeout(for: entries[$0]).addingReportingOverflow(lateness).partialValue
        }
        for i in idle.sorted(by: { entries[$0].serial < entries[$1].serial }) { end(i, reason: .idle) }
    }

    /// `to - from`, saturated: record times come from exporters and can be anything (a fuzzed datagram
    /// overflowed the plain subtraction).
    static func elapsed(from a: Int64, to b: Int64) -> Int64 {
        let (d, overflow) = b.subtractingReportingOverflow(a)
        return overflow ? (b > a ? .max : .min) : d
    }

    /// Hands the events gathered since the last call to the sink (call once per datagram).
    public func flush() {
        guard !events.isEmpty else { return }
        events.withUnsafeBufferPointer { ev in
            let batch = EventBatch(
                events: ev, frames: UnsafeBufferPointer(start: nil, count: 0), linkType: .ethernet,
                policy: judge.policy, policyEpoch: policyEpoch)
            sink.consume(batch)
        }
        events.removeAll(keepingCapacity: true)
        eventOrigins.removeAll(keepingCapacity: true)
    }

    /// Ends every flow (the collector stops), in the order they started.
    public func finish() {
        for i in index.values.sorted(by: { entries[$0].serial < entries[$1].serial }) { end(i, reason: .endOfCapture) }
        flush()
    }
}

extension FlowKey {
    /// The key the table indexes by: both directions, no VLANs.
    var withoutVLANs: FlowKey {
        var k = self
        k.vlans = 0
        return k
    }
}
