import ZonesepCore

/// Column-aligned plain text tables (display width aware for Japanese labels). Every cell is shown with
/// control characters escaped (`VisibleText`): a zone name or a file name cannot break a row or forge one.
public enum TextTable {
    public static func render(_ rows: [[String]], header: Bool = false, rightAlign: Set<Int> = []) -> String {
        let rows = rows.map { $0.map(VisibleText.escape) }
        guard let cols = rows.map(\.count).max() else { return "" }
        var widths = [Int](repeating: 0, count: cols)
        for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], displayWidth(c)) } }
        var out = ""
        for (n, r) in rows.enumerated() {
            var line = " "
            for (i, c) in r.enumerated() {
                let pad = String(repeating: " ", count: widths[i] - displayWidth(c))
                line += " " + (rightAlign.contains(i) ? pad + c : c + pad)
            }
            while line.last == " " { line.removeLast() }
            out += line + "\n"
            if header && n == 0 {
                out += " " + widths.map { " " + String(repeating: "-", count: $0) }.joined() + "\n"
            }
        }
        return out
    }

    /// East Asian wide characters take two columns in a terminal.
    public static func displayWidth(_ s: String) -> Int {
        s.unicodeScalars.reduce(0) { w, u in
            let v = u.value
            let wide =
                (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
                || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
                || (0xFFE0...0xFFE6).contains(v)
            return w + (wide ? 2 : 1)
        }
    }
}
