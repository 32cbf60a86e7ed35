import ZonesepCore

/// Renders a host rule's finding (`dual-homed-host`, `zone-vlan-mismatch`) as DESIGN.md's host alert: the
/// device (its MAC), the address that completed the finding, and every address seen for it. It has no flow,
/// so no protocol, ports, `dest_*` or `flow_id`.
extension AlertFormat {
    /// How many addresses the human message names before it says how many more there are (the
    /// `addresses` field always lists them all).
    static let messageAddressLimit = 8

    /// The human message, in the style of a flow alert's: zone labels and addresses, then what is wrong.
    /// Names from zones.conf are escaped (`VisibleText`) like a flow alert's.
    public func message(_ f: HostFinding) -> String {
        switch f.rule {
        case .dualHomedHost:
            // Grouped by zone in the order first seen: "LGWAN接続系 10.20.3.33 and インターネット接続系 10.30.3.33".
            var groups: [(zone: ZoneRef, ips: [IPAddress])] = []
            var named = 0
            var seen = Set<IPAddress>()
            for a in f.addresses where seen.insert(a.ip).inserted {
                guard named < Self.messageAddressLimit else { continue }
                named += 1
                if let i = groups.firstIndex(where: { $0.zone == a.zone }) {
                    groups[i].ips.append(a.ip)
                } else {
                    groups.append((a.zone, [a.ip]))
                }
            }
            var list = groups.map { g in
                "\(VisibleText.escape(map.label(of: g.zone))) " + g.ips.map(\.description).joined(separator: ", ")
            }.joined(separator: " and ")
            if seen.count > named { list += " (and \(seen.count - named) more)" }
            let mynumber = f.addresses.contains { map.kind(of: $0.zone) == .mynumber }
            return "MAC \(f.mac) sends as \(list): one device stands in zones of different kinds"
                + (mynumber ? ", one of them the mynumber zone" : "") + " (not a declared router)"
        case .zoneVLANMismatch:
            let a = f.address
            let vlan = a.innermostVLAN.map(String.init) ?? "-"
            var listed = ""
            if a.zone.isZone && a.zone.zoneIndex < policy.config.zones.count {
                let z = policy.config.zones[a.zone.zoneIndex]
                listed =
                    " (\(VisibleText.escape(z.id)) lists VLAN " + z.vlans.map(String.init).joined(separator: ", ")
                    + ")"
            }
            return "\(VisibleText.escape(map.label(of: a.zone))) \(a.ip) from MAC \(f.mac) is on VLAN \(vlan), "
                + "which its zone does not list\(listed)"
        }
    }

    /// The `addresses` list: every address seen for the MAC, first seen first, with its zone, its VLANs,
    /// when it was first seen and what showed it (`ip`: an IP packet's source, `arp`, `nd`).
    public static func hostAddressesJSON(_ f: HostFinding, map: ZoneMap) -> String {
        JSONObject.array(
            f.addresses.map { a in
                var o = JSONObject()
                o.add("ip", a.ip.description)
                o.add("zone", map.name(of: a.zone))
                o.addRaw("vlan", JSONObject.array(a.vlans.map { "\($0)" }))
                o.add("first_seen", Timestamp.rfc3339(a.firstSeenMicros))
                o.add("seen_by", a.evidence.name)
                return o.json
            })
    }

    /// One JSON Lines record (no trailing newline), fields in the order of a flow alert's that it has.
    public func json(_ f: HostFinding) -> String { object(f, asRecord: true).json }

    /// One line for a terminal: time, severity, rule, the message, then the VLANs and how many addresses.
    public func text(_ f: HostFinding) -> String {
        let vlans = f.address.vlans
        let vlan = vlans.isEmpty ? "untagged" : "vlan " + vlans.map(String.init).joined(separator: "/")
        let n = f.addresses.count
        return "\(Timestamp.rfc3339(f.timestampMicros))  \(f.severity.rawValue.uppercased())  \(f.rule.name)  "
            + "\(message(f)) [\(vlan), \(n) address\(n == 1 ? "" : "es") seen]"
    }

    /// The structured data of the syslog message: the alert's fields, `addresses` as `ip zone vlan/vlan`
    /// entries separated by `; ` (structured data holds strings only).
    public func syslogParams(_ f: HostFinding) -> [(String, String)] {
        var p: [(String, String)] = [
            ("rule", f.rule.name), ("severity", f.severity.rawValue), ("src_ip", f.address.ip.description),
            ("src_zone", map.name(of: f.address.zone)),
        ]
        if !f.address.vlans.isEmpty { p.append(("vlan", f.address.vlans.map(String.init).joined(separator: ","))) }
        p.append(("src_mac", f.mac.description))
        let list = f.addresses.map { a in
            "\(a.ip) \(map.name(of: a.zone))"
                + (a.vlans.isEmpty ? "" : " " + a.vlans.map(String.init).joined(separator: "/"))
        }
        p.append(("addresses", list.joined(separator: "; ")))
        p.append(("sensor", policy.config.sensor))
        return p
    }

    /// The finding as one RFC 5424 message (MSGID `alert`, like a flow alert's).
    public func syslog(_ f: HostFinding, formatter: SyslogFormatter) -> [UInt8] {
        formatter.message(
            severity: SyslogSeverity(f.severity), timestampMicros: f.timestampMicros, msgID: "alert",
            params: syslogParams(f), text: message(f))
    }

    /// The finding as the summary's `host_findings` lists it: the alert's fields without the record's own
    /// (`event_type`, `sensor`, `message`).
    public func summaryJSON(_ f: HostFinding) -> String { object(f, asRecord: false).json }

    /// The finding's fields in their order; `asRecord` adds the record's own (`event_type`, `sensor`,
    /// `message`) where an alert record has them.
    private func object(_ f: HostFinding, asRecord: Bool) -> JSONObject {
        var o = JSONObject()
        o.add("timestamp", Timestamp.rfc3339(f.timestampMicros))
        if asRecord { o.add("event_type", "alert") }
        o.add("rule", f.rule.name)
        o.add("severity", f.severity.rawValue)
        o.add("src_ip", f.address.ip.description)
        o.add("src_zone", map.name(of: f.address.zone))
        o.addRaw("vlan", JSONObject.array(f.address.vlans.map { "\($0)" }))
        o.add("src_mac", f.mac.description)
        if asRecord {
            o.add("sensor", policy.config.sensor)
            o.add("message", message(f))
        }
        o.addRaw("addresses", Self.hostAddressesJSON(f, map: map))
        return o
    }
}
