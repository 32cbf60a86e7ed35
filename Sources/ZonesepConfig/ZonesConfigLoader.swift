import Foundation
import ZonesepCore

/// Reads zones.conf (DESIGN.md, "zones.conf") into a `PolicyConfig`, reporting every problem it finds.
public enum ZonesConfigLoader {
    /// Japan Standard Time, UTC+9: how local dates and date-times of `expires` are read.
    public static let japanOffsetMinutes = 9 * 60

    /// Zone ids that would collide with the address classes alerts use for `src_zone`/`dest_zone`.
    public static let reservedZoneIDs = ["external", "unzoned", "local"]

    /// Checks `text` as the contents of `fileName` (used only in diagnostics).
    ///
    /// - Parameter now: microseconds since the Unix epoch; when given, exceptions that have expired by
    ///   then are reported as warnings.
    public static func load(text: String, fileName: String, now: Int64? = nil) -> ConfigResult {
        let document: TOMLTable
        do {
            document = try TOMLReader.parse(text)
        } catch {
            let d = ConfigDiagnostic(
                severity: .error, fileName: fileName, line: error.line, column: error.column,
                keyPath: error.keyPath ?? "", message: error.reason)
            return ConfigResult(config: nil, diagnostics: [d])
        }
        var checker = ConfigChecker(fileName: fileName, now: now)
        let config = checker.check(document)
        let sorted = checker.diagnostics.enumerated().sorted { a, b in
            let ka = (a.element.line ?? 0, a.element.column ?? 0, a.offset)
            let kb = (b.element.line ?? 0, b.element.column ?? 0, b.offset)
            return ka < kb
        }.map(\.element)
        let failed = sorted.contains { $0.severity == .error }
        return ConfigResult(config: failed ? nil : config, diagnostics: sorted)
    }

    /// Reads and checks the file at `path`; a file that cannot be read, or is not UTF-8, is a diagnostic.
    public static func load(path: String, now: Int64? = nil) -> ConfigResult {
        func failure(_ message: String) -> ConfigResult {
            ConfigResult(
                config: nil, diagnostics: [ConfigDiagnostic(severity: .error, fileName: path, message: message)])
        }
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return failure("cannot read the configuration: no such file")
        }
        if isDirectory.boolValue { return failure("cannot read the configuration: it is a directory") }
        guard fm.isReadableFile(atPath: path), let data = fm.contents(atPath: path) else {
            return failure("cannot read the configuration: permission denied or I/O error")
        }
        guard let text = String(validating: Array(data), as: UTF8.self) else {
            return failure("the configuration is not valid UTF-8 text")
        }
        return load(text: text, fileName: path, now: now)
    }
}

// MARK: - The checks

/// A value taken from the file, with where it was.
struct Located<Value> {
    var value: Value
    var position: TOMLPosition
    var path: String
}

private let topLevelKeys = ["sensor", "internal", "zones", "gateways", "conduits", "sanitisation", "exceptions"]

struct ConfigChecker {
    let fileName: String
    let now: Int64?
    private(set) var diagnostics: [ConfigDiagnostic] = []

    init(fileName: String, now: Int64?) {
        self.fileName = fileName
        self.now = now
    }

    private var errorCount: Int { diagnostics.count { $0.severity == .error } }

    mutating func check(_ root: TOMLTable) -> PolicyConfig {
        checkKeys(root, path: "", allowed: topLevelKeys)
        let sensor = checkSensor(root)
        let errorsBefore = errorCount
        let internalNets = checkInternal(root)
        let internalComplete = errorCount == errorsBefore
        let (zones, zonesComplete) = checkZones(root)
        let gateways = checkGateways(root)
        // Where a zone or the internal space could not be read, an address's zone is not known: skip
        // what depends on it rather than report problems that are only echoes of those.
        let space = zonesComplete && internalComplete ? AddressSpace(zones: zones, internal: internalNets) : nil
        let conduits = checkConduits(root, space: space)
        let sanitisation = checkSanitisation(root, space: space)
        let exceptions = checkExceptions(root, space: space)
        let declared = conduits.count + sanitisation.count + gateways.count + exceptions.count
        if declared > Policy.maxDeclarations {
            // A flow entry names the declaration that allowed it in 16 bits.
            error(
                nil, "",
                "\(declared) conduits, sanitisation paths, gateways and exceptions are declared; at most "
                    + "\(Policy.maxDeclarations) are supported")
        }
        return PolicyConfig(
            sensor: sensor, internal: internalNets, zones: zones, gateways: gateways, conduits: conduits,
            sanitisation: sanitisation, exceptions: exceptions)
    }

    // MARK: Sections

    private mutating func checkSensor(_ root: TOMLTable) -> String {
        guard let v = root["sensor"] else { return "zonesep" }
        guard let t = tableOf(v, path: "sensor") else { return "zonesep" }
        checkKeys(t, path: "sensor", allowed: ["name"])
        guard let name = nonEmptyString(t, "name", in: "sensor", at: v.position, required: false) else {
            return "zonesep"
        }
        return name.value
    }

    private mutating func checkInternal(_ root: TOMLTable) -> [IPPrefix] {
        guard let v = root["internal"], let t = tableOf(v, path: "internal") else {
            return PolicyConfig.defaultInternal
        }
        checkKeys(t, path: "internal", allowed: ["networks"])
        guard let nets = prefixes(t, "networks", in: "internal", at: v.position, required: false, noun: "network")
        else { return PolicyConfig.defaultInternal }
        return nets.map(\.value)
    }

    /// The zones that could be read, and whether every declared zone could.
    private mutating func checkZones(_ root: TOMLTable) -> ([Zone], Bool) {
        guard let v = root["zones"] else {
            error(nil, "zones", "no zones are declared; declare each as [zones.<id>] with kind and networks")
            return ([], false)
        }
        guard let all = tableOf(v, path: "zones") else { return ([], false) }
        if all.isEmpty {
            error(v.position, "zones", "no zones are declared; declare each as [zones.<id>] with kind and networks")
            return ([], false)
        }
        var zones: [Zone] = []
        var complete = true
        // Every network seen so far, for "the same prefix in two zones".
        var owners: [PrefixKey: (zone: String, line: Int)] = [:]
        let maxZones = Int(ZoneRef.external.rawValue)
        if all.entries.count > maxZones {
            error(v.position, "zones", "\(all.entries.count) zones are declared; at most \(maxZones) are supported")
            complete = false
        }
        for entry in all.entries {
            let id = entry.key
            let path = join("zones", id)
            var ok = true
            if id.isEmpty {
                error(entry.keyPosition, path, "a zone id cannot be empty")
                ok = false
            } else if ZonesConfigLoader.reservedZoneIDs.contains(id.lowercased()) {
                error(
                    entry.keyPosition, path,
                    "zone id '\(id)' is reserved: external, unzoned and local name address classes in alerts")
                ok = false
            }
            guard let t = tableOf(entry.value, path: path, expected: "a table [zones.\(tomlKeyText(id))]") else {
                complete = false
                continue
            }
            let at = entry.value.position
            checkKeys(t, path: path, allowed: ["kind", "label", "networks"])
            var kind: ZoneKind?
            if let k = string(t, "kind", in: path, at: at, required: true, hint: " (mynumber, lgwan or internet)") {
                kind = ZoneKind(rawValue: k.value)
                if kind == nil {
                    error(k.position, k.path, "'\(k.value)' is not a zone kind; expected mynumber, lgwan or internet")
                }
            }
            let label = nonEmptyString(t, "label", in: path, at: at, required: false)
            let networks = prefixes(t, "networks", in: path, at: at, required: true, noun: "network")
            for n in networks ?? [] {
                let key = PrefixKey(n.value)
                if let owner = owners[key], owner.zone != id {
                    error(
                        n.position, n.path,
                        "\(n.value) is in both zone '\(owner.zone)' (line \(owner.line)) and zone '\(id)'; "
                            + "a network belongs to one zone")
                    ok = false
                } else {
                    owners[key] = (id, n.position.line)
                }
            }
            guard ok, let kind, let networks else {
                complete = false
                continue
            }
            zones.append(Zone(id: id, kind: kind, label: label?.value, networks: networks.map(\.value)))
        }
        return (zones, complete)
    }

    private mutating func checkGateways(_ root: TOMLTable) -> [Gateway] {
        var names = NameRegistry()
        var out: [Gateway] = []
        for item in tableArray(root, "gateways") {
            checkKeys(item.value, path: item.path, allowed: ["name", "addresses"])
            let name = self.name(item, registry: &names)
            let addresses = prefixes(
                item.value, "addresses", in: item.path, at: item.position, required: true, noun: "address or network")
            if let name, let addresses {
                out.append(Gateway(name: name, addresses: addresses.map(\.value)))
            }
        }
        return out
    }

    private mutating func checkConduits(_ root: TOMLTable, space: AddressSpace?) -> [Conduit] {
        var names = NameRegistry()
        var out: [Conduit] = []
        for item in tableArray(root, "conduits") {
            checkKeys(item.value, path: item.path, allowed: ["name", "from", "to", "ports"])
            let name = self.name(item, registry: &names)
            let from = endpoint(item, "from")
            let to = endpoint(item, "to")
            let ports = self.ports(item.value, "ports", in: item.path, at: item.position, required: true)
            if let space {
                var touchesMynumber = false
                for side in [from, to] {
                    for p in side?.addresses ?? [] {
                        let reach = space.reach(p.value)
                        for z in reach.zones where space.zones[z].kind == .internet {
                            error(
                                p.position, p.path,
                                "\(p.value) lies in the internet zone '\(space.zones[z].id)'; a conduit towards the "
                                    + "internet zone or an external address is a configuration error")
                        }
                        if reach.external {
                            error(
                                p.position, p.path,
                                "\(p.value) is an external address (in no zone and outside the internal space); a "
                                    + "conduit towards the internet zone or an external address is a configuration "
                                    + "error")
                        }
                        if reach.unzoned && reach.zones.isEmpty {
                            warning(
                                p.position, p.path,
                                "\(p.value) is in the internal space but in no zone; flows to it will still be "
                                    + "reported as unzoned-host until it is given a zone")
                        }
                        if reach.zones.contains(where: { space.zones[$0].kind == .mynumber }) { touchesMynumber = true }
                    }
                }
                if !touchesMynumber, from != nil, to != nil {
                    warning(
                        item.position, item.path,
                        "conduit \(quoted(name, or: item.path)) has neither side in a mynumber zone; conduits exist to let a "
                            + "mynumber zone talk, and other zones do not need them")
                }
            }
            if let name, let from, let to, let ports {
                out.append(
                    Conduit(
                        name: name, from: from.addresses.map(\.value), fromMAC: from.mac, to: to.addresses.map(\.value),
                        toMAC: to.mac, ports: ports))
            }
        }
        return out
    }

    private mutating func checkSanitisation(_ root: TOMLTable, space: AddressSpace?) -> [SanitisationPath] {
        var names = NameRegistry()
        var out: [SanitisationPath] = []
        for item in tableArray(root, "sanitisation") {
            let t = item.value
            checkKeys(t, path: item.path, allowed: ["name", "method", "from", "to", "ports"])
            let name = self.name(item, registry: &names)
            var method: SanitisationMethod?
            let methods = SanitisationMethod.allCases.map(\.rawValue).joined(separator: ", ")
            if let m = string(t, "method", in: item.path, at: item.position, required: true, hint: " (\(methods))") {
                method = SanitisationMethod(rawValue: m.value)
                if method == nil {
                    error(m.position, m.path, "'\(m.value)' is not a sanitisation method; expected \(methods)")
                }
            }
            let from = prefixes(t, "from", in: item.path, at: item.position, required: true, noun: "address or network")
            let to = prefixes(t, "to", in: item.path, at: item.position, required: true, noun: "address or network")
            var ports: [PortSpec]?
            if t["ports"] != nil {
                ports = self.ports(t, "ports", in: item.path, at: item.position, required: true)
            } else if let method {
                if method.defaultPorts.isEmpty {
                    error(
                        item.position, item.path,
                        "missing required key 'ports': a \(method.rawValue) path has no usual ports and must name them")
                } else {
                    ports = method.defaultPorts
                }
            }
            if let space, let from, let to {
                let a = space.kinds(from.map(\.value))
                let b = space.kinds(to.map(\.value))
                let connects =
                    (a.contains(.lgwan) && b.contains(.internet)) || (a.contains(.internet) && b.contains(.lgwan))
                if !connects {
                    warning(
                        item.position, item.path,
                        "sanitisation path \(quoted(name, or: item.path)) does not connect an lgwan zone with an internet zone "
                            + "(from: \(space.describe(from.map(\.value))); to: \(space.describe(to.map(\.value)))), "
                            + "so no flow the policy checks can use it")
                }
            }
            if let name, let method, let from, let to, let ports {
                out.append(
                    SanitisationPath(
                        name: name, method: method, from: from.map(\.value), to: to.map(\.value), ports: ports))
            }
        }
        return out
    }

    private mutating func checkExceptions(_ root: TOMLTable, space: AddressSpace?) -> [PolicyException] {
        var names = NameRegistry()
        var out: [PolicyException] = []
        for item in tableArray(root, "exceptions") {
            let t = item.value
            checkKeys(t, path: item.path, allowed: ["name", "from", "to", "ports", "approved", "expires"])
            let name = self.name(item, registry: &names)
            let from = prefixes(t, "from", in: item.path, at: item.position, required: true, noun: "address or network")
            let to = prefixes(t, "to", in: item.path, at: item.position, required: true, noun: "address or network")
            let ports = self.ports(t, "ports", in: item.path, at: item.position, required: true)
            let approved = nonEmptyString(
                t, "approved", in: item.path, at: item.position, required: true,
                hint: " (who approved the exception, and the reference)")
            let expiry = expires(t, in: item.path, at: item.position)
            if let space {
                for p in (from ?? []) + (to ?? [])
                where space.reach(p.value).zones.contains(where: { space.zones[$0].kind == .mynumber }) {
                    warning(
                        p.position, p.path,
                        "\(p.value) lies in a mynumber zone; an exception never allows a mynumber flow (only a "
                            + "conduit can), so this part of exception \(quoted(name, or: item.path)) has no effect")
                }
            }
            if let expiry, let now, now >= expiry.value.micros {
                let when =
                    expiry.value.isEndOfDay
                    ? "at the end of \(expiry.value.text) (JST)" : "at \(expiry.value.text)"
                warning(
                    expiry.position, expiry.path,
                    "exception \(quoted(name, or: item.path)) expired \(when); it no longer allows any flow")
            }
            if let name, let from, let to, let ports, let approved, let expiry {
                out.append(
                    PolicyException(
                        name: name, from: from.map(\.value), to: to.map(\.value), ports: ports,
                        approved: approved.value, expiresAtMicros: expiry.value.micros, expiresText: expiry.value.text))
            }
        }
        return out
    }

    // MARK: Pieces shared by the sections

    struct Expiry {
        var micros: Int64
        var text: String
        /// A bare date: valid through the end of that day.
        var isEndOfDay: Bool
    }

    /// `expires`: a local date (valid through that day, JST), a local date-time (JST) or an offset date-time.
    private mutating func expires(_ t: TOMLTable, in path: String, at: TOMLPosition) -> Located<Expiry>? {
        let p = join(path, "expires")
        guard let v = t["expires"] else {
            error(at, path, "missing required key 'expires' (a date like 2027-03-31, the last day it applies)")
            return nil
        }
        let jst = Int64(ZonesConfigLoader.japanOffsetMinutes) * 60
        switch v.content {
        case .date(let d):
            let micros = ((d.daysSinceEpoch + 1) * 86_400 - jst) * 1_000_000
            return Located(
                value: Expiry(micros: micros, text: d.description, isEndOfDay: true), position: v.position, path: p)
        case .dateTime(let dt):
            let micros = dt.epochMicros(localOffsetMinutes: ZonesConfigLoader.japanOffsetMinutes)
            return Located(
                value: Expiry(micros: micros, text: dt.description, isEndOfDay: false), position: v.position, path: p)
        case .string(let s):
            error(
                v.position, p,
                "expected a date like 2027-03-31, found the string \"\(s)\"; write the date without quotes")
        case .time:
            error(v.position, p, "a time of day alone is no expiry; write a date like 2027-03-31")
        default:
            typeError(v, p, expected: "a date like 2027-03-31")
        }
        return nil
    }

    /// `from`/`to` of a conduit: `{ addresses = [...], mac = "..." }`.
    private mutating func endpoint(
        _ item: Located<TOMLTable>, _ key: String
    ) -> (addresses: [Located<IPPrefix>], mac: MACAddress?)? {
        let path = join(item.path, key)
        guard let v = item.value[key] else {
            error(
                item.position, item.path, "missing required key '\(key)' (a table like { addresses = [\"10.10.1.5\"] })"
            )
            return nil
        }
        guard let t = v.table else {
            typeError(v, path, expected: "a table like { addresses = [\"10.10.1.5\"], mac = \"02:00:00:00:01:05\" }")
            return nil
        }
        checkKeys(t, path: path, allowed: ["addresses", "mac"])
        let addresses = prefixes(t, "addresses", in: path, at: v.position, required: true, noun: "address or network")
        var mac: MACAddress?
        var macOK = true
        if let m = string(t, "mac", in: path, at: v.position, required: false) {
            mac = parseMAC(m.value)
            if mac == nil {
                error(m.position, m.path, "'\(m.value)' is not a MAC address like 02:00:00:00:01:05")
                macOK = false
            }
        } else if t["mac"] != nil {
            macOK = false
        }
        guard let addresses, macOK else { return nil }
        return (addresses, mac)
    }

    /// The `name` of an entry of an array of tables, checked to be unique in its section.
    private mutating func name(_ item: Located<TOMLTable>, registry: inout NameRegistry) -> String? {
        guard let n = nonEmptyString(item.value, "name", in: item.path, at: item.position, required: true) else {
            return nil
        }
        if let first = registry.seen[n.value] {
            error(n.position, n.path, "the name '\(n.value)' is already used by \(first.path) (line \(first.line))")
            return nil
        }
        registry.seen[n.value] = (item.path, n.position.line)
        return n.value
    }

    /// `[[key]]` entries (or a static array of inline tables), each a table.
    private mutating func tableArray(_ root: TOMLTable, _ key: String) -> [Located<TOMLTable>] {
        guard let v = root[key] else { return [] }
        guard let items = v.array else {
            typeError(v, key, expected: "an array of tables, written [[\(key)]]")
            return []
        }
        var out: [Located<TOMLTable>] = []
        for (n, e) in items.enumerated() {
            let path = "\(key)[\(n)]"
            if let t = e.table {
                out.append(Located(value: t, position: e.position, path: path))
            } else {
                typeError(e, path, expected: "a table")
            }
        }
        return out
    }

    /// A list of CIDR prefixes or single addresses. Host bits set and repeats are warnings (repeats are
    /// dropped); nil when the key is missing, not an array, or empty.
    private mutating func prefixes(
        _ t: TOMLTable, _ key: String, in path: String, at: TOMLPosition, required: Bool, noun: String
    ) -> [Located<IPPrefix>]? {
        let p = join(path, key)
        guard let v = t[key] else {
            if required { error(at, path, "missing required key '\(key)' (a list of \(noun)s)") }
            return nil
        }
        guard let items = v.array else {
            typeError(v, p, expected: "an array of \(noun)s like [\"10.0.0.0/8\"]")
            return nil
        }
        if items.isEmpty {
            error(v.position, p, "must list at least one \(noun)")
            return nil
        }
        var out: [Located<IPPrefix>] = []
        var seen: [PrefixKey: Int] = [:]
        for (n, e) in items.enumerated() {
            let ep = "\(p)[\(n)]"
            guard let s = e.string else {
                typeError(e, ep, expected: "a string like \"10.0.0.0/8\"")
                continue
            }
            guard let parsed = IPPrefix(s) else {
                error(e.position, ep, "'\(s)' is not an IPv4 or IPv6 \(noun)")
                continue
            }
            let prefix = IPPrefix(address: parsed.address, length: parsed.length)
            if parsed.hadHostBits {
                warning(e.position, ep, "'\(s)' has host bits set beyond the prefix length; it is read as \(prefix)")
            }
            if let first = seen[PrefixKey(prefix)] {
                warning(e.position, ep, "\(prefix) is listed twice (also \(p)[\(first)])")
                continue
            }
            seen[PrefixKey(prefix)] = n
            out.append(Located(value: prefix, position: e.position, path: ep))
        }
        return out
    }

    private mutating func ports(
        _ t: TOMLTable, _ key: String, in path: String, at: TOMLPosition, required: Bool
    ) -> [PortSpec]? {
        let p = join(path, key)
        guard let v = t[key] else {
            if required { error(at, path, "missing required key '\(key)' (like [\"tcp/443\"])") }
            return nil
        }
        guard let items = v.array else {
            typeError(v, p, expected: "an array of ports like [\"tcp/443\", \"udp/53\"]")
            return nil
        }
        if items.isEmpty {
            error(v.position, p, "must list at least one port (tcp/N, udp/N, tcp/N-M, udp/N-M, icmp or any)")
            return nil
        }
        var out: [PortSpec] = []
        var ok = true
        for (n, e) in items.enumerated() {
            let ep = "\(p)[\(n)]"
            guard let s = e.string else {
                typeError(e, ep, expected: "a string like \"tcp/443\"")
                ok = false
                continue
            }
            switch PortSpec.parse(s) {
            case .success(let spec): out.append(spec)
            case .failure(let why):
                error(e.position, ep, "'\(s)' is not a port: \(why.reason)")
                ok = false
            }
        }
        return ok ? out : nil
    }

    private mutating func string(
        _ t: TOMLTable, _ key: String, in path: String, at: TOMLPosition, required: Bool, hint: String = ""
    ) -> Located<String>? {
        let p = join(path, key)
        guard let v = t[key] else {
            if required { error(at, path, "missing required key '\(key)'\(hint)") }
            return nil
        }
        guard let s = v.string else {
            typeError(v, p, expected: "a string")
            return nil
        }
        return Located(value: s, position: v.position, path: p)
    }

    private mutating func nonEmptyString(
        _ t: TOMLTable, _ key: String, in path: String, at: TOMLPosition, required: Bool, hint: String = ""
    ) -> Located<String>? {
        guard let s = string(t, key, in: path, at: at, required: required, hint: hint) else { return nil }
        if s.value.allSatisfy(\.isWhitespace) {
            error(s.position, s.path, "must not be empty")
            return nil
        }
        return s
    }

    private mutating func tableOf(_ v: TOMLValue, path: String, expected: String? = nil) -> TOMLTable? {
        if let t = v.table { return t }
        typeError(v, path, expected: expected ?? "a table [\(path)]")
        return nil
    }

    /// Unknown keys, each an error listing the allowed ones (and the nearest, for a likely typo).
    private mutating func checkKeys(_ t: TOMLTable, path: String, allowed: [String]) {
        for e in t.entries where !allowed.contains(e.key) {
            var message = "unknown key '\(e.key)'"
            if let near = nearest(e.key, among: allowed) { message += " (did you mean '\(near)'?)" }
            message += "; allowed keys: " + allowed.joined(separator: ", ")
            error(e.keyPosition, join(path, e.key), message)
        }
    }

    // MARK: Reporting

    private mutating func typeError(_ v: TOMLValue, _ path: String, expected: String) {
        error(v.position, path, "expected \(expected), found \(article(v.typeName))")
    }

    private mutating func error(_ at: TOMLPosition?, _ path: String, _ message: String) {
        diagnostics.append(
            ConfigDiagnostic(
                severity: .error, fileName: fileName, line: at?.line, column: at?.column, keyPath: path,
                message: message))
    }

    private mutating func warning(_ at: TOMLPosition?, _ path: String, _ message: String) {
        diagnostics.append(
            ConfigDiagnostic(
                severity: .warning, fileName: fileName, line: at?.line, column: at?.column, keyPath: path,
                message: message))
    }

    /// `'name'`, or the entry's key path when it has no usable name.
    private func quoted(_ name: String?, or path: String) -> String {
        name.map { "'\($0)'" } ?? path
    }

    private func join(_ path: String, _ key: String) -> String {
        path.isEmpty ? tomlKeyText(key) : path + "." + tomlKeyText(key)
    }
}

struct NameRegistry {
    var seen: [String: (path: String, line: Int)] = [:]
}

/// A prefix by its bits only (`IPPrefix` equality also compares `hadHostBits`).
struct PrefixKey: Hashable {
    var first: UInt128
    var length: Int
    init(_ p: IPPrefix) {
        first = p.first
        length = p.length
    }
}

/// `02:00:00:00:01:05` or `02-00-00-00-01-05`, strictly: six pairs of hex digits, one kind of separator.
func parseMAC(_ text: String) -> MACAddress? {
    let u = Array(text.unicodeScalars)
    guard u.count == 17 else { return nil }
    let separator = u[2]
    guard separator == ":" || separator == "-" else { return nil }
    for (k, c) in u.enumerated() {
        if k % 3 == 2 {
            guard c == separator else { return nil }
        } else {
            guard c.properties.isASCIIHexDigit else { return nil }
        }
    }
    return MACAddress(text)
}

/// The allowed key within edit distance 2 of a misspelt one, if any (the nearest, first on ties).
func nearest(_ word: String, among candidates: [String]) -> String? {
    let w = Array(word.lowercased())
    var best: (String, Int)?
    for c in candidates {
        let d = editDistance(w, Array(c))
        if d <= 2 && d < (best?.1 ?? Int.max) { best = (c, d) }
    }
    return best?.0
}

/// Levenshtein distance.
func editDistance(_ a: [Character], _ b: [Character]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var row = Array(0...b.count)
    for i in 1...a.count {
        var diagonal = row[0]
        row[0] = i
        for j in 1...b.count {
            let above = row[j]
            row[j] = min(above + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1))
            diagonal = above
        }
    }
    return row[b.count]
}

// MARK: - Which zones an address list reaches

/// The zones and the internal space, to tell which zones a declared address or network falls in.
struct AddressSpace {
    let zones: [Zone]
    let internalSpace: [IPPrefix]
    private let networks: [(prefix: IPPrefix, zone: Int)]

    init(zones: [Zone], internal internalSpace: [IPPrefix]) {
        self.zones = zones
        self.internalSpace = internalSpace
        networks = zones.enumerated().flatMap { z in z.element.networks.map { ($0, z.offset) } }
    }

    struct Reach {
        /// Indexes into `zones` that some address of the prefix belongs to (most specific network wins).
        var zones: Set<Int> = []
        /// Some address of the prefix is in no zone and outside the internal space.
        var external = false
        /// Some address of the prefix is in no zone but inside the internal space.
        var unzoned = false
    }

    func reach(_ p: IPPrefix) -> Reach {
        var r = Reach()
        // Networks inside p keep their own addresses; the rest of p goes to the most specific
        // network holding all of p, or else is unzoned or external.
        let inner = networks.filter { $0.prefix.length > p.length && p.contains($0.prefix.address) }
        for n in inner { r.zones.insert(n.zone) }
        if AddressSpace.covers(p, inner.map(\.prefix)) { return r }
        let enclosing = networks.filter { $0.prefix.length <= p.length && $0.prefix.contains(p.address) }
            .max { $0.prefix.length < $1.prefix.length }
        if let enclosing {
            r.zones.insert(enclosing.zone)
            return r
        }
        if !AddressSpace.covers(p, inner.map(\.prefix) + internalSpace) { r.external = true }
        if internalSpace.contains(where: { AddressSpace.overlaps($0, p) }) { r.unzoned = true }
        return r
    }

    func kinds(_ prefixes: [IPPrefix]) -> Set<ZoneKind> {
        var out: Set<ZoneKind> = []
        for p in prefixes { for z in reach(p).zones { out.insert(zones[z].kind) } }
        return out
    }

    /// "lgwan, external": the zones and address classes a list reaches, for messages.
    func describe(_ prefixes: [IPPrefix]) -> String {
        var ids: Set<Int> = []
        var external = false
        var unzoned = false
        for p in prefixes {
            let r = reach(p)
            ids.formUnion(r.zones)
            external = external || r.external
            unzoned = unzoned || r.unzoned
        }
        var parts = ids.sorted().map { "\(zones[$0].id) (\(zones[$0].kind.rawValue))" }
        if unzoned { parts.append("unzoned") }
        if external { parts.append("external") }
        return parts.joined(separator: ", ")
    }

    static func overlaps(_ a: IPPrefix, _ b: IPPrefix) -> Bool {
        a.length <= b.length ? a.contains(b.address) : b.contains(a.address)
    }

    /// Whether the union of `parts` covers every address of `p`.
    static func covers(_ p: IPPrefix, _ parts: [IPPrefix]) -> Bool {
        var ranges: [(UInt128, UInt128)] = []
        for q in parts where overlaps(p, q) {
            if q.length <= p.length { return true }
            ranges.append((q.first, q.last))
        }
        ranges.sort { $0.0 < $1.0 }
        var next = p.first
        for (lo, hi) in ranges {
            if lo > next { return false }
            if hi >= p.last { return true }
            if hi >= next { next = hi + 1 }
        }
        return false
    }
}
