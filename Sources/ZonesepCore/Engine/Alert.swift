/// A violating flow, as values: the output module turns it into JSON, text or syslog.
public struct Alert: Sendable, Equatable {
    /// The flow's first packet time, µs since the Unix epoch (UTC); for a verdict reached at a later packet
    /// (a conduit's MAC first shown then), that packet's time.
    public var timestampMicros: Int64
    public var verdict: Verdict
    public var proto: UInt8
    /// Initiator (`src_*`) and responder (`dest_*`); ports are nil for protocols without ports.
    public var srcIP: IPAddress
    public var srcPort: UInt16?
    public var destIP: IPAddress
    public var destPort: UInt16?
    public var srcZone: ZoneRef
    public var destZone: ZoneRef
    public var initiator: InitiatorMethod
    public var vlanCount: UInt8
    public var vlanOuter: UInt16
    public var vlanInner: UInt16
    public var srcMAC: MACAddress?
    public var destMAC: MACAddress?
    public var flowSerial: UInt64
    public var icmpType: UInt8
    public var icmpCode: UInt8
    /// The encapsulation layers of the flow's first packet, outermost first (empty for a plain frame); set
    /// by whoever has that packet at hand (`withPacket(_:)`).
    public var tunnels: [TunnelLayer] = []
    /// The flow's own VLAN ids when its first packet was at hand (all of them, however many); else the key's.
    public var vlanIDs: [UInt16]? = nil
    /// The virtual network id the flow lies in (VXLAN, Geneve, keyed GRE).
    public var virtualNetwork: UInt32?
    /// The flow is IPv6 with an IPv4-mapped address (::ffff:a.b.c.d): classified as IPv4, but written and
    /// hashed as the IPv6 address on the wire.
    public var mappedIPv6 = false
    /// Set for the alert of a tunnel whose own ends break the policy (the tunnel audit's), to the layer's
    /// type: the alert then describes the tunnel's outer flow, not a flow of the engine (no serial, no
    /// evidence file), and says so (`tunnel_ends`).
    public var tunnelEnds: TunnelType? = nil

    public var rule: RuleID { verdict.rule }
    public var vlans: [UInt16] {
        vlanIDs ?? Array([vlanOuter, vlanInner].prefix(Int(min(vlanCount, 2))))
    }

    /// The alert with what only the flow's first packet shows: its tunnel layers and all its own VLANs.
    public func withPacket(_ p: DecodedPacket) -> Alert {
        var a = self
        a.tunnels = Array(p.tunnels)
        a.vlanIDs = p.vlans
        return a
    }

    /// The alert of a tunnel layer whose outer pair breaks `rule`: its outer flow as the first packet of the
    /// flow inside showed it at `time` (outer protocol and ports, source as initiator), inside `outside`,
    /// the layers around it. The outer frame's VLANs and MACs are not kept: none are given.
    public init(tunnel layer: TunnelLayer, outside: [TunnelLayer], rule: RuleID, at time: Int64, zones: ZoneMap) {
        let ports = IPProtocolNumber.hasPorts(layer.proto)
        timestampMicros = time
        verdict = Verdict(rule: rule)
        proto = layer.proto
        srcIP = layer.src
        destIP = layer.dst
        srcPort = ports ? layer.srcPort : nil
        destPort = ports ? layer.dstPort : nil
        srcZone = zones.lookup(layer.src)
        destZone = zones.lookup(layer.dst)
        initiator = .firstPacket
        vlanCount = 0
        vlanOuter = 0
        vlanInner = 0
        srcMAC = nil
        destMAC = nil
        flowSerial = 0
        icmpType = 0
        icmpCode = 0
        tunnels = outside
        tunnelEnds = layer.type
        mappedIPv6 = layer.mappedIPv6
    }

    /// Builds the alert for a flow entry whose verdict is set. Inlinable: built in place by the sinks of
    /// other modules (behind a call, the entry was copied in and the alert copied out, about 500
    /// instructions an alert, three times an alert).
    @inlinable
    public init?(flow e: FlowEntry) {
        guard let rule = e.verdict else { return nil }
        self.init(flow: e, rule: rule)
    }

    /// `init?(flow:)` of an entry whose verdict is `rule`. Not failable, so its fields are stored where the
    /// caller's `Alert?` keeps its payload: a failable initialiser that set them itself built the alert
    /// in a temporary, copied it into the optional (retaining its arrays) and destroyed the temporary.
    @inlinable @inline(__always)
    init(flow e: FlowEntry, rule: RuleID) {
        let k = e.key
        let ports = IPProtocolNumber.hasPorts(k.proto)
        timestampMicros = e.verdictIsLate ? e.lastSeen : e.firstSeen
        verdict = Verdict(rule: rule, conduit: Int(e.declaration))
        proto = k.proto
        srcIP = e.initiatorIsA ? k.addressA : k.addressB
        destIP = e.initiatorIsA ? k.addressB : k.addressA
        srcPort = ports ? (e.initiatorIsA ? k.portA : k.portB) : nil
        destPort = ports ? (e.initiatorIsA ? k.portB : k.portA) : nil
        srcZone = e.initiatorZone
        destZone = e.responderZone
        initiator = e.method
        vlanCount = k.vlanCount
        virtualNetwork = k.virtualNetwork
        mappedIPv6 = k.mappedIPv6
        vlanOuter = UInt16(k.vlans >> 12 & 0xfff)
        vlanInner = UInt16(k.vlans & 0xfff)
        srcMAC = e.mac(ofA: e.initiatorIsA)
        destMAC = e.mac(ofA: !e.initiatorIsA)
        flowSerial = e.serial
        icmpType = e.icmpType
        icmpCode = e.icmpCode
    }
}
