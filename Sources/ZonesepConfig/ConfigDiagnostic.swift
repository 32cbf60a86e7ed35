import ZonesepCore

/// One problem found in zones.conf: where it is, which key, and what is wrong.
public struct ConfigDiagnostic: Sendable, Equatable, CustomStringConvertible {
    public enum Severity: String, Sendable {
        /// The configuration cannot be used; nothing starts.
        case error
        /// The configuration works but probably not as meant.
        case warning
    }

    public var severity: Severity
    public var fileName: String
    /// 1-based line, when the problem has a place in the file.
    public var line: Int?
    /// 1-based column in Unicode scalars.
    public var column: Int?
    /// The key concerned in TOML spelling with indices: `zones.lgwan.networks[2]`, `conduits[0].to.addresses[1]`.
    /// Empty for a syntax error or a file that cannot be read.
    public var keyPath: String
    public var message: String

    public init(
        severity: Severity, fileName: String, line: Int? = nil, column: Int? = nil, keyPath: String = "",
        message: String
    ) {
        self.severity = severity
        self.fileName = fileName
        self.line = line
        self.column = column
        self.keyPath = keyPath
        self.message = message
    }

    /// Compiler style: `zones.conf:14: zones.lgwan.networks[2]: '10.20.0.0/33' is not an IPv4 or IPv6 network`.
    ///
    /// Warnings say so after the place (`zones.conf:9: warning: zones.x.networks[0]: ...`). The column is
    /// shown only where no key path is (TOML syntax errors), since there it is the best pointer.
    public var description: String {
        var out = fileName
        if let line {
            out += ":\(line)"
            if keyPath.isEmpty, let column { out += ":\(column)" }
        }
        out += ": "
        if severity == .warning { out += "warning: " }
        if !keyPath.isEmpty { out += keyPath + ": " }
        // Messages quote what the file says; a control character there must not start a line of its own, and
        // a character that shows as nothing (pasted into a network) must not make a good-looking value wrong.
        return ConfigDiagnostic.showingInvisible(VisibleText.escape(out + message))
    }

    /// `text` with the characters that look like nothing or like a space written as escapes (`\u{200B}`):
    /// a no-break or zero-width space, a soft hyphen, a word joiner, a byte order mark. (A full-width space
    /// is left: it shows, and Japanese labels hold it.)
    static func showingInvisible(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isInvisible) else { return text }
        var out = String.UnicodeScalarView()
        for u in text.unicodeScalars {
            if isInvisible(u) {
                out.append(contentsOf: ("\\u{" + String(u.value, radix: 16, uppercase: true) + "}").unicodeScalars)
            } else {
                out.append(u)
            }
        }
        return String(out)
    }

    private static func isInvisible(_ u: Unicode.Scalar) -> Bool { LookalikeCharacters.invisible[u.value] != nil }
}

/// What loading zones.conf gives: the policy when there is no error, and every diagnostic, in file order.
public struct ConfigResult: Sendable {
    /// The validated policy; nil when any diagnostic is an error.
    public var config: PolicyConfig?
    public var diagnostics: [ConfigDiagnostic]

    public init(config: PolicyConfig?, diagnostics: [ConfigDiagnostic]) {
        self.config = config
        self.diagnostics = diagnostics
    }

    public var errors: [ConfigDiagnostic] { diagnostics.filter { $0.severity == .error } }
    public var warnings: [ConfigDiagnostic] { diagnostics.filter { $0.severity == .warning } }
    public var hasErrors: Bool { diagnostics.contains { $0.severity == .error } }

    /// The first problems a person is shown: beyond this many, the rest are counted, not listed.
    public static let shownLimit = 100

    /// The diagnostics as lines for a person (control characters escaped), the first `limit` of them in
    /// file order, then one line counting the rest: a file with 100,000 bad prefixes must not print
    /// 100,000 lines.
    public func lines(limit: Int = ConfigResult.shownLimit) -> [(severity: ConfigDiagnostic.Severity, text: String)] {
        var out = diagnostics.prefix(limit).map { ($0.severity, $0.description) }
        if diagnostics.count > limit {
            let rest = diagnostics.dropFirst(limit)
            let errors = rest.count { $0.severity == .error }
            let warnings = rest.count - errors
            var parts: [String] = []
            if errors > 0 { parts.append("\(errors) more error\(errors == 1 ? "" : "s")") }
            if warnings > 0 { parts.append("\(warnings) more warning\(warnings == 1 ? "" : "s")") }
            let severity: ConfigDiagnostic.Severity = errors > 0 ? .error : .warning
            let fileName = diagnostics.first.map { VisibleText.escape($0.fileName) } ?? ""
            out.append((severity, "\(fileName): \(parts.joined(separator: " and ")) not shown"))
        }
        return out
    }
}
