import ZonesepCore

/// Renders DESIGN.md's `flow` record: one per ended flow, allowed or not, so that an audit has the record
/// of what was allowed (and by which declaration) beside the alerts of what was not.
///
/// The fields are the alert's flow fields, initiator first, then the flow's life and both directions'
/// counters, its verdict and the declaration that allowed it.
public struct FlowRecordFormat: Sendable {
    public let policy: Policy

    public init(policy: Policy) { self.policy = policy }

    /// One JSON Lines record (no trailing newline) for a flow that ended for `end`; `tunnels`, for a flow
    /// seen inside encapsulation, are its first packet's layers (the alert's `tunnel`).
    public func json(_ e: FlowEntry, end: FlowEndReason, tunnels: [TunnelLayer] = []) -> String {
        let map = policy.zoneMap
        let k = e.key
        let ports = k.proto == IPProtocolNumber.tcp || k.proto == IPProtocolNumber.udp
        let a = e.initiatorIsA
        let src = a ? k.addressA : k.addressB
        let dst = a ? k.addressB : k.addressA
        let srcPort: UInt16? = ports ? (a ? k.portA : k.portB) : nil
        let dstPort: UInt16? = ports ? (a ? k.portB : k.portA) : nil
        // The key keeps the outermost and innermost of the flow's own tags (and the VNI flag above the count).
        let vlanCount = Int(k.vlanCount)
        let vlans = [UInt16(k.vlans >> 12 & 0xfff), UInt16(k.vlans & 0xfff)].prefix(vlanCount)

        var o = JSONObject()
        o.add("timestamp", Timestamp.rfc3339(e.lastSeen))
        o.add("event_type", "flow")
        o.add("proto", ProtocolName.of(k.proto))
        o.add("src_ip", src.description)
        o.add("src_port", srcPort)
        o.add("dest_ip", dst.description)
        o.add("dest_port", dstPort)
        o.add("src_zone", map.name(of: e.initiatorZone))
        o.add("dest_zone", map.name(of: e.responderZone))
        o.add("initiator", e.method.name)
        o.addRaw("vlan", JSONObject.array(vlans.map { "\($0)" }))
        if !tunnels.isEmpty { o.addRaw("tunnel", AlertFormat.tunnelJSON(tunnels)) }
        o.add("src_mac", e.hasMACs ? MACAddress(rawValue: a ? e.macA : e.macB).description : nil)
        o.add("dest_mac", e.hasMACs ? MACAddress(rawValue: a ? e.macB : e.macA).description : nil)
        o.add(
            "flow_id",
            CommunityID.compute(
                src: src, dst: dst, proto: k.proto, srcPort: srcPort, dstPort: dstPort, icmpType: e.icmpType,
                icmpCode: e.icmpCode))
        o.add("sensor", policy.config.sensor)
        o.add("start", Timestamp.rfc3339(e.firstSeen))
        o.add("end", Timestamp.rfc3339(e.lastSeen))
        o.add("end_reason", end.name)
        o.add("packets_toserver", a ? e.packetsAB : e.packetsBA)
        o.add("packets_toclient", a ? e.packetsBA : e.packetsAB)
        o.add("bytes_toserver", a ? e.bytesAB : e.bytesBA)
        o.add("bytes_toclient", a ? e.bytesBA : e.bytesAB)
        o.add("verdict", e.verdict?.name)
        if let d = allowedBy(e) {
            var x = JSONObject()
            x.add("type", d.kind.name)
            x.add("name", d.name)
            o.addRaw("allowed_by", x.json)
        } else {
            o.addRaw("allowed_by", "null")
        }
        return o.json
    }

    /// The declaration that allowed the flow, if one was needed (a `conduit-mac-mismatch` names a conduit
    /// that did not allow it).
    public func allowedBy(_ e: FlowEntry) -> Declaration? {
        let i = Int(e.declaration)
        guard e.verdict == nil, i >= 0, i < policy.declarations.count else { return nil }
        return policy.declarations[i]
    }
}
