/// What a template field means to zonesep, resolved once when the template arrives so that decoding a
/// record is a switch on a byte, not a lookup. IPFIX information element ids (IANA registry) and NetFlow
/// v9 field types share their numbering for everything used here.
public enum FieldKind: UInt8, Sendable {
    case skip
    case octets, packets, reverseOctets, reversePackets
    case totalOctets, totalPackets, reverseTotalOctets, reverseTotalPackets
    case initiatorOctets, responderOctets, initiatorPackets, responderPackets
    case proto, tcpFlags, reverseTCPFlags, srcPort, dstPort
    case srcIPv4, dstIPv4, srcIPv6, dstIPv6, ipVersion
    case icmpTypeCode, icmpType, icmpCode
    case srcMAC, dstMAC, postSrcMAC, postDstMAC
    case vlan, postVLAN, dot1qVLAN, dot1qCustomerVLAN
    case startUptime, endUptime, startSeconds, endSeconds, startMillis, endMillis
    case startMicrosNTP, endMicrosNTP, startNanosNTP, endNanosNTP, startDeltaMicros, endDeltaMicros
    case systemInitMillis
    case samplingInterval, samplerRandomInterval, samplingPacketInterval, samplingPacketSpace
    case biflowDirection, flowEndReason

    /// Whether a template may give this field `length` bytes. The fields that make a flow's identity have
    /// a type of fixed size (an IPv4 address is 4 bytes, IPv6 16; a port is at most 2 and a protocol or IP
    /// version 1, RFC 7011's reduced-size encoding allowing less only for integers): a template giving
    /// them another length cannot describe a flow, and its records, read without the field, would be
    /// judged from 0.0.0.0. Every other field is read when its size fits and skipped when it does not: a
    /// MAC of another size leaves the record without a MAC, which the summary counts
    /// (`host_table.records_with_mac`), and the flow is still judged by its addresses.
    @inlinable
    public func accepts(length: UInt16) -> Bool {
        switch self {
        case .srcIPv4, .dstIPv4: return length == 4
        case .srcIPv6, .dstIPv6: return length == 16
        case .srcPort, .dstPort: return length == 1 || length == 2
        case .proto, .ipVersion: return length == 1
        default: return true
        }
    }

    /// RFC 5103's Private Enterprise Number for reverse information elements.
    public static let reverseEnterprise: UInt32 = 29305

    /// The kind of information element `id` of `enterprise` (0: IANA); anything zonesep does not use,
    /// every other enterprise's elements included, is `.skip`.
    public init(id: UInt16, enterprise: UInt32 = 0) {
        if enterprise == FieldKind.reverseEnterprise {
            switch id {
            case 1: self = .reverseOctets
            case 2: self = .reversePackets
            case 85: self = .reverseTotalOctets
            case 86: self = .reverseTotalPackets
            case 6: self = .reverseTCPFlags
            default: self = .skip
            }
            return
        }
        guard enterprise == 0 else {
            self = .skip
            return
        }
        switch id {
        case 1: self = .octets  // octetDeltaCount
        case 2: self = .packets  // packetDeltaCount
        case 85: self = .totalOctets  // octetTotalCount: all the flow's so far, repeated by each record
        case 86: self = .totalPackets  // packetTotalCount
        case 4: self = .proto
        case 6: self = .tcpFlags
        case 7: self = .srcPort
        case 8: self = .srcIPv4
        case 11: self = .dstPort
        case 12: self = .dstIPv4
        case 21: self = .endUptime  // flowEndSysUpTime, v9 LAST_SWITCHED
        case 22: self = .startUptime  // flowStartSysUpTime, v9 FIRST_SWITCHED
        case 27: self = .srcIPv6
        case 28: self = .dstIPv6
        case 32, 139: self = .icmpTypeCode  // icmpTypeCodeIPv4, icmpTypeCodeIPv6
        case 34: self = .samplingInterval
        case 50: self = .samplerRandomInterval
        case 56: self = .srcMAC
        case 57: self = .postDstMAC
        case 58: self = .vlan
        case 59: self = .postVLAN
        case 60: self = .ipVersion
        case 80: self = .dstMAC
        case 81: self = .postSrcMAC
        case 136: self = .flowEndReason
        case 150: self = .startSeconds
        case 151: self = .endSeconds
        case 152: self = .startMillis
        case 153: self = .endMillis
        case 154: self = .startMicrosNTP
        case 155: self = .endMicrosNTP
        case 156: self = .startNanosNTP
        case 157: self = .endNanosNTP
        case 158: self = .startDeltaMicros
        case 159: self = .endDeltaMicros
        case 160: self = .systemInitMillis
        case 176, 178: self = .icmpType  // icmpTypeIPv4, icmpTypeIPv6
        case 177, 179: self = .icmpCode
        case 231: self = .initiatorOctets
        case 232: self = .responderOctets
        case 239: self = .biflowDirection
        case 243: self = .dot1qVLAN
        case 245: self = .dot1qCustomerVLAN
        case 298: self = .initiatorPackets
        case 299: self = .responderPackets
        case 305: self = .samplingPacketInterval
        case 306: self = .samplingPacketSpace
        default: self = .skip
        }
    }
}
