import ZonesepCore

/// Renders alerts as DESIGN.md's JSON record, as a line for a person, and as the human message both carry.
///
/// A scan or a flood raises an alert for every new flow, so the JSON record and the message are written
/// straight into bytes, with each zone's name and label prepared once per map (`ZoneTexts`).
///
/// The policy, the prepared names and the record's fixed runs live in one object: a record's renderings
/// each hold the format, and a copy of a policy is a score of reference counts.
public struct AlertFormat: Sendable {
    let parts: AlertJSONParts
    var texts: ZoneTexts { parts.texts }
    public var policy: Policy { parts.texts.policy }

    public init(policy: Policy) { parts = AlertJSONParts(texts: ZoneTexts(policy: policy)) }

    /// Whether this is the renderer of `policy`'s map (compared without taking a reference to either).
    public func renders(_ policy: Policy) -> Bool {
        ObjectIdentifier(parts.texts.policy) == ObjectIdentifier(policy)
    }

    var map: ZoneMap { texts.policy.zoneMap }

    /// `tcp/445`, `udp/53`, `icmp`: the responder's service as the rules name it.
    public func service(_ a: Alert) -> String {
        let p = ProtocolName.of(a.proto)
        return a.destPort.map { "\(p)/\($0)" } ?? p
    }

    /// The human message: both ends with their zones' labels, the service, and why it is a violation.
    /// Names from zones.conf are shown with control characters escaped (`VisibleText`): a label holding a
    /// newline cannot forge a line in the text output or a syslog message.
    public func message(_ a: Alert) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(192)
        appendMessage(a, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `message(a)` to `out`.
    public func appendMessage(_ a: Alert, to out: inout [UInt8]) { appendMessage(a, to: &out, json: false) }

    /// Appends `message(a)` to `out`, with `json` as it stands inside a JSON string (escaped): the labels
    /// come escaped from `ZoneTexts` and every other part is plain ASCII or a fixed arrow, so the message
    /// of a JSON record is written once, with no second pass to escape it.
    func appendMessage(_ a: Alert, to out: inout [UInt8], json: Bool) {
        if json { texts.appendLabelJSON(a.srcZone, to: &out) } else { texts.appendLabel(a.srcZone, to: &out) }
        out.append(UInt8(ascii: " "))
        a.srcIP.append(to: &out, mappedIPv6: a.mappedIPv6)
        out.append(contentsOf: [UInt8(ascii: " "), 0xE2, 0x86, 0x92, UInt8(ascii: " ")])  // " → "
        if json { texts.appendLabelJSON(a.destZone, to: &out) } else { texts.appendLabel(a.destZone, to: &out) }
        out.append(UInt8(ascii: " "))
        a.destIP.append(to: &out, mappedIPv6: a.mappedIPv6)
        out.append(UInt8(ascii: " "))
        ProtocolName.append(a.proto, to: &out)
        if let port = a.destPort {
            out.append(UInt8(ascii: "/"))
            JSONObject.appendInteger(port, to: &out)
        }
        func tail(_ s: StaticString) { s.withUTF8Buffer { out.append(contentsOf: $0) } }
        switch a.rule {
        case .conduitMACMismatch:
            // The conduit's name comes from zones.conf: the one part that may need escaping.
            if json {
                JSONObject.appendStringContent(conduitMismatchTail(a), to: &out)
            } else {
                out.append(contentsOf: conduitMismatchTail(a).utf8)
            }
        case .mynumberIsolation:
            tail(": no conduit allows this flow to or from the mynumber zone")
        case .sanitisationBypass:
            tail(" matches no sanitisation path")
        case .lgwanExternal:
            tail(": the LGWAN zone must not reach an external address")
        case .securityCloudBypass:
            tail(" bypasses the security cloud (no gateway, no valid exception)")
        case .unzonedHost:
            tail(": ")
            if a.srcZone == .unzoned { a.srcIP.append(to: &out, mappedIPv6: a.mappedIPv6) }
            if a.srcZone == .unzoned && a.destZone == .unzoned { tail(" and ") }
            if a.destZone == .unzoned { a.destIP.append(to: &out, mappedIPv6: a.mappedIPv6) }
            tail(" belongs to no zone")
        }
        if let t = a.tunnelEnds { out.append(contentsOf: AlertFormat.tunnelEndsTail(t).utf8) }
    }

    /// What a tunnel alert's message says last: what the flow is, and why its ends are judged on their own.
    static func tunnelEndsTail(_ type: TunnelType) -> String {
        " (the ends of this \(type.name) tunnel break the policy; the flows inside are judged by their innermost "
            + "packets)"
    }

    /// What a `conduit-mac-mismatch` message says after its head: the conduit, and the MACs it expected
    /// and saw.
    func conduitMismatchTail(_ a: Alert) -> String {
        let c = a.verdict.conduit
        guard c >= 0 && c < policy.config.conduits.count else {
            return " matches a conduit but its MAC address differs"
        }
        let conduit = policy.config.conduits[c]
        var expected: [String] = []
        if let m = conduit.fromMAC { expected.append("initiator \(m)") }
        if let m = conduit.toMAC { expected.append("responder \(m)") }
        let seen = [a.srcMAC.map { "initiator \($0)" }, a.destMAC.map { "responder \($0)" }]
            .compactMap { $0 }.joined(separator: ", ")
        let name = VisibleText.escape(conduit.name)
        return " matches conduit '\(name)' but its MAC address differs (expected "
            + "\(expected.joined(separator: ", ")); seen \(seen.isEmpty ? "no MAC" : seen))"
    }

    /// Community ID v1 of the alert's flow.
    public func flowID(_ a: Alert) -> String { CommunityID.text(CommunityID.digest(of: a)) }

    /// Appends the alert's Community ID to `out` as a JSON string.
    public func appendFlowID(_ a: Alert, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        CommunityID.withDigest(of: a) { CommunityID.append($0, to: &out) }
        out.append(UInt8(ascii: "\""))
    }

    /// The alert's Community ID as a JSON string, through a record writer.
    func writeFlowID(_ a: Alert, into w: inout RecordWriter) {
        CommunityID.withDigest(of: a) { w.communityID($0) }
    }

    /// One JSON Lines record (no trailing newline), fields in DESIGN.md's order.
    public func json(_ a: Alert) -> String { String(decoding: jsonBytes(a), as: UTF8.self) }

    /// `json(a)` as its UTF-8 bytes, for the outputs, which write bytes: no `String` is made (making one
    /// validates every byte again).
    /// `flowID`: the alert's Community ID when the caller has it already, not hashed again.
    public func jsonBytes(_ a: Alert, flowID: String? = nil) -> [UInt8] {
        var out: [UInt8] = []
        RecordWriter.writing(into: &out) { w in
            write(a, into: &w, flowID: flowID)
            w.byte(UInt8(ascii: "}"))
        }
        return out
    }

    /// Appends `json(a)` to `out`: an output's own buffer, where a replay's alerts are written in place.
    public func appendJSON(_ a: Alert, to out: inout [UInt8]) {
        RecordWriter.writing(into: &out) { w in
            write(a, into: &w)
            w.byte(UInt8(ascii: "}"))
        }
    }

    /// `appendJSON(a, to:)` with the time written through `clock` (a session's alerts share it); `flowID`:
    /// the digest of the alert's Community ID when the caller has it (`EventBatch.flowID(of:)`).
    public func appendJSON(
        _ a: Alert, to out: inout [UInt8], clock: inout TimestampCache, flowID digest: FlowIDDigest? = nil
    ) {
        RecordWriter.writing(into: &out, clock: &clock) { w in
            write(a, into: &w, digest: digest)
            w.byte(UInt8(ascii: "}"))
        }
    }

    /// The alert record without its closing brace, for a stage that adds fields at its end (evidence).
    public func openJSON(_ a: Alert) -> JSONBytes {
        var j = JSONBytes(capacity: 768)
        RecordWriter.writing(into: &j.bytes) { w in write(a, into: &w) }
        return j
    }

    /// The alert record, without its closing brace, through a record writer: the runs the alert shares with
    /// others of its rule and zones (`AlertJSONParts`) copied whole, every other field written byte by byte
    /// into a buffer on the stack.
    /// `flowID`: the alert's Community ID when the caller has it already (`flowID(a)`), or `digest`, its
    /// hash: not hashed again.
    func write(_ a: Alert, into w: inout RecordWriter, flowID id: String? = nil, digest: FlowIDDigest? = nil) {
        // A tunnel's alert (rare) has a field and a message of its own: written piece by piece.
        guard a.tunnelEnds == nil, let k = parts.keys(of: a) else {
            return writePiecewise(a, into: &w, flowID: id, digest: digest)
        }
        w.literal("{\"timestamp\":")
        w.timestamp(a.timestampMicros)
        w.bytes(parts.run(k.head))
        w.fiveTuple(
            proto: a.proto, src: a.srcIP, srcPort: a.srcPort, dest: a.destIP, destPort: a.destPort,
            mappedIPv6: a.mappedIPv6)
        w.bytes(parts.run(k.srcZone))
        w.bytes(parts.run(k.destZone))
        writeLinkFields(a, into: &w, flowID: id, digest: digest)
        w.bytes(parts.run(k.messageHead))
        w.addressText(a.srcIP, mappedIPv6: a.mappedIPv6)
        w.bytes(parts.run(k.arrow))
        w.addressText(a.destIP, mappedIPv6: a.mappedIPv6)
        writeMessageEnd(a, into: &w, json: true)
        w.byte(UInt8(ascii: "\""))
    }

    /// `write` a field at a time, names and labels looked up for each: for an alert with a part that has no
    /// prepared run (a zone the map does not have), and the reference `write` is checked against.
    func writePiecewise(_ a: Alert, into w: inout RecordWriter, flowID id: String? = nil, digest: FlowIDDigest? = nil) {
        w.literal("{\"timestamp\":")
        w.timestamp(a.timestampMicros)
        w.literal(",\"event_type\":\"alert\",\"rule\":")
        ZoneTexts.writeName(texts.ruleNames, a.rule.rawValue, a.rule.name, to: &w)
        w.literal(",\"severity\":")
        ZoneTexts.writeName(texts.severityNames, a.rule.rawValue, a.rule.severity.rawValue, to: &w)
        w.fiveTuple(
            proto: a.proto, src: a.srcIP, srcPort: a.srcPort, dest: a.destIP, destPort: a.destPort,
            mappedIPv6: a.mappedIPv6)
        w.literal(",\"src_zone\":")
        texts.writeNameJSON(a.srcZone, to: &w)
        w.literal(",\"dest_zone\":")
        texts.writeNameJSON(a.destZone, to: &w)
        w.literal(",\"initiator\":")
        ZoneTexts.writeName(texts.initiatorNames, a.initiator.rawValue, a.initiator.name, to: &w)
        writeLinkFields(a, into: &w, flowID: id, digest: digest)
        w.literal(",\"sensor\":")
        w.bytes(texts.sensorJSON)
        w.literal(",\"message\":\"")
        writeMessage(a, into: &w, json: true)
        w.byte(UInt8(ascii: "\""))
    }

    /// The fields between the initiator and the sensor: VLANs, tunnel layers, MACs and the Community ID.
    private func writeLinkFields(_ a: Alert, into w: inout RecordWriter, flowID id: String?, digest: FlowIDDigest?) {
        w.vlanList(of: a)
        w.tunnels(a.tunnels)
        if let t = a.tunnelEnds {
            w.literal(",\"tunnel_ends\":")
            w.jsonString(t.name)
        }
        w.literal(",\"src_mac\":")
        w.mac(a.srcMAC)
        w.literal(",\"dest_mac\":")
        w.mac(a.destMAC)
        w.literal(",\"flow_id\":")
        if let id {
            w.jsonString(id)
        } else if let digest {
            digest.withUnsafeBytes { w.communityID($0) }
        } else {
            writeFlowID(a, into: &w)
        }
    }

    /// `message(a)` through a record writer; with `json` as it stands inside a JSON string (as
    /// `appendMessage` writes it).
    func writeMessage(_ a: Alert, into w: inout RecordWriter, json: Bool = false) {
        if json { texts.writeLabelJSON(a.srcZone, to: &w) } else { texts.writeLabel(a.srcZone, to: &w) }
        w.byte(UInt8(ascii: " "))
        w.addressText(a.srcIP, mappedIPv6: a.mappedIPv6)
        w.literal(" \u{2192} ")
        if json { texts.writeLabelJSON(a.destZone, to: &w) } else { texts.writeLabel(a.destZone, to: &w) }
        w.byte(UInt8(ascii: " "))
        w.addressText(a.destIP, mappedIPv6: a.mappedIPv6)
        writeMessageEnd(a, into: &w, json: json)
    }

    /// The message after the responder's address: the service, and why the flow is a violation.
    private func writeMessageEnd(_ a: Alert, into w: inout RecordWriter, json: Bool) {
        w.byte(UInt8(ascii: " "))
        w.protocolName(a.proto)
        if let port = a.destPort {
            w.byte(UInt8(ascii: "/"))
            w.integer(UInt64(port))
        }
        switch a.rule {
        case .conduitMACMismatch:
            // The conduit's name comes from zones.conf: the one part that may need escaping.
            var b: [UInt8] = []
            if json {
                JSONObject.appendStringContent(conduitMismatchTail(a), to: &b)
            } else {
                b = Array(conduitMismatchTail(a).utf8)
            }
            w.bytes(b)
        case .mynumberIsolation:
            w.literal(": no conduit allows this flow to or from the mynumber zone")
        case .sanitisationBypass:
            w.literal(" matches no sanitisation path")
        case .lgwanExternal:
            w.literal(": the LGWAN zone must not reach an external address")
        case .securityCloudBypass:
            w.literal(" bypasses the security cloud (no gateway, no valid exception)")
        case .unzonedHost:
            w.literal(": ")
            if a.srcZone == .unzoned { w.addressText(a.srcIP, mappedIPv6: a.mappedIPv6) }
            if a.srcZone == .unzoned && a.destZone == .unzoned { w.literal(" and ") }
            if a.destZone == .unzoned { w.addressText(a.destIP, mappedIPv6: a.mappedIPv6) }
            w.literal(" belongs to no zone")
        }
        if let t = a.tunnelEnds { w.bytes(Array(AlertFormat.tunnelEndsTail(t).utf8)) }
    }

    /// One line for a terminal: time, severity, rule, then the message.
    public func text(_ a: Alert) -> String {
        let vlan = a.vlans.isEmpty ? "" : " vlan " + a.vlans.map(String.init).joined(separator: "/")
        let tunnel = a.tunnels.isEmpty ? "" : " inside " + AlertFormat.tunnelLine(a.tunnels)
        return "\(Timestamp.rfc3339(a.timestampMicros))  \(a.rule.severity.rawValue.uppercased())  "
            + "\(a.rule.name)  \(message(a)) [initiator: \(a.initiator.name)\(vlan)\(tunnel)]"
    }

    /// The alert's `tunnel` list: each layer outermost first, `{"type", "src", "dst", "id"}` (null where the
    /// layer has no outer IP header or no identifier).
    public static func tunnelJSON(_ layers: [TunnelLayer]) -> String {
        JSONObject.array(
            layers.map { l -> String in
                var o = JSONObject()
                o.add("type", l.type.name)
                o.add("src", l.addresses?.src.description(mappedIPv6: l.mappedIPv6))
                o.add("dst", l.addresses?.dst.description(mappedIPv6: l.mappedIPv6))
                o.add("id", l.identifier)
                return o.json
            })
    }

    /// The layers for a line of text, outermost first: "erspan-ii 192.0.2.1→192.0.2.2 id 100 > vxlan …".
    public static func tunnelLine(_ layers: [TunnelLayer]) -> String {
        layers.map(tunnelText).joined(separator: " > ")
    }

    /// One layer for the text line: "vxlan 192.0.2.1→192.0.2.2 id 5001".
    static func tunnelText(_ l: TunnelLayer) -> String {
        var s = l.type.name
        if let a = l.addresses {
            s += " \(a.src.description(mappedIPv6: l.mappedIPv6))→\(a.dst.description(mappedIPv6: l.mappedIPv6))"
        }
        if let id = l.identifier { s += " id \(id)" }
        return s
    }
}
