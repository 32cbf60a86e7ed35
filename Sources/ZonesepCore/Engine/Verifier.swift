/// The packet-matching loop: decode → classify → flow → policy, one pass over each packet.
///
/// Owns the flow table and the counters; I/O stays outside (capture feeds bytes in, the caller writes
/// the alerts that come out). Allocation-free per packet once the flow table is warm.
public final class Verifier {
    public private(set) var policy: Policy
    public let flows: FlowTable
    public private(set) var counters = Counters()
    public private(set) var matrix: ZoneMatrix
    var fragments = FragmentTable()
    var packet = DecodedPacket()
    var nextSerial: UInt64 = 1
    /// Called for each flow as it leaves the table (idle, closed, evicted, end of capture).
    public var onFlowEnd: ((FlowEntry, FlowEndReason) -> Void)?
    /// The flow the last processed packet belongs to (0 when none: not IP, malformed, an orphan fragment)
    /// and whether it violates: evidence capture reads them after `process`, so it needs no lookup of its own.
    public private(set) var lastFlowSerial: UInt64 = 0
    public private(set) var lastFlowViolates = false

    /// Flows examined by the idle sweep per packet: enough to keep up with any arrival rate of new flows.
    public static let sweepBudget = 2

    public init(policy: Policy, flowCapacity: Int = 1 << 20, timeouts: FlowTimeouts = FlowTimeouts()) {
        self.policy = policy
        self.flows = FlowTable(capacity: flowCapacity, timeouts: timeouts)
        self.matrix = ZoneMatrix(zoneCount: policy.config.zones.count)
    }

    /// Swaps in a new policy between two packets. Flows keep their state; each one's next verdict uses it.
    /// The matrix is re-indexed by zone id, so counts for zones in both maps carry over.
    public func replacePolicy(_ new: Policy) {
        let old = matrix
        var fresh = ZoneMatrix(zoneCount: new.config.zones.count)
        func map(_ i: Int) -> ZoneRef? {
            let r = old.ref(i)
            guard r.isZone else { return r }
            let id = policy.config.zones[r.zoneIndex].id
            return new.config.zones.firstIndex { $0.id == id }.map { ZoneRef(zone: $0) }
        }
        for a in 0..<old.side {
            for b in 0..<old.side {
                guard let ra = map(a), let rb = map(b) else { continue }
                let from = old.side * a + b
                let to = fresh.index(ra) * fresh.side + fresh.index(rb)
                fresh.packets[to] += old.packets[from]
                fresh.bytes[to] += old.bytes[from]
                fresh.flows[to] += old.flows[from]
            }
        }
        matrix = fresh
        policy = new
    }

    /// Processes one captured frame. Returns the alert when this packet starts a violating flow.
    public func process(
        timestamp now: Int64, bytes: UnsafeRawBufferPointer, wireLength: Int, linkType: LinkType
    ) -> Alert? {
        counters.packets &+= 1
        counters.bytes &+= UInt64(wireLength)
        lastFlowSerial = 0
        lastFlowViolates = false
        if counters.firstPacketMicros == nil { counters.firstPacketMicros = now }
        counters.lastPacketMicros = now
        PacketDecoder.decode(bytes, linkType: linkType, into: &packet)
        flows.sweep(now: now, budget: Verifier.sweepBudget, ended: endFlow)

        switch packet.outcome {
        case .notIP:
            counters.nonIPPackets &+= 1
            return nil
        case .malformed:
            if let a = packet.anomaly { counters.anomalies[Int(a.rawValue)] &+= 1 }
            if packet.ipVersion != 0 {  // addresses were read: an IP packet for the matrix, as tcpdump counts
                counters.ipPackets &+= 1
                countStrayIPPacket(wireLength)
            }
            return nil
        case .ip, .ipFragment:
            break
        }
        counters.ipPackets &+= 1

        // The tuple the packet belongs to: its own, or for an ICMP error the packet it reports on.
        var src = packet.src
        var dst = packet.dst
        var proto = packet.proto
        var srcPort: UInt16 = 0
        var dstPort: UInt16 = 0
        var fromInner = false
        if packet.hasInner {
            src = packet.innerSrc
            dst = packet.innerDst
            proto = packet.innerProto
            if packet.innerHasPorts {
                srcPort = packet.innerSrcPort
                dstPort = packet.innerDstPort
            }
            fromInner = true
        } else if packet.isNonFirstFragment {
            guard let datagram = fragments.lookup(packet, at: now) else {
                counters.anomalies[Int(DecodeAnomaly.fragmentOrphan.rawValue)] &+= 1
                countStrayIPPacket(wireLength)
                return nil
            }
            (proto, srcPort, dstPort) = datagram
        } else if packet.hasPorts {
            srcPort = packet.srcPort
            dstPort = packet.dstPort
        } else if proto == IPProtocolNumber.icmp || proto == IPProtocolNumber.icmpv6 {
            srcPort = packet.icmpEchoID
            dstPort = packet.icmpEchoID
        }
        if packet.isFragment && !packet.isNonFirstFragment {
            fragments.record(packet, srcPort: srcPort, dstPort: dstPort, at: now)
        }

        let vlans = FlowKey.packVLANs(count: packet.vlanCount, outer: packet.vlan0, inner: packet.vlan1)
        let (key, fromA) = FlowKey.canonical(
            src: src, srcPort: srcPort, dst: dst, dstPort: dstPort, proto: proto, vlans: vlans)
        let hash = key.hashValue64
        var alert: Alert? = nil

        var index = flows.find(key, hash: hash)
        if let i = index {
            let startsAnew =
                flows.isExpired(i, now: now)
                || (proto == IPProtocolNumber.tcp && !fromInner && flows[i].isClosed
                    && packet.tcpFlags & (DecodedPacket.TCPFlag.syn | DecodedPacket.TCPFlag.ack)
                        == DecodedPacket.TCPFlag.syn)
            if startsAnew {
                endFlow(flows[i], flows.isExpired(i, now: now) ? .idle : .closed)
                flows.remove(at: i)
                index = nil
            }
        }
        let i: Int
        if let found = index {
            i = found
        } else {
            i = flows.insert(key, hash: hash, now: now, evicted: endFlow)
            alert = startFlow(i, now: now, fromA: fromA, fromInner: fromInner)
        }

        // Counters and TCP state; zones of this packet's own addresses for the packet matrix.
        let n = UInt64(wireLength)
        flows[i].lastSeen = now
        lastFlowSerial = flows[i].serial
        lastFlowViolates = flows[i].rule != FlowEntry.noVerdict
        if fromA {
            flows[i].packetsAB &+= 1
            flows[i].bytesAB &+= n
        } else {
            flows[i].packetsBA &+= 1
            flows[i].bytesBA &+= n
        }
        if fromInner {
            let map = policy.zoneMap
            matrix.addPacket(from: map.lookup(packet.src), to: map.lookup(packet.dst), bytes: wireLength)
        } else {
            let e = flows[i]
            matrix.addPacket(from: fromA ? e.zoneA : e.zoneB, to: fromA ? e.zoneB : e.zoneA, bytes: wireLength)
            if proto == IPProtocolNumber.tcp && packet.hasPorts {
                if packet.tcpFlags & DecodedPacket.TCPFlag.rst != 0 { flows[i].tcpState |= FlowEntry.reset }
                if packet.tcpFlags & DecodedPacket.TCPFlag.fin != 0 {
                    flows[i].tcpState |= fromA ? FlowEntry.finA : FlowEntry.finB
                }
            }
        }
        return alert
    }

    /// Fills in a new flow from its first packet: initiator, zones, MACs, and the verdict.
    func startFlow(_ i: Int, now: Int64, fromA: Bool, fromInner: Bool) -> Alert? {
        let p = packet
        let srcPort = fromInner ? p.innerSrcPort : p.srcPort
        let dstPort = fromInner ? p.innerDstPort : p.dstPort
        let hasPorts = fromInner ? p.innerHasPorts : p.hasPorts
        let proto = fromInner ? p.innerProto : p.proto
        // An ICMP error's inner packet was sent by its source: no flags or echo type to go on.
        let decision = InitiatorRule.decide(
            proto: proto, srcPort: srcPort, dstPort: dstPort, tcpFlags: fromInner ? 0 : p.tcpFlags,
            icmpType: fromInner ? 0xff : p.icmpType, hasPorts: hasPorts)
        let map = policy.zoneMap
        var e = flows[i]
        e.serial = nextSerial
        nextSerial &+= 1
        e.firstSeen = now
        e.initiatorIsA = decision.senderInitiates == fromA
        e.method = decision.method
        e.zoneA = map.lookup(e.key.addressA)
        e.zoneB = map.lookup(e.key.addressB)
        if !fromInner, let s = p.srcMAC, let d = p.dstMAC {
            e.hasMACs = true
            e.macA = fromA ? s.rawValue : d.rawValue
            e.macB = fromA ? d.rawValue : s.rawValue
        }
        if !fromInner && (proto == IPProtocolNumber.icmp || proto == IPProtocolNumber.icmpv6) {
            // Community ID orders ICMP by the initiator's message type.
            e.icmpType = p.icmpType
            e.icmpCode = p.icmpCode
        }
        counters.flows &+= 1
        matrix.addFlow(from: e.initiatorZone, to: e.responderZone)

        var alert: Alert? = nil
        if policy.mayViolate(e.zoneA, e.zoneB) {
            let initiatorIsA = e.initiatorIsA
            let ports = proto == IPProtocolNumber.tcp || proto == IPProtocolNumber.udp
            let ends = FlowEnds(
                initiator: initiatorIsA ? e.key.addressA : e.key.addressB,
                responder: initiatorIsA ? e.key.addressB : e.key.addressA,
                initiatorZone: e.initiatorZone, responderZone: e.responderZone, proto: proto,
                port: ports ? (initiatorIsA ? e.key.portB : e.key.portA) : nil,
                initiatorMAC: e.hasMACs ? MACAddress(rawValue: initiatorIsA ? e.macA : e.macB) : nil,
                responderMAC: e.hasMACs ? MACAddress(rawValue: initiatorIsA ? e.macB : e.macA) : nil)
            if let v = policy.verdict(ends, at: now) {
                e.rule = v.rule.rawValue
                e.conduit = Int16(clamping: v.conduit)
                counters.alertsByRule[Int(v.rule.rawValue)] &+= 1
                alert = Alert(flow: e)
            }
        }
        flows[i] = e
        return alert
    }

    /// An IP packet that joined no flow (malformed transport, orphan fragment) still counts in the matrix.
    func countStrayIPPacket(_ wireLength: Int) {
        let map = policy.zoneMap
        matrix.addPacket(from: map.lookup(packet.src), to: map.lookup(packet.dst), bytes: wireLength)
    }
    func endFlow(_ e: FlowEntry, _ reason: FlowEndReason) {
        onFlowEnd?(e, reason)
    }

    /// Ends every flow still in the table (the end of a replay), reporting each to `onFlowEnd`.
    public func finish() {
        flows.drain(endFlow)
    }

    /// Flows currently in the table.
    public var activeFlows: Int { flows.count }
}
