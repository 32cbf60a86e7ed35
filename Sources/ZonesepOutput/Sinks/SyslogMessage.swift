import ZonesepCore

/// RFC 5424 severities (§6.2.1, table 2).
public enum SyslogSeverity: Int, Sendable, CaseIterable {
    case emergency = 0, alert, critical, error, warning, notice, informational, debug

    /// A rule's severity as a syslog severity: `critical` → 2 (crit), `high` → 3 (err), `medium` → 4
    /// (warning). Nothing zonesep finds is an emergency or an alert of the system itself, so 0 and 1 stay free.
    public init(_ severity: Severity) {
        switch severity {
        case .critical: self = .critical
        case .high: self = .error
        case .medium: self = .warning
        }
    }
}

/// RFC 5424 facilities (§6.2.1, table 1), by the names syslog.conf and rsyslog use.
public enum SyslogFacility {
    public static let names: [(String, Int)] = [
        ("kern", 0), ("user", 1), ("mail", 2), ("daemon", 3), ("auth", 4), ("syslog", 5), ("lpr", 6),
        ("news", 7), ("uucp", 8), ("cron", 9), ("authpriv", 10), ("ftp", 11), ("ntp", 12), ("security", 13),
        ("console", 14), ("solaris-cron", 15), ("local0", 16), ("local1", 17), ("local2", 18), ("local3", 19),
        ("local4", 20), ("local5", 21), ("local6", 22), ("local7", 23),
    ]

    /// A facility by name (`local0`) or number (`16`); nil for anything else.
    public static func parse(_ text: String) -> Int? {
        let t = text.lowercased()
        if let n = Int(t), (0...23).contains(n) { return n }
        return names.first { $0.0 == t }?.1
    }
}

/// Builds RFC 5424 messages: `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD] BOM MSG`.
///
/// The structured data element is `zonesep@32473`: 32473 is the private enterprise number RFC 5612
/// reserves for documentation and examples, used here until zonesep has a number of its own.
public struct SyslogFormatter: Sendable {
    /// The SD-ID of zonesep's structured data element.
    public static let sdID = "zonesep@32473"

    public var facility: Int
    public let appName: String
    public let hostname: String
    public let procID: String

    public init(facility: Int = 16, appName: String = "zonesep", hostname: String, procID: String) {
        self.facility = facility
        self.appName = SyslogFormatter.headerField(appName, maxLength: 48)
        self.hostname = SyslogFormatter.headerField(hostname, maxLength: 255)
        self.procID = SyslogFormatter.headerField(procID, maxLength: 128)
    }

    /// One message, unframed (UDP and unix datagrams carry it as is; TCP adds octet counting). Control
    /// characters in the text and the parameters are escaped (`VisibleText`): a collector that files each
    /// message as one line gets one line.
    /// `timestampMicros` is packet time, so the SIEM files the alert under when the flow began.
    public func message(
        severity: SyslogSeverity, timestampMicros: Int64, msgID: String, params: [(String, String)],
        text: String
    ) -> [UInt8] {
        // Written into bytes: an alert's message went through a dozen interpolated strings before.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(640)
        bytes.append(UInt8(ascii: "<"))
        JSONObject.appendInteger(facility * 8 + severity.rawValue, to: &bytes)
        bytes.append(contentsOf: [UInt8(ascii: ">"), UInt8(ascii: "1"), UInt8(ascii: " ")])
        Timestamp.append(timestampMicros, to: &bytes)
        for field in [hostname, appName, procID, SyslogFormatter.headerField(msgID, maxLength: 32)] {
            bytes.append(UInt8(ascii: " "))
            bytes.append(contentsOf: field.utf8)
        }
        bytes.append(UInt8(ascii: " "))
        SyslogFormatter.appendStructuredData(id: SyslogFormatter.sdID, params: params, to: &bytes)
        if !text.isEmpty {
            // MSG-UTF8: a byte order mark says the message is UTF-8 (the zone labels are Japanese).
            bytes += [0x20, 0xEF, 0xBB, 0xBF]
            bytes.append(contentsOf: VisibleText.escape(text).utf8)
        }
        return bytes
    }

    /// `[ID name="value" ...]`, or `-` when there are no parameters. Names that are not valid SD-NAMEs
    /// are dropped rather than sent malformed.
    public static func structuredData(id: String, params: [(String, String)]) -> String {
        var out: [UInt8] = []
        appendStructuredData(id: id, params: params, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `structuredData(id:params:)` to `out`.
    static func appendStructuredData(id: String, params: [(String, String)], to out: inout [UInt8]) {
        var any = false
        for (name, value) in params where isSDName(name) {
            if !any {
                out.append(UInt8(ascii: "["))
                out.append(contentsOf: id.utf8)
                any = true
            }
            out.append(UInt8(ascii: " "))
            out.append(contentsOf: name.utf8)
            out.append(contentsOf: [UInt8(ascii: "="), UInt8(ascii: "\"")])
            var v = value
            // Printable ASCII without `"`, `\` or `]` (addresses, ports, ids) goes as it is.
            let plain = v.withUTF8 { b in
                b.allSatisfy { $0 >= 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C && $0 != 0x5D }
            }
            if plain {
                out.append(contentsOf: value.utf8)
            } else {
                out.append(contentsOf: escapeParamValue(VisibleText.escape(value)).utf8)
            }
            out.append(UInt8(ascii: "\""))
        }
        if any { out.append(UInt8(ascii: "]")) } else { out.append(UInt8(ascii: "-")) }
    }

    /// PARAM-VALUE escaping (RFC 5424 §6.3.3): `"`, `\` and `]` get a backslash; everything else, UTF-8
    /// included, goes as is.
    public static func escapeParamValue(_ value: String) -> String {
        var out = ""
        for c in value.unicodeScalars {
            if c == "\"" || c == "\\" || c == "]" { out.unicodeScalars.append("\\") }
            out.unicodeScalars.append(c)
        }
        return out
    }

    /// SD-NAME: 1 to 32 printable US-ASCII characters except `=`, space, `]` and `"`.
    public static func isSDName(_ name: String) -> Bool {
        var name = name
        return name.withUTF8 { u in
            !u.isEmpty && u.count <= 32
                && u.allSatisfy { $0 >= 33 && $0 <= 126 && $0 != 0x3D && $0 != 0x5D && $0 != 0x22 }
        }
    }

    /// A header field (HOSTNAME, APP-NAME, PROCID, MSGID): printable US-ASCII only, at most `maxLength`
    /// characters, `-` (the NILVALUE) when nothing is left.
    public static func headerField(_ text: String, maxLength: Int) -> String {
        let u = text.utf8.filter { $0 >= 33 && $0 <= 126 }.prefix(maxLength)
        return u.isEmpty ? "-" : String(decoding: u, as: UTF8.self)
    }
}

/// RFC 6587 §3.4.1 octet counting: `MSG-LEN SP SYSLOG-MSG`, so a message may hold any byte, newlines too.
public enum OctetCounting {
    public static func frame(_ message: [UInt8]) -> [UInt8] {
        Array("\(message.count) ".utf8) + message
    }
}

/// Where `--syslog` sends: `udp://host:port`, `tcp://host:port` (port 514 when left out; IPv6 hosts in
/// brackets), `tls://host:port` (RFC 5425, port 6514 when left out) or `unix:///path` (a datagram socket
/// such as /dev/log).
public enum SyslogDestination: Equatable, Sendable, CustomStringConvertible {
    case udp(host: String, port: UInt16)
    case tcp(host: String, port: UInt16)
    case tls(host: String, port: UInt16)
    case unix(path: String)

    public static let defaultPort: UInt16 = 514
    /// RFC 5425's port for syslog over TLS.
    public static let defaultTLSPort: UInt16 = 6514

    public var isTLS: Bool {
        if case .tls = self { return true }
        return false
    }

    /// What a message counted as sent is known to have reached, for the summary: over UDP nothing beyond
    /// this host (`none`: a collector that is down loses it unseen); over a local socket the syslog daemon's
    /// socket (`socket`); over TCP and TLS the collector's TCP stack (`tcp`), not its log: RFC 6587 and 5425
    /// have no receipt of their own.
    public var receipt: String {
        switch self {
        case .udp: return "none"
        case .unix: return "socket"
        case .tcp, .tls: return "tcp"
        }
    }

    /// Parses a destination URL; the error says what is wrong with it.
    public static func parse(_ url: String) -> Result<SyslogDestination, SyslogURLError> {
        func fail(_ why: String) -> Result<SyslogDestination, SyslogURLError> {
            .failure(SyslogURLError(url: url, reason: why))
        }
        let parts = url.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, parts[1].hasPrefix("//") else {
            return fail("expected udp://host:port, tcp://host:port, tls://host:port or unix:///path")
        }
        let scheme = parts[0].lowercased()
        let rest = String(parts[1].dropFirst(2))
        if scheme == "unix" {
            guard rest.hasPrefix("/"), rest.count > 1 else { return fail("a unix socket needs an absolute path") }
            return .success(.unix(path: rest))
        }
        guard scheme == "udp" || scheme == "tcp" || scheme == "tls" else {
            return fail("unknown scheme '\(scheme)' (udp, tcp, tls or unix)")
        }
        var hostPart = Substring(rest)
        if hostPart.hasSuffix("/") { hostPart.removeLast() }
        var host: Substring
        var portText: Substring? = nil
        if hostPart.hasPrefix("[") {
            guard let close = hostPart.firstIndex(of: "]") else { return fail("unclosed '[' in the host") }
            host = hostPart[hostPart.index(after: hostPart.startIndex)..<close]
            let after = hostPart[hostPart.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return fail("expected ':port' after ']'") }
                portText = after.dropFirst()
            }
        } else if let colon = hostPart.lastIndex(of: ":") {
            host = hostPart[..<colon]
            portText = hostPart[hostPart.index(after: colon)...]
            if host.contains(":") { return fail("put an IPv6 address in brackets: [::1]:514") }
        } else {
            host = hostPart
        }
        if host.isEmpty { return fail("no host") }
        if host.contains("/") { return fail("a path is not expected after the port") }
        var port = scheme == "tls" ? defaultTLSPort : defaultPort
        if let p = portText {
            guard let n = UInt16(p), n > 0 else { return fail("port '\(p)' is not a number from 1 to 65535") }
            port = n
        }
        switch scheme {
        case "udp": return .success(.udp(host: String(host), port: port))
        case "tls": return .success(.tls(host: String(host), port: port))
        default: return .success(.tcp(host: String(host), port: port))
        }
    }

    public var description: String {
        switch self {
        case .udp(let h, let p): return "udp://\(h.contains(":") ? "[\(h)]" : h):\(p)"
        case .tcp(let h, let p): return "tcp://\(h.contains(":") ? "[\(h)]" : h):\(p)"
        case .tls(let h, let p): return "tls://\(h.contains(":") ? "[\(h)]" : h):\(p)"
        case .unix(let path): return "unix://\(path)"
        }
    }
}

public struct SyslogURLError: Error, Equatable, Sendable, CustomStringConvertible {
    public var url: String
    public var reason: String
    public var description: String { "--syslog \(url): \(reason)" }
}

extension AlertFormat {
    /// An alert's fields as RFC 5424 structured data parameters, in the JSON record's order; fields
    /// without a value (ICMP ports, MACs on raw IP) are left out. Lists are flat text, as a parameter's value
    /// is: `vlan` comma-separated, `tunnel` as the text line shows it (layers outermost first, " > " between).
    /// `extra` goes last: what an input adds (a flow export's `input` and `exporter`), as its JSON record has
    /// them last.
    public func syslogParams(
        _ a: Alert, evidence: String? = nil, extra: [(String, String)] = []
    ) -> [(String, String)] {
        var p: [(String, String)] = [
            ("rule", a.rule.name), ("severity", a.rule.severity.rawValue), ("proto", ProtocolName.of(a.proto)),
            ("src_ip", a.srcIP.description(mappedIPv6: a.mappedIPv6)),
        ]
        if let port = a.srcPort { p.append(("src_port", "\(port)")) }
        p.append(("dest_ip", a.destIP.description(mappedIPv6: a.mappedIPv6)))
        if let port = a.destPort { p.append(("dest_port", "\(port)")) }
        p.append(("src_zone", map.name(of: a.srcZone)))
        p.append(("dest_zone", map.name(of: a.destZone)))
        p.append(("initiator", a.initiator.name))
        if !a.vlans.isEmpty { p.append(("vlan", a.vlans.map(String.init).joined(separator: ","))) }
        if !a.tunnels.isEmpty { p.append(("tunnel", AlertFormat.tunnelLine(a.tunnels))) }
        if let t = a.tunnelEnds { p.append(("tunnel_ends", t.name)) }
        if let m = a.srcMAC { p.append(("src_mac", m.description)) }
        if let m = a.destMAC { p.append(("dest_mac", m.description)) }
        p.append(("flow_id", flowID(a)))
        p.append(("sensor", policy.config.sensor))
        if let evidence { p.append(("evidence", evidence)) }
        p += extra
        return p
    }

    /// The alert as one RFC 5424 message: its fields in structured data, the human message as MSG.
    /// `formatter.message(…, params: syslogParams(a, …), text: message(a))` byte for byte, written
    /// through a record writer: the parameters that come from zones.conf (zone names, the sensor) are
    /// escaped once per map, and the others are ASCII that needs none. The message needs no escaping
    /// either: its labels are escaped already and the rest is ASCII and an arrow.
    /// `flowID`: the alert's Community ID when the caller has it already (`flowID(a)`), not hashed again.
    public func syslog(
        _ a: Alert, formatter: SyslogFormatter, evidence: String? = nil, extra: [(String, String)] = [],
        flowID id: String? = nil
    ) -> [UInt8] {
        let pri = formatter.facility * 8 + SyslogSeverity(a.rule.severity).rawValue
        guard pri >= 0 else {
            return formatter.message(
                severity: SyslogSeverity(a.rule.severity), timestampMicros: a.timestampMicros, msgID: "alert",
                params: syslogParams(a, evidence: evidence, extra: extra), text: message(a))
        }
        var out: [UInt8] = []
        out.reserveCapacity(640)
        RecordWriter.writing(into: &out) { w in
            w.syslogHeader(pri: pri, timestampMicros: a.timestampMicros, formatter: formatter)
            w.literal(" alert [zonesep@32473 rule=\"")
            w.text(a.rule.name)
            w.literal("\" severity=\"")
            w.text(a.rule.severity.rawValue)
            w.literal("\" proto=\"")
            w.protocolName(a.proto)
            w.literal("\" src_ip=\"")
            w.addressText(a.srcIP, mappedIPv6: a.mappedIPv6)
            if let port = a.srcPort {
                w.literal("\" src_port=\"")
                w.integer(UInt64(port))
            }
            w.literal("\" dest_ip=\"")
            w.addressText(a.destIP, mappedIPv6: a.mappedIPv6)
            if let port = a.destPort {
                w.literal("\" dest_port=\"")
                w.integer(UInt64(port))
            }
            w.literal("\" src_zone=\"")
            texts.writeNameParam(a.srcZone, to: &w)
            w.literal("\" dest_zone=\"")
            texts.writeNameParam(a.destZone, to: &w)
            w.literal("\" initiator=\"")
            w.text(a.initiator.name)
            // The flow key's VLANs read where they are (`a.vlans` made an array of them for every alert).
            if let ids = a.vlanIDs {
                if !ids.isEmpty {
                    w.literal("\" vlan=\"")
                    for (i, v) in ids.enumerated() {
                        if i > 0 { w.byte(UInt8(ascii: ",")) }
                        w.integer(UInt64(v))
                    }
                }
            } else if a.vlanCount > 0 {
                w.literal("\" vlan=\"")
                w.integer(UInt64(a.vlanOuter))
                if a.vlanCount > 1 {
                    w.byte(UInt8(ascii: ","))
                    w.integer(UInt64(a.vlanInner))
                }
            }
            if !a.tunnels.isEmpty {
                w.literal("\" tunnel=\"")
                ZoneTexts.writeParamValue(AlertFormat.tunnelLine(a.tunnels), to: &w)
            }
            if let t = a.tunnelEnds {
                w.literal("\" tunnel_ends=\"")
                w.text(t.name)
            }
            if let m = a.srcMAC {
                w.literal("\" src_mac=\"")
                w.macText(m)
            }
            if let m = a.destMAC {
                w.literal("\" dest_mac=\"")
                w.macText(m)
            }
            w.literal("\" flow_id=\"")
            if let id {
                ZoneTexts.writeParamValue(id, to: &w)
            } else {
                CommunityID.withDigest(of: a) { w.communityIDText($0) }
            }
            w.literal("\" sensor=\"")
            w.bytes(texts.sensorParam)
            if let evidence {
                w.literal("\" evidence=\"")
                ZoneTexts.writeParamValue(evidence, to: &w)
            }
            for (name, value) in extra where SyslogFormatter.isSDName(name) {
                w.literal("\" ")
                w.text(name)
                w.literal("=\"")
                ZoneTexts.writeParamValue(value, to: &w)
            }
            // MSG-UTF8: a byte order mark says the message is UTF-8 (the zone labels are Japanese).
            w.literal("\"] \u{FEFF}")
            writeMessage(a, into: &w)
        }
        return out
    }
}

extension RecordWriter {
    /// An RFC 5424 header as `SyslogFormatter.message` writes it, up to the PROCID: `<PRI>1 TIMESTAMP
    /// HOSTNAME APP-NAME PROCID` (`pri` not negative); the message id and what follows are the caller's.
    mutating func syslogHeader(pri: Int, timestampMicros: Int64, formatter: SyslogFormatter) {
        byte(UInt8(ascii: "<"))
        integer(UInt64(pri))
        literal(">1 ")
        timestampText(timestampMicros)
        byte(UInt8(ascii: " "))
        text(formatter.hostname)
        byte(UInt8(ascii: " "))
        text(formatter.appName)
        byte(UInt8(ascii: " "))
        text(formatter.procID)
    }
}
