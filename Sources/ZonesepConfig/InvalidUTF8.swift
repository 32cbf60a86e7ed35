/// The diagnostic for a zones.conf that is not UTF-8: the line and column of the first bad byte, and the
/// key whose string (or quoted name) holds it, so that the one label saved in Shift_JIS can be found.
enum InvalidUTF8 {
    static func diagnostic(_ bytes: [UInt8], badByte offset: Int, fileName: String) -> ConfigDiagnostic {
        let at = UTF8Text.position(of: offset, in: bytes)
        let byte = "0x" + pad(Int(bytes[offset]), 2, radix: 16)
        let key = keyPath(holding: offset, at: at, in: bytes)
        let message =
            "the byte \(byte)\(key == nil ? "" : " at column \(at.column)") is not valid UTF-8: zones.conf "
            + "must be UTF-8 text (save it as UTF-8, not Shift_JIS or another encoding)"
        return ConfigDiagnostic(
            severity: .error, fileName: fileName, line: at.line, column: at.column, keyPath: key ?? "",
            message: message)
    }

    /// Reads the file again with each bad sequence replaced by U+FFFD, and names the string value or key
    /// that starts last at or before `at` (byte `offset`) and holds a U+FFFD, if its quotes enclose that
    /// byte: a string before it may hold a U+FFFD of its own. Nil when the bad byte is elsewhere (a
    /// comment) or the file does not parse.
    static func keyPath(holding offset: Int, at: TOMLPosition, in bytes: [UInt8]) -> String? {
        // Up to the first bad byte the text is the file's bytes, so `offset` and `at` hold in it too.
        let text = Array(String(decoding: bytes, as: UTF8.self).utf8)
        guard let document = try? TOMLReader.parse(utf8: text) else { return nil }
        var best: (position: TOMLPosition, path: String)?
        func consider(_ position: TOMLPosition, _ path: String) {
            if position <= at && position >= (best?.position ?? TOMLPosition(line: 0, column: 0)) {
                best = (position, path)
            }
        }
        func walk(_ table: TOMLTable, _ path: String) {
            for e in table.entries {
                let p = path.isEmpty ? tomlKeyText(e.key) : path + "." + tomlKeyText(e.key)
                if e.key.unicodeScalars.contains("\u{FFFD}") { consider(e.keyPosition, p) }
                walk(e.value, p)
            }
        }
        func walk(_ value: TOMLValue, _ path: String) {
            switch value.content {
            case .string(let s) where s.unicodeScalars.contains("\u{FFFD}"): consider(value.position, path)
            case .array(let a): for (i, v) in a.enumerated() { walk(v, path + "[\(i)]") }
            case .table(let t): walk(t, path)
            default: break
            }
        }
        walk(document, "")
        guard let best, TOMLReader.stringSpan(at: best.position, in: text)?.contains(offset) == true else {
            return nil
        }
        return best.path
    }
}
