import ZonesepCore

/// Where a flow record came from: the export protocol, as alerts name it in their `input` field.
public enum FlowInputKind: UInt8, Sendable, CaseIterable {
    case ipfix
    case netflowV9
    case netflowV5
    case sflow

    /// The name alerts and summaries use.
    public var name: String {
        switch self {
        case .ipfix: return "ipfix"
        case .netflowV9: return "netflow-v9"
        case .netflowV5: return "netflow-v5"
        case .sflow: return "sflow"
        }
    }
}

/// Where a record's start and end times came from, so a consumer can say how far to trust them.
public enum FlowTimeSource: UInt8, Sendable {
    /// Absolute times carried in the record (flowStartMilliseconds and the like).
    case record
    /// The exporter's uptime at the flow's first and last packet, anchored to the export time.
    case uptime
    /// The record carries no time: both are the datagram's export time.
    case export
    /// sFlow: a sampled packet, timed by the datagram's arrival at the collector.
    case arrival
}

/// One flow as an exporter reported it, in a value the caller owns and the decoders overwrite in place
/// (no allocation per record). Direction is the record's: `src` sent the `packets` and `bytes`, `dst`
/// the `reverse…` counts of a biflow.
public struct FlowRecord: Sendable {
    public var input: FlowInputKind = .ipfix
    /// The exporter: the datagram's source address and port (sFlow: the agent address in the datagram,
    /// which a relay keeps, and the datagram's source port).
    public var exporter = IPAddress(rawValue: 0)
    /// The address the datagram came from, which the decoder's exporter statistics are kept by: `exporter`
    /// itself, except sFlow's agent address behind a relay.
    public var source = IPAddress(rawValue: 0)
    public var exporterPort: UInt16 = 0
    /// IPFIX observation domain, NetFlow v9 source id, NetFlow v5 engine type << 8 | engine id, sFlow
    /// sub-agent id.
    public var observationDomain: UInt32 = 0

    /// 4 or 6 (0 when the record named no address).
    public var ipVersion: UInt8 = 0
    public var src = IPAddress(rawValue: 0)
    public var dst = IPAddress(rawValue: 0)
    public var proto: UInt8 = 0
    /// TCP, UDP and SCTP ports (0 when the record has none: ICMP, other protocols).
    public var srcPort: UInt16 = 0
    public var dstPort: UInt16 = 0
    /// false when the record's template has no port field at all (an export aggregated by addresses):
    /// ports of 0 then mean "not exported", not a non-first fragment.
    public var hasPortFields = true
    /// ICMP and ICMPv6 type and code, valid when `hasICMPType`.
    public var icmpType: UInt8 = 0
    public var icmpCode: UInt8 = 0
    public var hasICMPType = false

    /// TCP flags seen from `src` to `dst` (the whole record for a uniflow record).
    public var tcpFlags: UInt8 = 0
    /// TCP flags seen from `dst` to `src`: only a biflow record carries them (`isBiflow`).
    public var reverseTCPFlags: UInt8 = 0
    /// The union of both directions' flags.
    @inlinable public var tcpFlagsUnion: UInt8 { tcpFlags | reverseTCPFlags }

    /// Counts from `src` to `dst` (sFlow: one sampled packet and its frame length).
    public var packets: UInt64 = 0
    public var bytes: UInt64 = 0
    /// Counts from `dst` to `src` (RFC 5103 reverse elements, or responder counts).
    public var reversePackets: UInt64 = 0
    public var reverseBytes: UInt64 = 0
    /// The counts are totals (IPFIX packetTotalCount, octetTotalCount: the flow's packets since the
    /// exporter began metering it), not this record's share: a later record repeats them.
    public var countsAreTotals = false
    /// The record describes both directions (RFC 5103 reverse elements, initiator/responder counts).
    public var isBiflow = false
    /// RFC 5103 biflowDirection (0 arbitrary, 1 `src` initiated, 2 `dst` initiated, 3 perimeter), or
    /// 1 where initiator/responder counters name the initiator; 0 when absent.
    public var biflowDirection: UInt8 = 0

    /// µs since the Unix epoch of the flow's first and last packet (see `timeSource`).
    public var startMicros: Int64 = 0
    public var endMicros: Int64 = 0
    public var timeSource: FlowTimeSource = .export
    /// IPFIX flowEndReason (1 idle, 2 active timeout, 3 end of flow, 4 forced, 5 lack of resources), 0 absent.
    public var endReason: UInt8 = 0

    /// VLAN ids, outermost first, `vlanCount` of them valid (0...2).
    public var vlan0: UInt16 = 0
    public var vlan1: UInt16 = 0
    public var vlanCount: UInt8 = 0
    /// MAC addresses, where the record carries them.
    public var srcMAC: MACAddress? = nil
    public var dstMAC: MACAddress? = nil

    /// 1 in N packets was metered (1: every packet; 0 unknown).
    public var samplingRate: UInt32 = 1

    /// sFlow only: the sampled packet's header as zonesep's packet decoder read it (tunnels, an ICMP
    /// error's quoted packet); reset for other inputs.
    public var sampledPacket = DecodedPacket()

    @inlinable public init() {}

    /// An empty record to swap in while the decoder lends its own (see `decodeDataSet`).
    static let placeholder = FlowRecord()

    /// Clears the per-record fields before a record is decoded into this value; the exporter fields, set
    /// once per datagram, stay.
    @inlinable
    public mutating func resetFlowFields() {
        ipVersion = 0
        src = IPAddress(rawValue: 0)
        dst = IPAddress(rawValue: 0)
        proto = 0
        srcPort = 0
        dstPort = 0
        hasPortFields = true
        icmpType = 0
        icmpCode = 0
        hasICMPType = false
        tcpFlags = 0
        reverseTCPFlags = 0
        packets = 0
        bytes = 0
        reversePackets = 0
        reverseBytes = 0
        countsAreTotals = false
        isBiflow = false
        biflowDirection = 0
        startMicros = 0
        endMicros = 0
        timeSource = .export
        endReason = 0
        vlan0 = 0
        vlan1 = 0
        vlanCount = 0
        srcMAC = nil
        dstMAC = nil
    }

    /// Appends a VLAN id (at most two are kept, outermost first).
    @inlinable
    public mutating func addVLAN(_ id: UInt16) {
        switch vlanCount {
        case 0: vlan0 = id
        case 1: vlan1 = id
        default: return
        }
        vlanCount += 1
    }
}
