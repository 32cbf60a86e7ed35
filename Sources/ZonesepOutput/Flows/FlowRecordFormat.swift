import ZonesepCore

/// Renders DESIGN.md's `flow` record: one per ended flow, allowed or not, so that an audit has the record
/// of what was allowed (and by which declaration) beside the alerts of what was not.
///
/// The fields are the alert's flow fields, initiator first, then the flow's life and both directions'
/// counters, its verdict and the declaration that allowed it.
public struct FlowRecordFormat: Sendable {
    let texts: ZoneTexts
    public var policy: Policy { texts.policy }

    public init(policy: Policy) { texts = ZoneTexts(policy: policy) }

    /// One JSON Lines record (no trailing newline) for a flow that ended for `end`; `tunnels`, for a flow
    /// seen inside encapsulation, are its first packet's layers (the alert's `tunnel`). Written straight
    /// into bytes like an alert: a sensor writes one for every flow.
    public func json(_ e: FlowEntry, end: FlowEndReason, tunnels: [TunnelLayer] = []) -> String {
        let k = e.key
        let ports = k.proto == IPProtocolNumber.tcp || k.proto == IPProtocolNumber.udp
        let a = e.initiatorIsA
        let src = a ? k.addressA : k.addressB
        let dst = a ? k.addressB : k.addressA
        let srcPort: UInt16? = ports ? (a ? k.portA : k.portB) : nil
        let dstPort: UInt16? = ports ? (a ? k.portB : k.portA) : nil
        // The key keeps the outermost and innermost of the flow's own tags (and the VNI flag above the count).
        let vlanCount = Int(k.vlanCount)

        var j = JSONBytes(capacity: 768)
        j.raw("{\"timestamp\":")
        j.timestamp(e.lastSeen)
        j.raw(",\"event_type\":\"flow\"")
        j.fiveTuple(proto: k.proto, src: src, srcPort: srcPort, dest: dst, destPort: dstPort)
        j.raw(",\"src_zone\":")
        texts.appendNameJSON(e.initiatorZone, to: &j.bytes)
        j.raw(",\"dest_zone\":")
        texts.appendNameJSON(e.responderZone, to: &j.bytes)
        j.raw(",\"initiator\":")
        j.string(e.method.name)
        j.raw(",\"vlan\":[")
        if vlanCount >= 1 { j.integer(UInt16(k.vlans >> 12 & 0xfff)) }
        if vlanCount >= 2 {
            j.raw(",")
            j.integer(UInt16(k.vlans & 0xfff))
        }
        j.raw("]")
        if !tunnels.isEmpty {
            j.raw(",\"tunnel\":")
            j.bytes.append(contentsOf: AlertFormat.tunnelJSON(tunnels).utf8)
        }
        j.raw(",\"src_mac\":")
        j.mac(e.hasMACs ? MACAddress(rawValue: a ? e.macA : e.macB) : nil)
        j.raw(",\"dest_mac\":")
        j.mac(e.hasMACs ? MACAddress(rawValue: a ? e.macB : e.macA) : nil)
        j.raw(",\"flow_id\":\"")
        CommunityID.append(
            src: src, dst: dst, proto: k.proto, srcPort: srcPort, dstPort: dstPort, icmpType: e.icmpType,
            icmpCode: e.icmpCode, to: &j.bytes)
        j.raw("\",\"sensor\":")
        j.raw(texts.sensorJSON)
        j.raw(",\"start\":")
        j.timestamp(e.firstSeen)
        j.raw(",\"end\":")
        j.timestamp(e.lastSeen)
        j.raw(",\"end_reason\":")
        j.string(end.name)
        j.raw(",\"packets_toserver\":")
        j.integer(a ? e.packetsAB : e.packetsBA)
        j.raw(",\"packets_toclient\":")
        j.integer(a ? e.packetsBA : e.packetsAB)
        j.raw(",\"bytes_toserver\":")
        j.integer(a ? e.bytesAB : e.bytesBA)
        j.raw(",\"bytes_toclient\":")
        j.integer(a ? e.bytesBA : e.bytesAB)
        j.raw(",\"verdict\":")
        j.string(e.verdict?.name)
        j.raw(",\"allowed_by\":")
        if let d = allowedBy(e) {
            j.raw("{\"type\":")
            j.string(d.kind.name)
            j.raw(",\"name\":")
            j.string(d.name)
            j.raw("}}")
        } else {
            j.raw("null}")
        }
        return j.string
    }

    /// The declaration that allowed the flow, if one was needed (a `conduit-mac-mismatch` names a conduit
    /// that did not allow it).
    public func allowedBy(_ e: FlowEntry) -> Declaration? {
        let i = Int(e.declaration)
        guard e.verdict == nil, i >= 0, i < policy.declarations.count else { return nil }
        return policy.declarations[i]
    }
}
