import ZonesepCore

/// Diagnostics and the spelling of places in them.
extension ConfigChecker {

    mutating func typeError(_ v: TOMLValue, _ path: ConfigPath, expected: String) {
        error(v.position, path, "expected \(expected), found \(article(v.typeName))")
    }

    mutating func error(_ at: TOMLPosition?, _ path: ConfigPath, _ message: String) {
        diagnostics.append(
            ConfigDiagnostic(
                severity: .error, fileName: fileName, line: at?.line, column: at?.column, keyPath: path.description,
                message: message))
    }

    mutating func warning(_ at: TOMLPosition?, _ path: ConfigPath, _ message: String) {
        diagnostics.append(
            ConfigDiagnostic(
                severity: .warning, fileName: fileName, line: at?.line, column: at?.column, keyPath: path.description,
                message: message))
    }

    /// `'name'`, or "at" and the entry's key path when it has no usable name (`conduit at conduits[2]`).
    func quoted(_ name: String?, or path: ConfigPath) -> String {
        name.map { "'\($0)'" } ?? "at \(path)"
    }

    /// What `quoted` would spell, kept as its parts: an exception's messages are rare, and spelling
    /// `'name'` for each of a policy's ten thousand exceptions cost an allocation each.
    struct ShownName {
        var name: String?
        var path: ConfigPath
        var text: String { name.map { "'\($0)'" } ?? "at \(path)" }
    }

    func join(_ path: ConfigPath, _ key: String) -> ConfigPath {
        path.key(key)
    }
}
