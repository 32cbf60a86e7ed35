/// The verdict on a new flow from what its first packet (or a flow record) shows: who initiated it, the
/// zones of its ends, and the rule it breaks or the declaration that allowed it.
///
/// A value of its own, apart from the packet loop, so that every input (captured frames, flow exports)
/// judges a flow by the same code.
public final class FlowJudge: Sendable {
    public let policy: Policy

    /// A class, not a struct: the packet loop holds one, and copying a policy's many arrays for every new
    /// flow cost about a thousand instructions.
    public init(policy: Policy) { self.policy = policy }

    /// What an input saw of a flow's first packet or record: its sender and receiver, and the hints the
    /// initiator rules go on (TCP flags, ICMP type).
    public struct Observation: Sendable {
        public var sender: IPAddress
        public var receiver: IPAddress
        public var proto: UInt8
        public var senderPort: UInt16
        public var receiverPort: UInt16
        /// Whether the ports are real (TCP, UDP, SCTP); false for ICMP and protocols without ports.
        public var hasPorts: Bool
        /// Flags of the first packet (0: none to go on, as for an ICMP error's quoted packet).
        public var tcpFlags: UInt8
        /// ICMP type of the first packet; 0xff when there is none to go on.
        public var icmpType: UInt8
        public var senderMAC: MACAddress?
        public var receiverMAC: MACAddress?

        @inlinable
        public init(
            sender: IPAddress, receiver: IPAddress, proto: UInt8, senderPort: UInt16 = 0, receiverPort: UInt16 = 0,
            hasPorts: Bool = false, tcpFlags: UInt8 = 0, icmpType: UInt8 = 0xff, senderMAC: MACAddress? = nil,
            receiverMAC: MACAddress? = nil
        ) {
            self.sender = sender
            self.receiver = receiver
            self.proto = proto
            self.senderPort = senderPort
            self.receiverPort = receiverPort
            self.hasPorts = hasPorts
            self.tcpFlags = tcpFlags
            self.icmpType = icmpType
            self.senderMAC = senderMAC
            self.receiverMAC = receiverMAC
        }
    }

    /// The judgement of one flow, in the terms of its observation (sender and receiver).
    public struct Decision: Sendable, Equatable {
        public var senderInitiates: Bool
        public var method: InitiatorMethod
        public var senderZone: ZoneRef
        public var receiverZone: ZoneRef
        /// The rule broken (nil: allowed) and the declaration concerned, as `Policy.judge` gives them.
        public var judgement: Judgement
    }

    /// Judges a flow by its first packet or record at time `time` (µs, packet or record time).
    public func decide(_ o: Observation, at time: Int64) -> Decision {
        let (senderInitiates, method) = InitiatorRule.decide(
            proto: o.proto, srcPort: o.senderPort, dstPort: o.receiverPort, tcpFlags: o.tcpFlags,
            icmpType: o.icmpType, hasPorts: o.hasPorts)
        let map = policy.zoneMap
        let zs = map.lookup(o.sender)
        let zr = map.lookup(o.receiver)
        return Decision(
            senderInitiates: senderInitiates, method: method, senderZone: zs, receiverZone: zr,
            judgement: judge(o, senderInitiates: senderInitiates, senderZone: zs, receiverZone: zr, at: time))
    }

    /// The policy's judgement once the initiator and zones are known (the packet loop has the zones of a
    /// flow's key already and calls this directly). The zones must be those `policy.zoneMap` gives the
    /// sender and receiver: which declarations can match is read off them.
    public func judge(
        _ o: Observation, senderInitiates: Bool, senderZone zs: ZoneRef, receiverZone zr: ZoneRef, at time: Int64
    ) -> Judgement {
        // Checked here, not on the packet loop's inlined path: the tables are read unchecked, and a ref
        // from another map (zones kept across a reload) must stop the process, not read past them.
        _ = policy.end(zs)
        _ = policy.end(zr)
        return FlowJudge.judge(
            o, senderInitiates: senderInitiates, senderZone: zs, receiverZone: zr, at: time, by: policy)
    }

    /// `judge` by `policy` given by the caller: the packet loop holds its policy without reference counting
    /// (see `Verifier.zone(of:)`), where reaching it through a judge cost a retain and a release a flow.
    @inline(__always)
    static func judge(
        _ o: Observation, senderInitiates: Bool, senderZone zs: ZoneRef, receiverZone zr: ZoneRef, at time: Int64,
        by policy: Policy
    ) -> Judgement {
        let initiatorZone = senderInitiates ? zs : zr
        let responderZone = senderInitiates ? zr : zs
        // The zones are the policy's map's, so their entries in `ends` say which declarations can match
        // (the words `judge` reads), and the pair's rules are looked up once for both questions.
        let a = EndCandidates.slot(initiatorZone)
        let b = EndCandidates.slot(responderZone)
        let check = policy.pair(ends: a, b).check
        guard policy.mayViolate(check, ends: a, b) else { return Judgement.allowed }
        let ports = IPProtocolNumber.hasPorts(o.proto)
        let ends = FlowEnds(
            initiator: senderInitiates ? o.sender : o.receiver,
            responder: senderInitiates ? o.receiver : o.sender,
            initiatorZone: initiatorZone, responderZone: responderZone, proto: o.proto,
            port: ports ? (senderInitiates ? o.receiverPort : o.senderPort) : nil,
            initiatorMAC: senderInitiates ? o.senderMAC : o.receiverMAC,
            responderMAC: senderInitiates ? o.receiverMAC : o.senderMAC)
        return policy.judge(ends, check, ends: a, b, at: time)
    }
}
