import ZonesepCore

/// Renders alerts as DESIGN.md's JSON record, as a line for a person, and as the human message both carry.
public struct AlertFormat: Sendable {
    public let policy: Policy

    public init(policy: Policy) { self.policy = policy }

    var map: ZoneMap { policy.zoneMap }

    /// `tcp/445`, `udp/53`, `icmp`: the responder's service as the rules name it.
    public func service(_ a: Alert) -> String {
        let p = ProtocolName.of(a.proto)
        return a.destPort.map { "\(p)/\($0)" } ?? p
    }

    /// The human message: both ends with their zones' labels, the service, and why it is a violation.
    /// Names from zones.conf are shown with control characters escaped (`VisibleText`): a label holding a
    /// newline cannot forge a line in the text output or a syslog message.
    public func message(_ a: Alert) -> String {
        let from = "\(VisibleText.escape(map.label(of: a.srcZone))) \(a.srcIP)"
        let to = "\(VisibleText.escape(map.label(of: a.destZone))) \(a.destIP)"
        let head = "\(from) → \(to) \(service(a))"
        switch a.rule {
        case .conduitMACMismatch:
            let c = a.verdict.conduit
            if c >= 0 && c < policy.config.conduits.count {
                let conduit = policy.config.conduits[c]
                var expected: [String] = []
                if let m = conduit.fromMAC { expected.append("initiator \(m)") }
                if let m = conduit.toMAC { expected.append("responder \(m)") }
                let seen = [a.srcMAC.map { "initiator \($0)" }, a.destMAC.map { "responder \($0)" }]
                    .compactMap { $0 }.joined(separator: ", ")
                let name = VisibleText.escape(conduit.name)
                return "\(head) matches conduit '\(name)' but its MAC address differs (expected "
                    + "\(expected.joined(separator: ", ")); seen \(seen))"
            }
            return "\(head) matches a conduit but its MAC address differs"
        case .mynumberIsolation:
            return "\(head): no conduit allows this flow to or from the mynumber zone"
        case .sanitisationBypass:
            return "\(head) matches no sanitisation path"
        case .lgwanExternal:
            return "\(head): the LGWAN zone must not reach an external address"
        case .securityCloudBypass:
            return "\(head) bypasses the security cloud (no gateway, no valid exception)"
        case .unzonedHost:
            let who = [a.srcZone == .unzoned ? "\(a.srcIP)" : nil, a.destZone == .unzoned ? "\(a.destIP)" : nil]
                .compactMap { $0 }.joined(separator: " and ")
            return "\(head): \(who) belongs to no zone"
        }
    }

    /// Community ID v1 of the alert's flow.
    public func flowID(_ a: Alert) -> String {
        CommunityID.compute(
            src: a.srcIP, dst: a.destIP, proto: a.proto, srcPort: a.srcPort, dstPort: a.destPort,
            icmpType: a.icmpType, icmpCode: a.icmpCode)
    }

    /// One JSON Lines record (no trailing newline), fields in DESIGN.md's order.
    public func json(_ a: Alert) -> String {
        var o = JSONObject()
        o.add("timestamp", Timestamp.rfc3339(a.timestampMicros))
        o.add("event_type", "alert")
        o.add("rule", a.rule.name)
        o.add("severity", a.rule.severity.rawValue)
        o.add("proto", ProtocolName.of(a.proto))
        o.add("src_ip", a.srcIP.description)
        o.add("src_port", a.srcPort)
        o.add("dest_ip", a.destIP.description)
        o.add("dest_port", a.destPort)
        o.add("src_zone", map.name(of: a.srcZone))
        o.add("dest_zone", map.name(of: a.destZone))
        o.add("initiator", a.initiator.name)
        o.addRaw("vlan", JSONObject.array(a.vlans.map { "\($0)" }))
        if !a.tunnels.isEmpty { o.addRaw("tunnel", AlertFormat.tunnelJSON(a.tunnels)) }
        o.add("src_mac", a.srcMAC?.description)
        o.add("dest_mac", a.destMAC?.description)
        o.add("flow_id", flowID(a))
        o.add("sensor", policy.config.sensor)
        o.add("message", message(a))
        return o.json
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
                o.add("src", l.addresses?.src.description)
                o.add("dst", l.addresses?.dst.description)
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
        if let a = l.addresses { s += " \(a.src)→\(a.dst)" }
        if let id = l.identifier { s += " id \(id)" }
        return s
    }
}
