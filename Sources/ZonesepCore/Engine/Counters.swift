/// Replay-wide counts for the summary record. Fixed-size arrays, allocated once, updated in place.
public struct Counters: Sendable {
    public var packets: UInt64 = 0
    public var bytes: UInt64 = 0
    public var ipPackets: UInt64 = 0
    public var nonIPPackets: UInt64 = 0
    public var flows: UInt64 = 0
    /// TCP packets without SYN of a connection that had closed and left the flow table (a late FIN, RST or
    /// ACK), and ICMP errors quoting such a connection: counted in the matrix, joined to no flow (see
    /// `ClosedConnections`).
    public var packetsAfterClose: UInt64 = 0
    /// TCP packets whose header was cut after the ports, before the flags (a snap length that short, an
    /// RFC 1858 tiny first fragment): judged on their ports, initiator by port rank, flags not seen.
    public var tcpFlagsUnknown: UInt64 = 0
    public var anomalies = [UInt64](repeating: 0, count: DecodeAnomaly.allCases.count)
    public var alertsByRule = [UInt64](repeating: 0, count: RuleID.allCases.count)
    /// Host rule findings by `HostRuleID.rawValue` (each raised once for the run).
    public var hostFindingsByRule = [UInt64](repeating: 0, count: HostRuleID.allCases.count)
    /// MACs pushed out of the full host table, and addresses not recorded because
    /// their MAC already held the most a MAC may: host findings they would have shown can be missed.
    public var hostMACsEvicted: UInt64 = 0
    public var hostAddressesDropped: UInt64 = 0
    /// Host findings the table stopped remembering as raised (its memory of findings was full): such a
    /// finding can be raised again.
    public var hostFindingsForgotten: UInt64 = 0
    /// IP packets whose frame showed no source MAC (no Ethernet header: a raw-IP capture, a bare-IP tunnel's
    /// inner packet): the host rules could not hear of their sender, so a clean device list does not cover
    /// them. A later fragment of a tunnel datagram is not counted (the host rules never hear of one).
    public var hostRulesNoMAC: UInt64 = 0
    /// Flows whose own packets carry a VLAN tag: `zone-vlan-mismatch` judges tagged frames only, so with
    /// zones that declare `vlans` and no tagged flow at all (a mirror that strips tags), it judged nothing.
    public var flowsTagged: UInt64 = 0
    /// Frames with no IP inside (ARP, LLDP, ...), malformed ones, and those not verified by reason: with the
    /// judged ones (the rest) every frame is counted once (DESIGN.md, "Coverage").
    public var framesWithoutIP: UInt64 = 0
    public var framesMalformed: UInt64 = 0
    public var notVerifiedByReason = [UInt64](repeating: 0, count: NotVerifiedReason.allCases.count)
    /// Not-verified frames by reason and value (which EtherType, GRE protocol, ...), for naming the top
    /// ones; at most `maximumNotVerifiedValues` distinct, the rest counted by reason only.
    public var notVerifiedValues: [NotVerifiedValue: UInt64] = [:]
    public static let maximumNotVerifiedValues = 64
    /// Flows on the port of a UDP tunnel zonesep does not open, by `UnopenedTunnel.rawValue`: judged as
    /// the outer flow, their frames count as judged, but what they carry was never looked at.
    public var unopenedTunnelFlows = [UInt64](repeating: 0, count: UnopenedTunnel.allCases.count)
    /// Packets stamped earlier than their flow's latest packet (files merged, a second interface's clock, a
    /// capture's queues out of order): counted in their flow, whose last packet time did not go back.
    public var timesBackInFlow: UInt64 = 0
    /// Packets stamped more than the shortest idle timeout ahead of the run's clock whose next packet came
    /// back to it (`FlowTable.sweep`): judged at their own time, but no other flow was ended at it. The first
    /// such time (µs), for finding it.
    public var timeJumpsIgnored: UInt64 = 0
    public var firstTimeJumpIgnoredMicros: Int64? = nil
    /// First and last packet time seen (µs), or nil before the first packet.
    public var firstPacketMicros: Int64? = nil
    public var lastPacketMicros: Int64? = nil

    public init() {}

    public var alerts: UInt64 { alertsByRule.reduce(0, +) }
    public var anomalyTotal: UInt64 { anomalies.reduce(0, +) }

    public func count(_ a: DecodeAnomaly) -> UInt64 { anomalies[Int(a.rawValue)] }
    public func count(_ r: RuleID) -> UInt64 { alertsByRule[Int(r.rawValue)] }
    public func count(_ r: HostRuleID) -> UInt64 { hostFindingsByRule[Int(r.rawValue)] }
    /// Host findings of every rule.
    public var hostFindings: UInt64 { hostFindingsByRule.reduce(0, +) }

    public var framesNotVerified: UInt64 { notVerifiedByReason.reduce(0, +) }
    /// Flows on ports of tunnels zonesep does not open, of every kind.
    public var unopenedTunnelFlowsTotal: UInt64 { unopenedTunnelFlows.reduce(0, +) }
    /// Frames whose innermost IP packet was judged: every frame not counted otherwise.
    public var framesJudged: UInt64 { packets &- framesWithoutIP &- framesMalformed &- framesNotVerified }
    /// The share of frames verified (judged, or known to hold no IP), 1 with no frame at all.
    public var verifiedShare: Double {
        packets == 0 ? 1 : Double(framesJudged + framesWithoutIP) / Double(packets)
    }

    /// Counts a frame (or `frames` alike: a reader's batch taken out at once) that took the general way by
    /// where it ended (the fast lane's are all judged).
    @inlinable
    public mutating func count(_ coverage: FrameCoverage, frames: UInt64 = 1) {
        switch coverage {
        case .judged: break
        case .noIP: framesWithoutIP &+= frames
        case .malformed: framesMalformed &+= frames
        case .notVerified(let reason, let value):
            notVerifiedByReason[Int(reason.rawValue)] &+= frames
            let key = NotVerifiedValue(reason: reason, value: value)
            if notVerifiedValues[key] != nil || notVerifiedValues.count < Counters.maximumNotVerifiedValues {
                notVerifiedValues[key, default: 0] &+= frames
            }
        }
    }

    /// Adds another table's coverage counts (workers' summaries merged into one).
    public mutating func addCoverage(of other: Counters) {
        framesWithoutIP &+= other.framesWithoutIP
        framesMalformed &+= other.framesMalformed
        tcpFlagsUnknown &+= other.tcpFlagsUnknown
        hostRulesNoMAC &+= other.hostRulesNoMAC
        flowsTagged &+= other.flowsTagged
        timesBackInFlow &+= other.timesBackInFlow
        timeJumpsIgnored &+= other.timeJumpsIgnored
        if let t = other.firstTimeJumpIgnoredMicros {
            firstTimeJumpIgnoredMicros = min(firstTimeJumpIgnoredMicros ?? t, t)
        }
        for i in notVerifiedByReason.indices { notVerifiedByReason[i] &+= other.notVerifiedByReason[i] }
        for i in unopenedTunnelFlows.indices { unopenedTunnelFlows[i] &+= other.unopenedTunnelFlows[i] }
        for (key, n) in other.notVerifiedValues
        where notVerifiedValues[key] != nil
            || notVerifiedValues.count < Counters.maximumNotVerifiedValues
        {
            notVerifiedValues[key, default: 0] &+= n
        }
    }

    /// The not-verified reasons with the most frames, most first (ties by reason and value), at most `limit`.
    public func topNotVerified(_ limit: Int) -> [(FrameCoverage, UInt64)] {
        notVerifiedValues.sorted {
            $0.value != $1.value
                ? $0.value > $1.value
                : ($0.key.reason.rawValue, $0.key.value) < ($1.key.reason.rawValue, $1.key.value)
        }.prefix(limit).map { (FrameCoverage.notVerified($0.key.reason, $0.key.value), $0.value) }
    }
}

/// A not-verified reason with its value (the EtherType 0x894f, the GRE protocol 0x880b, ...).
public struct NotVerifiedValue: Hashable, Sendable {
    public var reason: NotVerifiedReason
    public var value: UInt32
    public init(reason: NotVerifiedReason, value: UInt32) {
        self.reason = reason
        self.value = value
    }
}

/// Zone-to-zone counts: packets and bytes by (source, destination) of each IP packet, and flows by
/// (initiator, responder). Indexed by zone, then external, unzoned, local.
public struct ZoneMatrix: Sendable {
    public let zoneCount: Int
    public let side: Int
    public var packets: [UInt64]
    public var bytes: [UInt64]
    public var flows: [UInt64]
    /// The flows of `flows` whose packets carry no VLAN id (untagged, or a priority tag's VLAN 0): by cell,
    /// so that which zones declare `vlans` is asked of the policy once, when the summary is written.
    public var untaggedFlows: [UInt64]

    public init(zoneCount: Int) {
        self.zoneCount = zoneCount
        side = zoneCount + 3
        packets = Array(repeating: 0, count: side * side)
        bytes = Array(repeating: 0, count: side * side)
        flows = Array(repeating: 0, count: side * side)
        untaggedFlows = Array(repeating: 0, count: side * side)
    }

    @inlinable
    public func index(_ r: ZoneRef) -> Int { ZoneMatrix.index(r, zoneCount: zoneCount) }

    /// `index(_:)` of a matrix of `zoneCount` zones, for callers that keep their own counts.
    @inlinable
    public static func index(_ r: ZoneRef, zoneCount: Int) -> Int {
        // external, unzoned, local (0xfffd...0xffff) follow the zones in that order; no branch on the hot path.
        let raw = Int(r.rawValue)
        return raw < Int(ZoneRef.external.rawValue) ? raw : zoneCount &+ (raw &- Int(ZoneRef.external.rawValue))
    }

    /// The ZoneRef of a row or column index.
    public func ref(_ i: Int) -> ZoneRef {
        i < zoneCount ? ZoneRef(zone: i) : [ZoneRef.external, .unzoned, .local][i - zoneCount]
    }

    @inlinable
    public mutating func addPacket(from a: ZoneRef, to b: ZoneRef, bytes n: Int) {
        let i = index(a) * side + index(b)
        packets[i] &+= 1
        bytes[i] &+= UInt64(n)
    }

    @inlinable
    public mutating func addFlow(from a: ZoneRef, to b: ZoneRef) {
        flows[index(a) * side + index(b)] &+= 1
    }
}
