/// Text from a configuration file or a packet made safe to show a person, on a terminal, in a text
/// report or a syslog line: every character that could start a new line, move the cursor, recolour the
/// terminal or reorder what is displayed is written as a visible escape (`\n`, `\u{1B}`), so a zone label
/// holding a newline cannot forge a line of output.
///
/// Everything else is kept as it is: text in any script (Japanese labels pass unchanged), the backslash.
public enum VisibleText {
    /// `text` with control and layout characters escaped; the same string when there are none.
    public static func escape(_ text: String) -> String {
        var t = text
        guard t.withUTF8({ mayNeedEscape($0) }), text.unicodeScalars.contains(where: needsEscape) else { return text }
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

    /// Whether UTF-8 `b` may hold a character `needsEscape` names, by its bytes (C0 and DEL; C2 80-9F,
    /// the C1 controls; D8 9C; E2 80 and E2 81, the block of the separators and direction controls): one
    /// pass with no decoding, so the text of every alert is checked cheaply. False means none is there.
    @inlinable
    public static func mayNeedEscape(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        let n = b.count
        // Eight bytes at a time while all are printable ASCII (0x20-0x7E), as a file name or a hash is: a
        // word holding a byte below 0x20, DEL or one of 0x80 and up is left to the byte loop below, from
        // its first byte (no multi-byte character can start in a word of ASCII skipped before it).
        if let base = b.baseAddress {
            let raw = UnsafeRawPointer(base)
            let ones: UInt64 = 0x0101_0101_0101_0101
            let high: UInt64 = 0x8080_8080_8080_8080
            while n - i >= 8 {
                let x = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                let below20 = (x &- ones &* 0x20) & ~x & high
                let d = x ^ (ones &* 0x7F)
                let del = (d &- ones) & ~d & high
                if (x & high) | below20 | del != 0 { break }
                i += 8
            }
        }
        while i < n {
            let c = b[i]
            if c < 0x20 || c == 0x7F { return true }
            if c == 0xC2 || c == 0xD8 || c == 0xE2 {
                let next: UInt8 = i + 1 < n ? b[i + 1] : 0
                if c == 0xC2 && next >= 0x80 && next <= 0x9F { return true }
                if c == 0xD8 && next == 0x9C { return true }
                if c == 0xE2 && (next == 0x80 || next == 0x81) { return true }
            }
            i += 1
        }
        return false
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
