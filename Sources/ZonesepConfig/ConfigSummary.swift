import ZonesepCore

/// The short account of a loaded configuration that `zonesep check` prints.
///
/// ```
/// sensor        core-switch-mirror
/// tunnels       vxlan udp/4789, udp/8472; geneve udp/6081
/// internal      10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, fc00::/7
/// zones         4
///   mynumber   mynumber  マイナンバー利用事務系  10.10.0.0/16, fd00:10::/48
///   lgwan      lgwan     LGWAN接続系             10.20.0.0/16  vlans 120, 121
/// routers       1
///   core-switch  00:1a:2b:3c:4d:5e, 00:1a:2b:3c:4d:5f
/// gateways      1
///   security-cloud  203.0.113.10, 203.0.113.11
/// conduits      1
/// sanitisation  2
///   virtual-browser  screen-transfer  10.20.0.0/16 -> 10.30.6.0/28  tcp/3389, udp/3389, … (screen-transfer's usual ports)
///   mail-relay       mail-text        10.20.1.25 -> 10.30.1.25  tcp/25, tcp/587 (mail-text's usual ports)
/// exceptions    1 (1 expired)
///   web-conference  expires 2027-03-31  expired
/// ```
///
/// Columns are aligned by terminal width, so Japanese labels (two cells a character) line up too. Names
/// and labels are shown with control characters escaped (`VisibleText`), so none can forge a line; long
/// lists are cut short with a count of the rest, so a prefecture's policy fits a screen.
public enum ConfigSummary {
    /// Items of one list shown before "… (N more)".
    public static let listLimit = 8
    /// Exceptions listed one a line before the rest are counted.
    public static let exceptionLimit = 20

    /// - Parameter now: microseconds since the Unix epoch; when given, expired exceptions are marked.
    public static func render(_ config: PolicyConfig, now: Int64? = nil) -> String {
        var lines: [String] = []
        let headWidth = 14
        func head(_ name: String, _ value: String) {
            lines.append(padded(name, to: headWidth) + value)
        }
        let show = VisibleText.escape
        head("sensor", show(config.sensor))
        let ports = { (p: [UInt16]) in p.isEmpty ? "off" : shortList(p.map { "udp/\($0)" }) }
        head("tunnels", "vxlan " + ports(config.tunnelPorts.vxlan) + "; geneve " + ports(config.tunnelPorts.geneve))
        head("internal", shortList(config.internal.map(\.description)))
        head("zones", "\(config.zones.count)")
        let idWidth = config.zones.map { displayWidth(show($0.id)) }.max() ?? 0
        let kindWidth = config.zones.map { displayWidth($0.kind.rawValue) }.max() ?? 0
        let labelWidth = config.zones.map { displayWidth(show($0.label)) }.max() ?? 0
        for z in config.zones {
            var line =
                "  " + padded(show(z.id), to: idWidth + 2) + padded(z.kind.rawValue, to: kindWidth + 2)
                + padded(show(z.label), to: labelWidth + 2) + shortList(z.networks.map(\.description))
            if !z.vlans.isEmpty { line += "  vlans " + shortList(z.vlans.map(String.init)) }
            lines.append(line)
        }
        if !config.routers.isEmpty || config.zones.contains(where: { !$0.vlans.isEmpty }) {
            head("routers", "\(config.routers.count)")
            let routerWidth = config.routers.prefix(listLimit).map { displayWidth(show($0.name)) }.max() ?? 0
            for r in config.routers.prefix(listLimit) {
                lines.append("  " + padded(show(r.name), to: routerWidth + 2) + shortList(r.macs.map(\.description)))
            }
            if config.routers.count > listLimit { lines.append("  … \(config.routers.count - listLimit) more") }
        }
        head("gateways", "\(config.gateways.count)")
        // Their addresses shown, as a zone's networks are: a gateway of 0.0.0.0/1 switches a rule off.
        let gatewayWidth = config.gateways.prefix(listLimit).map { displayWidth(show($0.name)) }.max() ?? 0
        for g in config.gateways.prefix(listLimit) {
            lines.append("  " + padded(show(g.name), to: gatewayWidth + 2) + shortList(g.addresses.map(\.description)))
        }
        if config.gateways.count > listLimit { lines.append("  … \(config.gateways.count - listLimit) more") }
        head("conduits", "\(config.conduits.count)")
        head("sanitisation", "\(config.sanitisation.count)")
        // Each path with its ports, the method's usual ones said as such: what an engineer relying on them
        // wants to confirm.
        let paths = config.sanitisation.prefix(listLimit)
        let pathWidth = paths.map { displayWidth(show($0.name)) }.max() ?? 0
        let methodWidth = paths.map { displayWidth($0.method.rawValue) }.max() ?? 0
        for s in paths {
            let usual = s.ports == s.method.defaultPorts ? " (\(s.method.rawValue)'s usual ports)" : ""
            lines.append(
                "  " + padded(show(s.name), to: pathWidth + 2) + padded(s.method.rawValue, to: methodWidth + 2)
                    + shortList(s.from.map(\.description)) + " -> " + shortList(s.to.map(\.description)) + "  "
                    + shortList(s.ports.map(\.description)) + usual)
        }
        if config.sanitisation.count > listLimit { lines.append("  … \(config.sanitisation.count - listLimit) more") }
        let expired = config.exceptions.filter { e in now.map { $0 >= e.expiresAtMicros } ?? false }
        head("exceptions", "\(config.exceptions.count)" + (expired.isEmpty ? "" : " (\(expired.count) expired)"))
        let shown = config.exceptions.prefix(exceptionLimit)
        let nameWidth = shown.map { displayWidth(show($0.name)) }.max() ?? 0
        for e in shown {
            // A date-time without an offset is read as JST, as the warnings say; the listing says it too.
            var line =
                "  " + padded(show(e.name), to: nameWidth + 2) + "expires " + e.expiresText
                + (isLocalDateTime(e.expiresText) ? " (JST)" : "")
            if let now { line += now >= e.expiresAtMicros ? "  expired" : "" }
            lines.append(line)
        }
        if config.exceptions.count > exceptionLimit {
            let rest = config.exceptions.dropFirst(exceptionLimit)
            let restExpired = rest.count { e in now.map { $0 >= e.expiresAtMicros } ?? false }
            lines.append("  … \(rest.count) more" + (restExpired == 0 ? "" : " (\(restExpired) of them expired)"))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `2027-03-31T18:00:00`: a date-time written without an offset (a date has no time; an offset ends
    /// in `Z` or `±hh:mm`).
    static func isLocalDateTime(_ text: String) -> Bool {
        let time = text.utf8.dropFirst(10)
        return !time.isEmpty
            && !time.contains {
                $0 == UInt8(ascii: "Z") || $0 == UInt8(ascii: "z") || $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-")
            }
    }

    /// The first `listLimit` items joined by commas, and how many more there are.
    static func shortList(_ items: [String]) -> String {
        let head = items.prefix(listLimit).joined(separator: ", ")
        return items.count > listLimit ? head + ", … (\(items.count - listLimit) more)" : head
    }

    /// `text` followed by spaces to fill `width` terminal cells (at least one space after it).
    static func padded(_ text: String, to width: Int) -> String {
        text + String(repeating: " ", count: max(1, width - displayWidth(text)))
    }

    /// Terminal cells: East Asian wide and fullwidth characters take two, combining marks none.
    static func displayWidth(_ text: String) -> Int {
        var w = 0
        for u in text.unicodeScalars {
            switch u.properties.generalCategory {
            case .nonspacingMark, .enclosingMark, .format: continue
            default: break
            }
            switch u.value {
            case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
                0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
                0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD:
                w += 2
            default:
                w += 1
            }
        }
        return w
    }
}
