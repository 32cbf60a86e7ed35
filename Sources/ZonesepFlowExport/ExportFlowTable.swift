import ZonesepCore

/// Flow records become flows here, judged by the same `FlowJudge` as captured packets and told to the same
/// event sinks: one flow (and so at most one alert) per connection, however many records describe it — a
/// long flow exported at each active timeout, or both directions' records, from one exporter or two.
///
/// Flows are keyed like the packet path's (both directions one key) but without VLANs, which two exporters
/// of one flow may not both report; they end when no record has extended them for the protocol's idle
/// timeout (and `lateness` more), in record time. They live in the packet path's `FlowTable` (open
/// addressing, a hard cap, an incremental idle sweep, eviction of the least recently seen of a small
/// window), so that a record of a known flow costs a probe and a few additions, allocates nothing, and
/// pays no exclusivity check: the mutable counts sit behind a pointer, as the packet path's do.
public final class ExportFlowTable {
    /// Where a flow's first record came from, for the alert's `input` and `exporter`.
    public struct Origin: Sendable {
        public var input: FlowInputKind
        public var exporter: IPAddress
        /// Whether an alert raised from this record says `"mac_check":"not-in-record"`: the record carried
        /// no MAC at all, or (a `conduit-mac-mismatch`) the flow has no MAC for a side its conduit names.
        public var macNotInRecord: Bool
        /// The VLANs of the flow's first record, packed as `FlowKey.vlans` (the table's keys have none).
        var vlans: UInt32 = 0
        /// The exporter (`exporterID`) whose records count A's and B's packets and bytes: the first to report
        /// packets that way (0: none yet). Several routers on one path report the same packets.
        var countedByAB: UInt32 = 0
        var countedByBA: UInt32 = 0
        /// What the flow's TCP records showed of its opening and close (`ExportFlowTable.tcpSeen`), for
        /// telling a new connection on the same ports from the closed one.
        var tcpSeen: UInt8 = 0
    }

    /// Records that were not judged on their own, by reason.
    public struct Skipped: Sendable, Equatable {
        /// ICMP errors: in a capture they travel with the flow they quote, which a record does not name.
        public var icmpErrors: UInt64 = 0
        /// TCP or UDP records with both ports 0: non-first fragments, whose ports are in another record.
        public var fragments: UInt64 = 0
        /// ICMP biflow records whose forward direction carried no packet and whose ICMP type reads 0: the
        /// type is unknown (softflowd -b sends an ICMP error so, its type lost), and an error would travel
        /// with the flow it quotes.
        public var icmpTypeUnknown: UInt64 = 0
        /// Records without addresses, or whose addresses are both unspecified (0.0.0.0, `::`).
        public var noAddress: UInt64 = 0
        /// TCP, UDP and SCTP records (and ICMP records with no type) of a template without port fields
        /// whose verdict depends on the ports or the direction, which the record does not tell
        /// (see `portlessJudgement`).
        public var noPorts: UInt64 = 0
        public init() {}
    }

    public private(set) var judge: FlowJudge
    /// For records without ports: one port of each span of TCP and of UDP ports over which no declaration's
    /// ports change (see `portlessJudgement`).
    var portCandidates: (tcp: [UInt16], udp: [UInt16]) = ([0], [0])
    public private(set) var policyEpoch = 0
    public let capacity: Int
    /// The idle timeouts a record's gap to its flow's last record is held to.
    public let timeouts: FlowTimeouts
    /// How long after its idle timeout a flow is still held for a record that arrives late. Exporters
    /// send a record when its flow ends or at each active timeout (commonly 30 minutes), so a long flow's
    /// next record starts where the last ended but arrives up to an active timeout later, after records of
    /// other flows have moved record time on: ended at its plain idle timeout, such a flow would start
    /// again and be judged (and alerted) twice. A record's own gap to the flow's last one is still held to
    /// the idle timeout.
    public let lateness: Int64
    let sink: EventSink

    /// The flows, keyed without VLANs; the sweep and eviction use `timeouts` plus `lateness`.
    let table: FlowTable
    /// Where each entry's flow came from, by entry index.
    let origins: UnsafeMutablePointer<Origin>

    /// What changes per record, behind a pointer: a class's stored properties would cost a dynamic
    /// exclusivity check at every access.
    struct Counts {
        var records: UInt64 = 0
        var serial: UInt64 = 0
        var now: Int64 = 0
        var skipped = Skipped()
        /// The last exporter looked up in `exporterIDs`, and its id (0: none): a datagram's records share one.
        var lastExporter = IPAddress(rawValue: 0)
        var lastExporterID: UInt32 = 0
    }
    let m: UnsafeMutablePointer<Counts>

    /// The records of the datagram being read (`hold`), judged in start order at `flush`; and the order.
    var held: [FlowRecord] = []
    var heldOrder: [Int] = []

    /// A small number for each exporter address seen, for `Origin.countedByAB` and `countedByBA`.
    var exporterIDs: [IPAddress: UInt32] = [:]

    var events: [EngineEvent] = []
    /// The host findings this batch's `hostFinding` events index.
    var hostFindings: [HostFinding] = []
    /// The host rules' table, fed by records that carry a source MAC (`ExportHosts`).
    public let hosts: ExportHosts
    /// The origin of each event of the batch being handed to the sink (same order).
    public internal(set) var eventOrigins: [Origin] = []

    public var records: UInt64 { m.pointee.records }
    public private(set) var flows: UInt64 = 0
    public var evictions: UInt64 { table.evictions }
    public var skipped: Skipped { m.pointee.skipped }
    /// Flows started, by the address their first record's datagram came from (`FlowRecord.source`, what the
    /// decoder's exporter statistics are kept by), so that the exporters' rows add up to `flows`.
    public private(set) var flowsByExporter: [IPAddress: UInt64] = [:]
    /// Alerts (violating flows) by rule.
    public private(set) var violations: [RuleID: UInt64] = [:]
    /// Flows that ended allowed by a conduit naming a MAC that no record of the flow carried for that side
    /// (`Policy.conduitMACUnverified`, under the policy that judged the flow): allowed, MAC not verified.
    public private(set) var conduitMACNotVerified: UInt64 = 0
    /// The latest record time seen, µs.
    public var now: Int64 { m.pointee.now }

    /// Record times are clamped to this (and to 0 below): the flow table's idle arithmetic must not
    /// overflow, and no record may carry a time past 9999. The decoder hands on no record past it
    /// (`timestamp-out-of-range`); the clamp keeps a caller that does not from writing one.
    static let latestTime: Int64 = PacketTime.latest

    public init(
        policy: Policy, capacity: Int = 1 << 20, timeouts: FlowTimeouts = FlowTimeouts(),
        lateness: Int64 = 30 * 60 * 1_000_000, sink: EventSink
    ) {
        self.judge = FlowJudge(policy: policy)
        self.hosts = ExportHosts(policy: policy)
        self.portCandidates = Self.portCandidates(policy.config)
        self.capacity = max(1, capacity)
        self.timeouts = timeouts
        self.lateness = max(0, min(lateness, Self.latestTime))
        self.sink = sink
        var late = timeouts
        late.tcp = Self.saturated(timeouts.tcp, plus: self.lateness)
        late.tcpClosed = Self.saturated(timeouts.tcpClosed, plus: self.lateness)
        late.udp = Self.saturated(timeouts.udp, plus: self.lateness)
        late.icmp = Self.saturated(timeouts.icmp, plus: self.lateness)
        late.other = Self.saturated(timeouts.other, plus: self.lateness)
        table = FlowTable(capacity: self.capacity, timeouts: late)
        origins = .allocate(capacity: self.capacity)
        m = .allocate(capacity: 1)
        m.initialize(to: Counts())
    }

    deinit {
        origins.deallocate()
        m.deinitialize(count: 1)
        m.deallocate()
    }

    /// The first instant declaration `d` of the policy in force no longer applies: an exception's expiry,
    /// `Int64.max` for any other declaration.
    func expiry(of d: Int) -> Int64 { judge.policy.declarations[d].expiresAtMicros ?? .max }

    static func saturated(_ a: Int64, plus b: Int64) -> Int64 {
        let (s, overflow) = a.addingReportingOverflow(b)
        return overflow ? .max : s
    }

    public var activeFlows: Int { table.count }

    /// Swaps in a reloaded policy: flows already judged keep their verdict and the zones they were judged
    /// with (the same zone ids, as refs of the new map: see `PolicyConfig.keepingRetiredZones`; a zone it
    /// lacks, where the address falls now), new ones use the new map. Each keeps the declaration that
    /// allowed it, by kind and name, and a later record's MACs check its conduit's MAC only where the new
    /// policy allows it by the same conduit (`FlowEntry.carry`), as in `watch`.
    public func replacePolicy(_ policy: Policy) {
        flush()
        let old = judge.policy
        let carried = ZoneRenumbering(from: old.config, to: policy.config)
        let renumbered = DeclarationRenumbering(from: old, to: policy)
        let map = policy.zoneMap
        table.updateEach { e in
            e.zoneA = carried(e.zoneA) ?? map.lookup(e.key.addressA)
            e.zoneB = carried(e.zoneB) ?? map.lookup(e.key.addressB)
            e.carry(across: renumbered, from: old, to: policy)
        }
        judge = FlowJudge(policy: policy)
        hosts.replacePolicy(policy)
        portCandidates = Self.portCandidates(policy.config)
        policyEpoch += 1
    }

    /// Adds one record: joins the flow it belongs to, or starts (and judges) a new one.
    public func add(_ record: FlowRecord) {
        m.pointee.records &+= 1
        guard record.ipVersion != 0, !Self.unspecified(record.src) || !Self.unspecified(record.dst) else {
            return m.pointee.skipped.noAddress += 1
        }
        // Every record with addresses tells the host rules of its sender, judged or not (a fragment's or an
        // ICMP error's sender is a host all the same, as in a capture).
        observeSender(record)
        let ports = IPProtocolNumber.hasPorts(record.proto)
        // A template with no port field: TCP, UDP and SCTP records without their ports, ICMP records without
        // their type (an error among them, which would travel with the flow it quotes).
        let isICMP = record.proto == IPProtocolNumber.icmp || record.proto == IPProtocolNumber.icmpv6
        let portless = !record.hasPortFields && (ports || (isICMP && !record.hasICMPType))
        if ports && !portless && record.srcPort == 0 && record.dstPort == 0 {
            return m.pointee.skipped.fragments += 1
        }
        if record.hasICMPType && ExportFlowTable.isICMPError(proto: record.proto, type: record.icmpType) {
            return m.pointee.skipped.icmpErrors += 1
        }
        // A biflow's forward ICMP type describes no packet when that direction had none: softflowd -b
        // writes 0 there (and in the reverse type) for a flow seen only the other way, an ICMP error's.
        if isICMP && record.isBiflow && record.packets == 0 && record.hasICMPType && record.icmpType == 0
            && record.icmpCode == 0
        {
            return m.pointee.skipped.icmpTypeUnknown += 1
        }
        let first = min(max(record.startMicros, 0), Self.latestTime)
        let last = max(min(max(record.endMicros, 0), Self.latestTime), first)
        if last > m.pointee.now { m.pointee.now = last }
        let (key, fromA) = FlowKey.canonical(
            src: record.src, srcPort: ports ? record.srcPort : 0, dst: record.dst,
            dstPort: ports ? record.dstPort : 0, proto: record.proto, vlans: 0)
        let hash = key.hashValue64
        if let i = table.find(key, hash: hash) {
            let e = table.entries + i
            let reopens = reopens(i, record, fromA: fromA, start: first)
            if !reopens
                && Self.elapsed(from: e.pointee.lastSeen, to: first)
                    <= timeouts.timeout(proto: e.pointee.key.proto, closed: e.pointee.isClosed)
            {
                join(i, record, fromA: fromA, start: first, end: last)
                sweep()
                return
            }
            end(i, reason: reopens ? .closed : .idle)
            table.remove(at: i)
        }
        if portless {
            guard let judgement = portlessJudgement(record, at: first) else {
                m.pointee.skipped.noPorts += 1
                return sweep()
            }
            start(key: key, hash: hash, fromA: fromA, record, start: first, end: last, judged: judgement)
        } else {
            start(key: key, hash: hash, fromA: fromA, record, start: first, end: last)
        }
        sweep()
    }

    /// Whether TCP record `r`, starting at `start`, opens a new connection on the ports of flow `i`, which
    /// its records showed closed: it shows a SYN and starts at or after the end of the flow's last record,
    /// as a SYN after a close starts a new flow in a capture (a SYN of the closed connection came before
    /// its close). Two connections on one port pair exported apart are then two flows, as `replay` makes
    /// them, however close together; a long flow's later records carry no SYN and still join it.
    /// Only a record from the closed connection's initiator (`fromA`: its source is side A), sent by the
    /// exporter whose records counted that direction: another router's record of the same connection (a
    /// connection shorter than the records' time resolution, a clock ahead) is not a new one, and a
    /// responder's record, whose flags cannot tell a SYN-ACK from a SYN, would orient the new flow from
    /// the server. Either joins the flow, as before there was a reopening at all.
    @inline(__always)
    func reopens(_ i: Int, _ r: FlowRecord, fromA: Bool, start: Int64) -> Bool {
        let syn = DecodedPacket.TCPFlag.syn
        let e = table.entries + i
        guard Self.closed(origins[i].tcpSeen), r.proto == IPProtocolNumber.tcp,
            (r.tcpFlags | (r.isBiflow ? r.reverseTCPFlags : 0)) & syn != 0, start >= e.pointee.lastSeen,
            fromA == e.pointee.initiatorIsA
        else { return false }
        return exporterID(r.exporter) == (fromA ? origins[i].countedByAB : origins[i].countedByBA)
    }

    /// In `Origin.tcpSeen`: side A's FIN, SYN and RST in the TCP header's own bit order (0x01, 0x02,
    /// 0x04), then side B's above them (0x08, 0x10, 0x20), so that a record's flags land with a mask and a
    /// shift, no branch on them.
    static let tcpSeenMask: UInt8 = DecodedPacket.TCPFlag.fin | DecodedPacket.TCPFlag.syn | DecodedPacket.TCPFlag.rst

    /// The SYN, FIN and RST flags of record `r` (TCP; 0 for other protocols) as `Origin.tcpSeen` bits of
    /// its flow's sides (`fromA`: its source is side A); flowEndReason 3 (the exporter saw the flow end by
    /// FIN or RST) counts as a RST.
    @inline(__always)
    static func tcpSeen(_ r: FlowRecord, fromA: Bool) -> UInt8 {
        let forward = r.tcpFlags
        let reverse = r.isBiflow ? r.reverseTCPFlags : 0
        let (a, b) = fromA ? (forward, reverse) : (reverse, forward)
        let ended = r.endReason == 3 ? DecodedPacket.TCPFlag.rst : 0
        let mask = r.proto == IPProtocolNumber.tcp ? tcpSeenMask : 0
        return (a | ended) & mask | (b & mask) << 3
    }

    /// Whether a flow's records showed it closed: FIN from both sides, or a RST once both sides had sent
    /// a SYN. A RST answering a lone SYN refuses the connection, and the client sends the same SYN again
    /// (Windows twice): a capture joins those retries by their sequence number, which no record carries,
    /// so after a refusal a SYN joins the flow (one `connect()`, one alert).
    static func closed(_ seen: UInt8) -> Bool {
        let fin = DecodedPacket.TCPFlag.fin
        let syn = DecodedPacket.TCPFlag.syn
        let rst = DecodedPacket.TCPFlag.rst
        let bothFIN = fin | fin << 3
        let bothSYN = syn | syn << 3
        return seen & bothFIN == bothFIN || (seen & bothSYN == bothSYN && seen & (rst | rst << 3) != 0)
    }

    /// Whether a flow's records showed it ended by closing, as `FlowEntry.isClosed` has it of packets: a FIN
    /// from both sides, or a RST from either (flowEndReason 3 among them).
    static func endedByClosing(_ seen: UInt8) -> Bool {
        let fin = DecodedPacket.TCPFlag.fin
        let rst = DecodedPacket.TCPFlag.rst
        return seen & (fin | fin << 3) == fin | fin << 3 || seen & (rst | rst << 3) != 0
    }

    /// The verdict of a TCP, UDP or SCTP record whose template has no ports (or an ICMP record with no
    /// type), when it is the same whatever the ports and whichever side initiated; else nil (the record is
    /// counted as `noPorts`). A verdict depends on the port only through declarations' port ranges, so
    /// judging one port of each span between their bounds, both ways round, covers every port: a pair with
    /// no declaration for it (a Mynumber host and the Internet, LGWAN and an external address) is judged,
    /// one a port-specific declaration could allow is not.
    func portlessJudgement(_ r: FlowRecord, at time: Int64) -> Judgement? {
        let map = judge.policy.zoneMap
        let zs = map.lookup(r.src)
        let zd = map.lookup(r.dst)
        let (srcInitiates, _) = ExportFlowTable.initiator(r, hasPorts: false)
        var found: Judgement? = nil
        /// Whether `proto` at each candidate port (nil: none), both ways round, agrees with what was found.
        func agrees(_ proto: UInt8, _ ports: [UInt16?]) -> Bool {
            for initiates in [srcInitiates, !srcInitiates] {
                for port in ports {
                    let o = FlowJudge.Observation(
                        sender: r.src, receiver: r.dst, proto: proto, senderPort: port ?? 0, receiverPort: port ?? 0,
                        hasPorts: port != nil, tcpFlags: 0, icmpType: 0xff, senderMAC: r.srcMAC,
                        receiverMAC: r.dstMAC)
                    let j = judge.judge(o, senderInitiates: initiates, senderZone: zs, receiverZone: zd, at: time)
                    guard let f = found else {
                        found = j
                        continue
                    }
                    if j.rule != f.rule || (j.rule == nil && j.declaration != f.declaration) { return false }
                }
            }
            return true
        }
        let tcp = portCandidates.tcp.map { Optional($0) }
        let udp = portCandidates.udp.map { Optional($0) }
        switch r.proto {
        case IPProtocolNumber.tcp: guard agrees(r.proto, tcp) else { return nil }
        case IPProtocolNumber.udp: guard agrees(r.proto, udp) else { return nil }
        case IPProtocolNumber.sctp: guard agrees(r.proto, [0]) else { return nil }
        default:
            // ICMP of unknown type: echo either way, or an error that would share its quoted flow's verdict.
            guard
                agrees(r.proto, [nil]) && agrees(IPProtocolNumber.tcp, tcp) && agrees(IPProtocolNumber.udp, udp)
                    && agrees(IPProtocolNumber.sctp, [0])
            else { return nil }
        }
        return found
    }

    /// One port of each span of `config`'s TCP and UDP ports over which no declaration's port ranges
    /// change: 0, each range's first port and the port after its last.
    static func portCandidates(_ config: PolicyConfig) -> (tcp: [UInt16], udp: [UInt16]) {
        var tcp: Set<UInt16> = [0]
        var udp: Set<UInt16> = [0]
        let specs =
            config.conduits.flatMap(\.ports) + config.sanitisation.flatMap(\.ports) + config.exceptions.flatMap(\.ports)
        for spec in specs {
            switch spec {
            case .tcp(let r):
                tcp.insert(r.lowerBound)
                if r.upperBound < .max { tcp.insert(r.upperBound + 1) }
            case .udp(let r):
                udp.insert(r.lowerBound)
                if r.upperBound < .max { udp.insert(r.upperBound + 1) }
            case .icmp, .any: continue
            }
        }
        return (tcp.sorted(), udp.sorted())
    }

    /// 0.0.0.0 or `::`: a record whose ends are both unspecified names no host (a zero-filled field of
    /// the family it is not), and judged it would be `local` to `local`, never a violation.
    static func unspecified(_ a: IPAddress) -> Bool {
        a.rawValue == 0 || a.rawValue == IPAddress.v4MappedPrefix
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

    /// Starts (and judges, unless `judged` gives the verdict) the flow of record `r`.
    private func start(
        key: FlowKey, hash: UInt64, fromA: Bool, _ r: FlowRecord, start: Int64, end: Int64, judged: Judgement? = nil
    ) {
        let ports = IPProtocolNumber.hasPorts(key.proto) && r.hasPortFields
        let (srcInitiates, method) = ExportFlowTable.initiator(r, hasPorts: ports)
        let map = judge.policy.zoneMap
        let zs = map.lookup(r.src)
        let zd = map.lookup(r.dst)
        let judgement: Judgement
        if let judged {
            judgement = judged
        } else {
            let o = FlowJudge.Observation(
                sender: r.src, receiver: r.dst, proto: r.proto, senderPort: r.srcPort, receiverPort: r.dstPort,
                hasPorts: ports, tcpFlags: 0, icmpType: r.hasICMPType ? r.icmpType : 0xff, senderMAC: r.srcMAC,
                receiverMAC: r.dstMAC)
            judgement = judge.judge(o, senderInitiates: srcInitiates, senderZone: zs, receiverZone: zd, at: start)
        }

        let i = table.insert(key, hash: hash, now: end) { evicted, reason in
            ended(evicted, reason: reason)
        }
        var e = FlowEntry(key: key)
        e.initiatorIsA = srcInitiates == fromA
        e.method = method
        e.zoneA = fromA ? zs : zd
        e.zoneB = fromA ? zd : zs
        e.rule = judgement.rule?.rawValue ?? FlowEntry.noVerdict
        e.declaration = Int16(judgement.declaration)
        e.icmpType = r.hasICMPType ? r.icmpType : 0
        e.icmpCode = r.hasICMPType ? r.icmpCode : 0
        e.firstSeen = start
        e.lastSeen = end
        // Each side's MAC on its own: many switch templates carry the ingress source MAC alone.
        if let s = r.srcMAC, let d = r.dstMAC {
            e.hasMACs = true
            e.macA = fromA ? s.rawValue : d.rawValue
            e.macB = fromA ? d.rawValue : s.rawValue
        } else if let s = r.srcMAC {
            e.setMAC(s, ofA: fromA)
        } else if let d = r.dstMAC {
            e.setMAC(d, ofA: !fromA)
        }
        m.pointee.serial += 1
        e.serial = m.pointee.serial
        var origin = Origin(
            input: r.input, exporter: r.exporter, macNotInRecord: macNotInRecord(e, r),
            vlans: FlowKey.packVLANs(count: r.vlanCount, outer: r.vlan0, inner: r.vlanCount > 1 ? r.vlan1 : r.vlan0))
        origin.tcpSeen = Self.tcpSeen(r, fromA: fromA)
        Self.add(counts: r, by: exporterID(r.exporter), fromA: fromA, to: &e, origin: &origin)
        table.entries[i] = e
        // A first record that ends its flow (RFC 5102 end reason 3) shortens the timeout, as a joining one does.
        if r.endReason == 3 { markEnded(table.entries + i) }
        flows += 1
        flowsByExporter[r.source, default: 0] += 1
        if let rule = judgement.rule { violations[rule, default: 0] += 1 }
        (origins + i).initialize(to: origin)
        let wanted: EventInterests = judgement.rule != nil ? [.violationStarts, .flowStarts] : [.flowStarts]
        if !sink.interests.isDisjoint(with: wanted) {
            e.key.vlans = origin.vlans
            events.append(EngineEvent(kind: .flowStarted, flow: e))
            eventOrigins.append(origin)
        }
        // A first record that already runs past the expiry of the exception allowing the flow at its start.
        if judgement.declaration >= 0 && judgement.rule == nil && end >= expiry(of: judgement.declaration) {
            allowanceExpired(i, r, start: start, end: end)
        }
    }

    /// A record that ends its flow (FIN or RST seen, RFC 5102 end reason 3): the flow is held for the closed
    /// timeout (10 s, and the lateness) rather than TCP's 600 s, as a capture holds a closed connection.
    private func markEnded(_ e: UnsafeMutablePointer<FlowEntry>) {
        e.pointee.tcpState |= FlowEntry.reset
        table.timeoutShortened(e)
    }

    private func join(_ i: Int, _ r: FlowRecord, fromA: Bool, start: Int64, end: Int64) {
        let e = table.entries + i
        Self.add(counts: r, by: exporterID(r.exporter), fromA: fromA, to: &e.pointee, origin: &origins[i])
        origins[i].tcpSeen |= Self.tcpSeen(r, fromA: fromA)
        if end > e.pointee.lastSeen { e.pointee.lastSeen = end }
        if start < e.pointee.firstSeen { e.pointee.firstSeen = start }
        if r.endReason == 3 { markEnded(e) }
        // Only a flow a declaration allowed, or one a reload withdrew its exception from, owes a check to its
        // later records: two compares for the others.
        if (e.pointee.declaration >= 0 || e.pointee.allowanceEnded) && e.pointee.rule == FlowEntry.noVerdict {
            checkDeclaredFlow(i, r, fromA: fromA, start: start, end: end)
        }
    }

    /// A later record of a flow a declaration allowed: the exception that allowed it may have expired before
    /// the record's end (`allowanceExpired`), a conduit's MAC that no record carried so far may be in it
    /// (`checkLateMAC`), or it may carry another MAC for a side than the one checked (`checkChangedMAC`).
    @inline(never)
    private func checkDeclaredFlow(_ i: Int, _ r: FlowRecord, fromA: Bool, start: Int64, end: Int64) {
        let e = table.entries + i
        // A reload withdrew, renamed or narrowed the exception that allowed it (`carry(across:from:to:)`):
        // judged again under the policy in force at this record's start, the first packet it vouches for.
        if e.pointee.allowanceEnded {
            e.pointee.allowanceEnded = false
            let j = judge.policy.judge(FlowEnds(of: e.pointee), at: start)
            e.pointee.declaration = Int16(clamping: j.declaration)
            if let rule = j.rule { return raiseLate(rule, i, r, at: start) }
            guard e.pointee.declaration >= 0 else { return }
        }
        // Judged before a reload or not (every reload marks every flow): the declaration is the policy in
        // force's of that name (`replacePolicy`), and its expiry the one that ends.
        if end >= expiry(of: Int(e.pointee.declaration)) {
            allowanceExpired(i, r, start: start, end: end)
            guard e.pointee.rule == FlowEntry.noVerdict && e.pointee.declaration >= 0 else { return }
        }
        guard r.srcMAC != nil || r.dstMAC != nil else { return }
        // A conduit's MAC that the first record did not carry is checked by the first record that does
        // (not a flow a reload left `judgedBeforeReload`: the policy in force did not judge it).
        if !e.pointee.judgedBeforeReload { checkLateMAC(i, r, fromA: fromA) }
        if e.pointee.rule == FlowEntry.noVerdict && !checkChangedMAC(i, r, ofA: true, fromA: fromA) {
            _ = checkChangedMAC(i, r, ofA: false, fromA: fromA)
        }
    }

    /// A record of a flow allowed by an exception that ends at or after the exception's expiry: the flow ran
    /// past it, and is judged again, as `replay` judges it at its first packet after the expiry. Another
    /// declaration may allow it then; if none does, its verdict is raised now as a late one, dated by the
    /// first time the record vouches for a packet at or after the expiry: its start when it started at or
    /// after the expiry (the first packet the exporter saw since its last record), else its end (its
    /// packets straddle the expiry, and the record does not tell when the first after it came).
    private func allowanceExpired(_ i: Int, _ r: FlowRecord, start: Int64, end: Int64) {
        let e = table.entries + i
        let at = start >= expiry(of: Int(e.pointee.declaration)) ? start : end
        let j = judge.policy.judge(FlowEnds(of: e.pointee), at: at)
        e.pointee.declaration = Int16(clamping: j.declaration)
        guard let rule = j.rule else { return }
        raiseLate(rule, i, r, at: at)
    }

    /// Record `r` (`fromA`: its source is side A) carrying another MAC for side A (`ofA`) or B than the
    /// flow's, in a flow a conduit naming that side's MAC allowed: another device answering for the address
    /// since the MAC was checked (ARP spoofing, a replaced device), as `replay` checks a packet's source MAC.
    /// Judged again with the new MAC (at its start, as the late check); a MAC the conduit does not name
    /// raises `conduit-mac-mismatch` now (returning true), dated by this record's end, and the flow keeps the
    /// new MAC, which the alert shows. A declared router's MAC is no other device: the routed hop's record.
    private func checkChangedMAC(_ i: Int, _ r: FlowRecord, ofA sideA: Bool, fromA: Bool) -> Bool {
        let e = table.entries + i
        let policy = judge.policy
        guard let mac = sideA == fromA ? r.srcMAC : r.dstMAC, let shown = e.pointee.mac(ofA: sideA),
            shown.rawValue != mac.rawValue, !hosts.rules.isRouter(mac.rawValue),
            policy.conduitNamesMAC(declaration: Int(e.pointee.declaration), initiator: sideA == e.pointee.initiatorIsA)
        else { return false }
        var changed = e.pointee
        changed.setMAC(mac, ofA: sideA)
        let j = policy.judge(FlowEnds(of: changed), at: e.pointee.firstSeen)
        guard let rule = j.rule else { return false }
        e.pointee.setMAC(mac, ofA: sideA)
        e.pointee.declaration = Int16(clamping: j.declaration)
        raiseLate(rule, i, r, at: e.pointee.lastSeen)
        return true
    }

    /// A record with MACs of a flow a conduit allowed although the MAC it names for a side was in no record
    /// so far: the record's MACs are kept for the sides not yet known, and the flow judged again with them
    /// (at its start, as before). A MAC the conduit does not name raises `conduit-mac-mismatch` now, dated
    /// by this record's end, with this record's `input` and `exporter`.
    private func checkLateMAC(_ i: Int, _ r: FlowRecord, fromA: Bool) {
        let e = table.entries + i
        let policy = judge.policy
        guard policy.conduitMACUnverified(e.pointee) else { return }
        // Only the sides not yet known take the record's MACs: a known side's other MAC is `checkChangedMAC`'s.
        let a = e.pointee.mac(ofA: true)
        let b = e.pointee.mac(ofA: false)
        let newA = a ?? (fromA ? r.srcMAC : r.dstMAC)
        let newB = b ?? (fromA ? r.dstMAC : r.srcMAC)
        if let x = newA, let y = newB {
            e.pointee.hasMACs = true
            e.pointee.macA = x.rawValue
            e.pointee.macB = y.rawValue
        } else if let x = newA {
            e.pointee.setMAC(x, ofA: true)
        } else if let y = newB {
            e.pointee.setMAC(y, ofA: false)
        }
        let j = policy.judge(FlowEnds(of: e.pointee), at: e.pointee.firstSeen)
        e.pointee.declaration = Int16(clamping: j.declaration)
        guard let rule = j.rule else { return }
        raiseLate(rule, i, r, at: e.pointee.lastSeen)
    }

    /// A verdict reached at record `r`, after the flow's first (`verdictIsLate`): counted, and its start
    /// told with `r`'s `input` and `exporter`, its alert dated `at` (the event's `lastSeen`).
    private func raiseLate(_ rule: RuleID, _ i: Int, _ r: FlowRecord, at: Int64) {
        let e = table.entries + i
        e.pointee.rule = rule.rawValue
        e.pointee.lateMACCheck = true  // the verdict is late: its alert is dated `lastSeen`
        violations[rule, default: 0] += 1
        if !sink.interests.isDisjoint(with: [.violationStarts, .flowStarts]) {
            let origin = Origin(
                input: r.input, exporter: r.exporter, macNotInRecord: macNotInRecord(e.pointee, r),
                vlans: origins[i].vlans)
            var started = e.pointee
            started.key.vlans = origin.vlans
            started.lastSeen = at
            events.append(EngineEvent(kind: .flowStarted, flow: started))
            eventOrigins.append(origin)
        }
    }

    /// See `Origin.macNotInRecord`: whether an alert of flow `e` raised from record `r` says its MAC check
    /// could not be made.
    func macNotInRecord(_ e: FlowEntry, _ r: FlowRecord) -> Bool {
        guard e.rule == RuleID.conduitMACMismatch.rawValue else { return r.srcMAC == nil && r.dstMAC == nil }
        return judge.policy.conduitMACUnverified(
            declaration: Int(e.declaration), initiatorMAC: e.mac(ofA: e.initiatorIsA),
            responderMAC: e.mac(ofA: !e.initiatorIsA))
    }

    /// The small number of exporter address `a` (from 1), given on first sight.
    func exporterID(_ a: IPAddress) -> UInt32 {
        if m.pointee.lastExporterID != 0 && m.pointee.lastExporter == a { return m.pointee.lastExporterID }
        let id: UInt32
        if let known = exporterIDs[a] {
            id = known
        } else {
            id = UInt32(truncatingIfNeeded: exporterIDs.count + 1)
            exporterIDs[a] = id
        }
        m.pointee.lastExporter = a
        m.pointee.lastExporterID = id
        return id
    }

    /// Adds record `r`'s packets and bytes (from exporter `id`) to its flow. Each direction counts only the
    /// records of the first exporter that reported packets that way (`Origin.countedByAB`): routers along
    /// one path report the same packets, and summed they would multiply the flow; a direction routed
    /// through another exporter is still counted by the one that saw it. Totals (packetTotalCount and the
    /// like: all the flow's packets so far) replace a smaller count rather than add to it.
    private static func add(
        counts r: FlowRecord, by id: UInt32, fromA: Bool, to e: inout FlowEntry, origin o: inout Origin
    ) {
        let rate = UInt64(max(r.samplingRate, 1))
        let forward = (r.packets &* rate, r.bytes &* rate)
        let reverse = (r.reversePackets &* rate, r.reverseBytes &* rate)
        let (ab, ba) = fromA ? (forward, reverse) : (reverse, forward)
        if ab != (0, 0) {
            if o.countedByAB == 0 { o.countedByAB = id }
            if o.countedByAB == id {
                add(ab, to: &e.packetsAB, &e.bytesAB, totals: r.countsAreTotals)
            }
        }
        if ba != (0, 0) {
            if o.countedByBA == 0 { o.countedByBA = id }
            if o.countedByBA == id {
                add(ba, to: &e.packetsBA, &e.bytesBA, totals: r.countsAreTotals)
            }
        }
    }

    private static func add(
        _ c: (packets: UInt64, bytes: UInt64), to packets: inout UInt64, _ bytes: inout UInt64, totals: Bool
    ) {
        if totals {
            packets = max(packets, c.packets)
            bytes = max(bytes, c.bytes)
        } else {
            packets &+= c.packets
            bytes &+= c.bytes
        }
    }

    /// The end of the flow at entry `i` (still in the table), told to the sink with its origin.
    private func end(_ i: Int, reason: FlowEndReason) {
        var e = table.entries[i]
        let origin = origins[i]
        // Also a flow judged before a reload that removed its conduit (its declaration is then -1).
        if judge.policy.conduitMACUnverified(e) { conduitMACNotVerified += 1 }
        e.key.vlans = origin.vlans
        let wanted: EventInterests =
            e.rule != FlowEntry.noVerdict
            ? [.violationEnds, .flowEnds] : e.declaration >= 0 ? [.declaredEnds, .flowEnds] : [.flowEnds]
        if !sink.interests.isDisjoint(with: wanted) {
            // Closed as replay closes a flow (a FIN from both sides, or a RST) by its records' flags too: an
            // export without flowEndReason (NetFlow v5, pmacct) marks no entry closed.
            let closed = Self.endedByClosing(origin.tcpSeen)
            events.append(EngineEvent(kind: .flowEnded, flow: e, endReason: closed ? .closed : e.endReason(reason)))
            eventOrigins.append(origin)
        }
    }

    /// A flow the table ends itself (idle in the sweep, or evicted), before it removes it.
    private func ended(_ e: FlowEntry, reason: FlowEndReason) {
        guard let i = table.find(e.key, hash: e.key.hashValue64) else { return }
        end(i, reason: reason)
    }

    /// Ends the flows idle for their timeout and the lateness at record time `now`, a few entries a
    /// record (the table skips the checks while no flow can be idle).
    private func sweep() {
        table.sweep(now: m.pointee.now, budget: 4) { e, reason in ended(e, reason: reason) }
    }

    /// `to - from`, saturated: record times come from exporters and can be anything (a fuzzed datagram
    /// overflowed the plain subtraction).
    static func elapsed(from a: Int64, to b: Int64) -> Int64 {
        let (d, overflow) = b.subtractingReportingOverflow(a)
        return overflow ? (b > a ? .max : .min) : d
    }

    /// Keeps a record of the datagram being read until `flush`, which adds the datagram's records in the
    /// order their flows started (records that started together keep their order). An exporter lists a
    /// datagram's records in its own order (hash order, the responder's record first), and for a flow whose
    /// initiator neither flags nor ports tell (UDP between two ports of one rank: NTP, IKE, SIP, STUN),
    /// the direction is that of its first record: the one that started first, not the one listed first.
    public func hold(_ record: borrowing FlowRecord) {
        held.append(copy record)
    }

    /// Adds the records held since the last call, in start order (stable).
    func addHeld() {
        guard !held.isEmpty else { return }
        var sorted = true
        for i in 1..<held.count where held[i].startMicros < held[i - 1].startMicros {
            sorted = false
            break
        }
        if sorted {
            for r in held { add(r) }
        } else {
            heldOrder.removeAll(keepingCapacity: true)
            heldOrder.append(contentsOf: held.indices)
            heldOrder.sort { (held[$0].startMicros, $0) < (held[$1].startMicros, $1) }
            for i in heldOrder { add(held[i]) }
        }
        held.removeAll(keepingCapacity: true)
    }

    /// Adds the records held (`hold`), then hands the events gathered since the last call to the sink
    /// (call once per datagram).
    public func flush() {
        addHeld()
        guard !events.isEmpty else { return }
        events.withUnsafeBufferPointer { ev in
            let batch = EventBatch(
                events: ev, frames: UnsafeBufferPointer(start: nil, count: 0), linkType: .ethernet,
                policy: judge.policy, policyEpoch: policyEpoch, hostFindings: hostFindings)
            sink.consume(batch)
        }
        events.removeAll(keepingCapacity: true)
        hostFindings.removeAll(keepingCapacity: true)
        eventOrigins.removeAll(keepingCapacity: true)
    }

    /// Ends every flow (the collector stops), in the order they started.
    public func finish() {
        addHeld()
        var live: [(serial: UInt64, key: FlowKey)] = []
        table.forEach { live.append(($0.serial, $0.key)) }
        for (_, key) in live.sorted(by: { $0.serial < $1.serial }) {
            guard let i = table.find(key, hash: key.hashValue64) else { continue }
            end(i, reason: .endOfCapture)
            table.remove(at: i)
        }
        flush()
    }
}
