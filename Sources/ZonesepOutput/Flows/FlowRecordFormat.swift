import ZonesepCore

/// Renders DESIGN.md's `flow` record: one per ended flow, allowed or not, so that an audit has the record
/// of what was allowed (and by which declaration) beside the alerts of what was not.
///
/// The fields are the alert's flow fields, initiator first, then the flow's life and both directions'
/// counters, its verdict and the declaration that allowed it.
public struct FlowRecordFormat: Sendable {
    let texts: ZoneTexts
    /// Each declaration as a flow record's `allowed_by` object, by index in `policy.declarations`. Made
    /// here, by the only record that names declarations, not in `ZoneTexts`: alerts and the summary make
    /// those too, and a policy of 10,000 declarations spelled all of them three times a replay for nothing.
    let allowedByJSON: [[UInt8]]
    public var policy: Policy { texts.policy }
    /// The `mac_check` field (with its comma) of a flow a conduit allowed without its MAC verified: what the
    /// input failed to show (`not-seen` for a capture, `not-in-record` for a flow export).
    let macCheckJSON: [UInt8]

    /// `macCheck`: the value of `mac_check` for a flow whose conduit's MAC was not verified (`MACCheck`).
    public init(policy: Policy, macCheck: MACCheck = .notSeen) {
        texts = ZoneTexts(policy: policy)
        macCheckJSON = Array(",\"mac_check\":\"\(macCheck.rawValue)\"".utf8)
        allowedByJSON = policy.declarations.map { d in
            var b = Array("{\"type\":".utf8)
            JSONObject.appendString(d.kind.name, to: &b)
            b.append(contentsOf: ",\"name\":".utf8)
            JSONObject.appendString(d.name, to: &b)
            b.append(UInt8(ascii: "}"))
            return b
        }
    }

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
        RecordWriter.writing(into: &out) { w in render(e, end: end, tunnels: tunnels, into: &w) }
    }

    /// `append(_:end:tunnels:to:)` with its times written through `clock` (a batch's records share it).
    public func append(
        _ e: FlowEntry, end: FlowEndReason, tunnels: [TunnelLayer] = [], to out: inout [UInt8],
        clock: inout TimestampCache
    ) {
        RecordWriter.writing(into: &out, clock: &clock) { w in render(e, end: end, tunnels: tunnels, into: &w) }
    }

    func render(_ e: FlowEntry, end: FlowEndReason, tunnels: [TunnelLayer], into w: inout RecordWriter) {
        let k = e.key
        let ports = IPProtocolNumber.hasPorts(k.proto)
        let a = e.initiatorIsA
        let src = a ? k.addressA : k.addressB
        let dst = a ? k.addressB : k.addressA
        let srcPort: UInt16? = ports ? (a ? k.portA : k.portB) : nil
        let dstPort: UInt16? = ports ? (a ? k.portB : k.portA) : nil
        // The key keeps the outermost and innermost of the flow's own tags (and the VNI flag above the count).
        let vlanCount = Int(k.vlanCount)

        w.literal("{\"timestamp\":")
        // The record's time is the flow's end, which `end` repeats: formatted once.
        w.timestamp(e.lastSeen, remember: true)
        w.literal(",\"event_type\":\"flow\"")
        w.fiveTuple(
            proto: k.proto, src: src, srcPort: srcPort, dest: dst, destPort: dstPort, mappedIPv6: k.mappedIPv6)
        w.literal(",\"src_zone\":")
        texts.writeNameJSON(e.initiatorZone, to: &w)
        w.literal(",\"dest_zone\":")
        texts.writeNameJSON(e.responderZone, to: &w)
        w.literal(",\"initiator\":")
        ZoneTexts.writeName(texts.initiatorNames, e.method.rawValue, e.method.name, to: &w)
        w.literal(",\"vlan\":[")
        w.vlanPair(count: vlanCount, outer: UInt64(k.vlans >> 12 & 0xfff), inner: UInt64(k.vlans & 0xfff))
        w.byte(UInt8(ascii: "]"))
        w.tunnels(tunnels)
        w.literal(",\"src_mac\":")
        w.mac(e.mac(ofA: a))
        w.literal(",\"dest_mac\":")
        w.mac(e.mac(ofA: !a))
        w.literal(",\"flow_id\":")
        let sent = CommunityID.sentEnds(initiator: src, responder: dst, proto: k.proto, icmpType: e.icmpType)
        CommunityID.withDigest(
            src: sent.src, dst: sent.dst, proto: k.proto, srcPort: srcPort, dstPort: dstPort, icmpType: e.icmpType,
            icmpCode: e.icmpCode, mappedIPv6: k.mappedIPv6
        ) { w.communityID($0) }
        w.literal(",\"sensor\":")
        w.bytes(texts.sensorJSON)
        w.literal(",\"start\":")
        w.timestamp(e.firstSeen)
        w.literal(",\"end\":")
        w.timestamp(again: e.lastSeen)
        w.literal(",\"end_reason\":")
        ZoneTexts.writeName(texts.endReasonNames, end.rawValue, end.name, to: &w)
        w.literal(",\"packets_toserver\":")
        w.integer(a ? e.packetsAB : e.packetsBA)
        w.literal(",\"packets_toclient\":")
        w.integer(a ? e.packetsBA : e.packetsAB)
        w.literal(",\"bytes_toserver\":")
        w.integer(a ? e.bytesAB : e.bytesBA)
        w.literal(",\"bytes_toclient\":")
        w.integer(a ? e.bytesBA : e.bytesAB)
        w.literal(",\"verdict\":")
        if let v = e.verdict {
            ZoneTexts.writeName(texts.ruleNames, v.rawValue, v.name, to: &w)
        } else {
            w.literal("null")
        }
        w.literal(",\"allowed_by\":")
        let d = Int(e.declaration)
        if e.verdict == nil, d >= 0, d < allowedByJSON.count {
            w.bytes(allowedByJSON[d])
            if policy.conduitMACUnverified(e) { w.bytes(macCheckJSON) }
            w.byte(UInt8(ascii: "}"))
        } else {
            w.literal("null}")
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

/// What a flow record's `mac_check` says of a flow allowed by a conduit whose MAC it could not verify: the
/// capture did not show that side's MAC, or no record of the export carried it (the word collect's alerts
/// use for a record without MACs).
public enum MACCheck: String, Sendable {
    case notSeen = "not-seen"
    case notInRecord = "not-in-record"
}
