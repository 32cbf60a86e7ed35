/// Text from a configuration file or a packet made safe to show a person, on a terminal, in a text
/// report or a syslog line: every character that could start a new line, move the cursor, recolour the
/// terminal or reorder what is displayed is written as a visible escape (`\n`, `\u{1B}`), so a zone label
/// holding a newline cannot forge a line of output.
///
/// Everything else is kept as it is: text in any script (Japanese labels pass unchanged), the backslash.
public enum VisibleText {
    /// `text` with control and layout characters escaped; the same string when there are none.
    public static func escape(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = String.UnicodeScalarView()
        for u in text.unicodeScalars {
            guard needsEscape(u) else {
                out.append(u)
                continue
            }
            let escaped: String
            switch u {
            case "\n": escaped = "\\n"
            case "\r": escaped = "\\r"
            case "\t": escaped = "\\t"
            default: escaped = "\\u{" + String(u.value, radix: 16, uppercase: true) + "}"
            }
            out.append(contentsOf: escaped.unicodeScalars)
        }
        return String(out)
    }

    /// C0 and C1 controls and DEL; the Unicode line and paragraph separators; the bidirectional
    /// embedding, override and isolate controls (which can make a line read differently than it is).
    @inlinable
    public static func needsEscape(_ u: Unicode.Scalar) -> Bool {
        switch u.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069, 0x200E, 0x200F, 0x061C:
            return true
        default:
            return false
        }
    }
}
