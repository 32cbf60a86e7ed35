import ZonesepCore

/// The short account of a loaded configuration that `zonesep check` prints.
///
/// ```
/// sensor        core-switch-mirror
/// internal      10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, fc00::/7
/// zones         4
///   mynumber   mynumber  マイナンバー利用事務系  10.10.0.0/16, fd00:10::/48
///   lgwan      lgwan     LGWAN接続系             10.20.0.0/16
/// gateways      1
/// conduits      1
/// sanitisation  2
/// exceptions    1 (1 expired)
///   web-conference  expires 2027-03-31  expired
/// ```
///
/// Columns are aligned by terminal width, so Japanese labels (two cells a character) line up too.
public enum ConfigSummary {
    /// - Parameter now: microseconds since the Unix epoch; when given, expired exceptions are marked.
    public static func render(_ config: PolicyConfig, now: Int64? = nil) -> String {
        var lines: [String] = []
        let headWidth = 14
        func head(_ name: String, _ value: String) {
            lines.append(padded(name, to: headWidth) + value)
        }
        head("sensor", config.sensor)
        head("internal", config.internal.map(\.description).joined(separator: ", "))
        head("zones", "\(config.zones.count)")
        let idWidth = config.zones.map { displayWidth($0.id) }.max() ?? 0
        let kindWidth = config.zones.map { displayWidth($0.kind.rawValue) }.max() ?? 0
        let labelWidth = config.zones.map { displayWidth($0.label) }.max() ?? 0
        for z in config.zones {
            lines.append(
                "  " + padded(z.id, to: idWidth + 2) + padded(z.kind.rawValue, to: kindWidth + 2)
                    + padded(z.label, to: labelWidth + 2) + z.networks.map(\.description).joined(separator: ", "))
        }
        head("gateways", "\(config.gateways.count)")
        head("conduits", "\(config.conduits.count)")
        head("sanitisation", "\(config.sanitisation.count)")
        let expired = config.exceptions.filter { e in now.map { $0 >= e.expiresAtMicros } ?? false }
        head("exceptions", "\(config.exceptions.count)" + (expired.isEmpty ? "" : " (\(expired.count) expired)"))
        let nameWidth = config.exceptions.map { displayWidth($0.name) }.max() ?? 0
        for e in config.exceptions {
            var line = "  " + padded(e.name, to: nameWidth + 2) + "expires " + e.expiresText
            if let now { line += now >= e.expiresAtMicros ? "  expired" : "" }
            lines.append(line)
        }
        return lines.joined(separator: "\n") + "\n"
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
