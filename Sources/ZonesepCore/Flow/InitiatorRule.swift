/// How the initiator of a flow was known (the `initiator` field of an alert).
public enum InitiatorMethod: UInt8, Sendable {
    case syn, synAck, inferred, firstPacket

    public var name: String {
        switch self {
        case .syn: return "syn"
        case .synAck: return "syn-ack"
        case .inferred: return "inferred"
        case .firstPacket: return "first-packet"
        }
    }
}

/// DESIGN.md's direction rules, applied to a flow's first packet.
public enum InitiatorRule {
    /// Well-known ports rank before registered before dynamic.
    @inlinable
    static func rank(_ port: UInt16) -> UInt8 { port < 1024 ? 0 : (port < 49152 ? 1 : 2) }

    /// Whether an ICMP or ICMPv6 message is an echo reply: seen first, its receiver asked, so its sender is
    /// not the initiator (the Community ID, which hashes a packet as sent, asks the same).
    @inlinable
    public static func isEchoReply(proto: UInt8, icmpType: UInt8) -> Bool {
        proto == IPProtocolNumber.icmp ? icmpType == 0 : proto == IPProtocolNumber.icmpv6 && icmpType == 129
    }

    /// Whether the sender of the first packet is the initiator, and how that was decided.
    ///
    /// TCP and UDP with ports first (nearly every new flow), their flags and ranks tested once each: a
    /// `switch` on the protocol with `where` clauses cost some 30 instructions a flow.
    @inlinable
    public static func decide(
        proto: UInt8, srcPort: UInt16, dstPort: UInt16, tcpFlags: UInt8, icmpType: UInt8, hasPorts: Bool
    ) -> (senderInitiates: Bool, method: InitiatorMethod) {
        let tcp = proto == IPProtocolNumber.tcp
        if hasPorts && (tcp || proto == IPProtocolNumber.udp) {
            if tcp {
                let syn = DecodedPacket.TCPFlag.syn
                let synAck = syn | DecodedPacket.TCPFlag.ack
                let handshake = tcpFlags & synAck
                if handshake == syn { return (true, .syn) }
                if handshake == synAck { return (false, .synAck) }
            }
            let rs = rank(srcPort)
            let rd = rank(dstPort)
            if rs < rd { return (false, .inferred) }
            if tcp && rd < rs { return (true, .inferred) }  // UDP from the worse-ranked port: its request
            return (true, .firstPacket)
        }
        switch proto {
        case IPProtocolNumber.icmp, IPProtocolNumber.icmpv6:
            return (!isEchoReply(proto: proto, icmpType: icmpType), .firstPacket)
        default:
            return (true, .firstPacket)
        }
    }
}
