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
    /// seen inside encapsulation, are its first packet's layers (the alert's `tunnel`).
    public func json(_ e: FlowEntry, end: FlowEndReason, tunnels: [TunnelLayer] = []) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(768)
        append(e, end: end, tunnels: tunnels, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `json(e, end:, tunnels:)` to `out`: a sensor writes one for every flow, so a batch of them is
    /// rendered into the file writer's buffer, with no `String` and no allocation of its own.
    public func append(_ e: FlowEntry, end: FlowEndReason, tunnels: [TunnelLayer] = [], to out: inout [UInt8]) {
        JSONBytes.appending(to: &out) { j in render(e, end: end, tunnels: tunnels, into: &j) }
    }

    func render(_ e: FlowEntry, end: FlowEndReason, tunnels: [TunnelLayer], into j: inout JSONBytes) {
        let k = e.key
        let ports = k.proto == IPProtocolNumber.tcp || k.proto == IPProtocolNumber.udp
        let a = e.initiatorIsA
        let src = a ? k.addressA : k.addressB
        let dst = a ? k.addressB : k.addressA
        let srcPort: UInt16? = ports ? (a ? k.portA : k.portB) : nil
        let dstPort: UInt16? = ports ? (a ? k.portB : k.portA) : nil
        // The key keeps the outermost and innermost of the flow's own tags (and the VNI flag above the count).
        let vlanCount = Int(k.vlanCount)

        j.raw("{\"timestamp\":")
        // The record's time is the flow's end: rendered once, copied for `end`.
        let timeStart = j.bytes.count + 1
        j.timestamp(e.lastSeen)
        let timeEnd = j.bytes.count - 1
        j.raw(",\"event_type\":\"flow\"")
        j.fiveTuple(proto: k.proto, src: src, srcPort: srcPort, dest: dst, destPort: dstPort)
        j.raw(",\"src_zone\":")
        texts.appendNameJSON(e.initiatorZone, to: &j.bytes)
        j.raw(",\"dest_zone\":")
        texts.appendNameJSON(e.responderZone, to: &j.bytes)
        j.raw(",\"initiator\":")
        ZoneTexts.appendName(texts.initiatorJSON, e.method.rawValue, e.method.name, to: &j.bytes)
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
        j.raw(",\"end\":\"")
        j.repeatBytes(timeStart..<timeEnd)
        j.raw("\",\"end_reason\":")
        ZoneTexts.appendName(texts.endReasonJSON, end.rawValue, end.name, to: &j.bytes)
        j.raw(",\"packets_toserver\":")
        j.integer(a ? e.packetsAB : e.packetsBA)
        j.raw(",\"packets_toclient\":")
        j.integer(a ? e.packetsBA : e.packetsAB)
        j.raw(",\"bytes_toserver\":")
        j.integer(a ? e.bytesAB : e.bytesBA)
        j.raw(",\"bytes_toclient\":")
        j.integer(a ? e.bytesBA : e.bytesAB)
        j.raw(",\"verdict\":")
        if let v = e.verdict {
            ZoneTexts.appendName(texts.ruleJSON, v.rawValue, v.name, to: &j.bytes)
        } else {
            j.raw("null")
        }
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
    }

    /// The declaration that allowed the flow, if one was needed (a `conduit-mac-mismatch` names a conduit
    /// that did not allow it).
    public func allowedBy(_ e: FlowEntry) -> Declaration? {
        let i = Int(e.declaration)
        guard e.verdict == nil, i >= 0, i < policy.declarations.count else { return nil }
        return policy.declarations[i]
    }
}
