import ZonesepCore

/// The sink behind the summary's `tunnels_breaking_policy`: judges the outer pair of each tunnel a flow
/// started in, as a flow between the two ends would be judged, and keeps the tunnels whose ends the policy
/// would not let talk. The flows inside keep their own verdicts (the innermost packet's): this only says
/// what the run cannot, that a zone host's tunnel to the Internet hides what it carries.
///
/// It asks for the starts of flows inside a tunnel (and of violating ones, which the collector of
/// violations asks for anyway): a plain flow costs it the test of a flag, and a packet nothing. A tunnel
/// flow's first frame is decoded again here, as `FlowFileSink` does, since the flow entry keeps no outer
/// addresses.
///
/// Each tunnel it finds the first time raises an alert through `alerts` (the delivery's), so a daemon says
/// it as it happens, not only in the summary at its end.
public final class TunnelAudit: EventSink {
    public let interests: EventInterests = [.tunnelStarts, .violationStarts]
    // Reached only from this sink's own calls, one at a time (a session's).
    @exclusivity(unchecked) private var listed: [PolicyBreakingTunnel] = []
    @exclusivity(unchecked) private var index: [PolicyBreakingTunnel.Key: Int] = [:]
    /// Tunnels past the list's limit, to count each once, up to `maxRemembered` of them (the set grows with
    /// traffic: a daemon's memory must not); flows in tunnels past that are counted in `unlistedBeyond`.
    @exclusivity(unchecked) private var unlisted: Set<PolicyBreakingTunnel.Key> = []
    @exclusivity(unchecked) private var unlistedBeyond: UInt64 = 0
    /// Tunnels not listed that are told apart (a few MiB): past them each flow counts as one more.
    static let maxRemembered = 65_536
    @exclusivity(unchecked) private var packet = DecodedPacket()
    /// Flows started in tunnels whose ends a declaration allowed, by the declaration's kind and name (as
    /// many keys as declarations at most).
    @exclusivity(unchecked) private var allowedTunnelFlows: [DeclarationKey: UInt64] = [:]
    /// Where each tunnel not found before goes as an alert; nil: the summary only.
    private let alerts: TunnelAlertRaising?
    /// The alerts raised (or due, without `alerts`) by `RuleID.rawValue`: one per tunnel, and past
    /// `maxRemembered` one per flow.
    public private(set) var alertsByRule = [UInt64](repeating: 0, count: RuleID.allCases.count)
    /// All of them.
    public var alertsRaised: UInt64 { alertsByRule.reduce(0, &+) }

    public init(alerts: TunnelAlertRaising? = nil) { self.alerts = alerts }

    /// The tunnels found, in the order first seen, at most `PolicyBreakingTunnel.listed`.
    public var tunnels: [PolicyBreakingTunnel] { listed }
    /// Those past the limit: exact up to `maxRemembered`, past it an upper bound (a tunnel whose key was not
    /// kept counts once a flow).
    public var notListed: UInt64 { UInt64(unlisted.count) &+ unlistedBeyond }

    public func consume(_ batch: EventBatch) {
        let events = batch.events
        for k in events.indices where events[k].kind == .flowStarted && events[k].flow.inTunnel {
            // A verdict reached later points at a later packet; the flow's start was heard already.
            guard !events[k].flow.verdictIsLate, let frame = batch.frame(of: events[k]) else { continue }
            audit(frame, at: events[k].flow.firstSeen, event: k, batch)
        }
    }

    /// Judges each outer pair of the frame's tunnel layers (not an ERSPAN mirror's, which is a copy, not
    /// the way the frame went).
    private func audit(_ frame: Verifier.Frame, at time: Int64, event k: Int, _ batch: EventBatch) {
        let policy = batch.policy
        if TunnelAudit.isPlainMirror(frame.bytes, batch.linkType, policy.config.tunnelPorts) { return }
        PacketDecoder.decode(
            frame.bytes, linkType: batch.linkType, tunnelPorts: policy.config.tunnelPorts, into: &packet)
        for l in packet.tunnels.indices {
            let layer = packet.tunnels[l]
            guard layer.hasAddresses && !layer.type.isMirror else { continue }
            let judged = TunnelAudit.judge(layer, at: time, policy)
            guard let rule = judged.rule else {
                // Ends a declaration allowed (a conduit for udp/4789 between two VXLAN endpoints): credited
                // with the flow, by kind and name, so that it does not read as unused.
                if judged.declaration >= 0 && judged.declaration < policy.declarations.count {
                    allowedTunnelFlows[DeclarationKey(policy.declarations[judged.declaration]), default: 0] &+= 1
                }
                continue
            }
            let key = PolicyBreakingTunnel.Key(type: layer.type.name, src: layer.src, dest: layer.dst)
            let isNew: Bool
            if let i = index[key] {
                listed[i].flows &+= 1
                isNew = false
            } else if listed.count < PolicyBreakingTunnel.listed {
                index[key] = listed.count
                let map = policy.zoneMap
                listed.append(
                    PolicyBreakingTunnel(
                        type: key.type, src: layer.src, dest: layer.dst, srcZone: map.name(of: map.lookup(layer.src)),
                        destZone: map.name(of: map.lookup(layer.dst)), rule: rule, flows: 1, firstSeenMicros: time,
                        mappedIPv6: layer.mappedIPv6))
                isNew = true
            } else if unlisted.count < TunnelAudit.maxRemembered || unlisted.contains(key) {
                isNew = unlisted.insert(key).inserted
            } else {
                // Not told apart from those seen: as new (a flood of them is the rate limit's to bound).
                unlistedBeyond &+= 1
                isNew = true
            }
            guard isNew else { continue }
            alertsByRule[Int(rule.rawValue)] &+= 1
            alerts?.raise(
                tunnel: Alert(
                    tunnel: layer, outside: Array(packet.tunnels.prefix(l)), rule: rule, at: time,
                    zones: policy.zoneMap), at: k, in: batch)
        }
    }

    /// An ERSPAN I or II session around a common frame with no tunnel in it, what a remote mirror sends
    /// nearly all the time: nothing to judge, told by the fast lane's decoders in some 100 instructions where
    /// decoding it in full cost 1,000 a new flow.
    static func isPlainMirror(_ bytes: UnsafeRawBufferPointer, _ linkType: LinkType, _ ports: TunnelPorts) -> Bool {
        guard linkType == .ethernet else { return false }
        var f = CommonFrame()
        let shape = CommonFrameDecoder.read(bytes, tunnelPorts: ports, into: &f)
        let at = shape.payloadStart
        guard shape.tunnel == .gre, at + 4 <= bytes.count, bytes[at + 2] == 0x88, bytes[at + 3] == 0xbe else {
            return false
        }
        var inner = 0
        return CommonTunnelDecoder.decode(bytes, outer: shape, tunnelPorts: ports, into: &f, innerEthernet: &inner)
    }

    /// The rule a flow from the layer's outer source to its destination would break, on the layer's own
    /// protocol and port, at `time`; nil when allowed or only `unzoned-host` (a mirror's or a core's
    /// tunnel endpoints are often unzoned infrastructure) or a MAC check (the outer MACs are not the hosts').
    static func judge(_ layer: TunnelLayer, at time: Int64, _ policy: Policy) -> (rule: RuleID?, declaration: Int) {
        let map = policy.zoneMap
        let ends = FlowEnds(
            initiator: layer.src, responder: layer.dst, initiatorZone: map.lookup(layer.src),
            responderZone: map.lookup(layer.dst), proto: layer.proto,
            port: IPProtocolNumber.hasPorts(layer.proto) ? layer.dstPort : nil, initiatorMAC: nil, responderMAC: nil)
        let j = policy.judge(ends, at: time)
        switch j.rule {
        case .mynumberIsolation: return (.mynumberIsolation, -1)
        case .sanitisationBypass: return (.sanitisationBypass, -1)
        case .lgwanExternal: return (.lgwanExternal, -1)
        case .securityCloudBypass: return (.securityCloudBypass, -1)
        case .unzonedHost, .conduitMACMismatch: return (nil, -1)
        case nil: return (nil, j.declaration)
        }
    }

    /// The declarations that allowed tunnels' ends, with the flows that started in those tunnels, by kind
    /// and name (a reload may renumber them): added to the summary's `declarations` as `tunnel_flows`.
    public func creditTunnels(to uses: inout [DeclarationUse]) {
        for i in uses.indices {
            if let n = allowedTunnelFlows[DeclarationKey(kind: uses[i].kind, name: uses[i].name)] {
                uses[i].tunnelFlows &+= n
            }
        }
    }
}

/// What raises the alert of a tunnel the audit found (the delivery's `AlertEvents`, in the session's chain):
/// `event` is the batch's event of the flow that showed it, so that the alert goes out in its place among
/// the batch's flow alerts, by packet time (the audit hears a batch before the delivery does).
public protocol TunnelAlertRaising: AnyObject {
    func raise(tunnel alert: Alert, at event: Int, in batch: EventBatch)
}
