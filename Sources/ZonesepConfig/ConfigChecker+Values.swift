import ZonesepCore

/// Typed reads of keys (lists of prefixes and ports, strings, tables), each reporting what is wrong.
extension ConfigChecker {
    /// `[[key]]` entries (or a static array of inline tables), each a table.
    mutating func tableArray(_ root: TOMLTable, _ key: String) -> [Located<TOMLTable>] {
        guard let v = root[key] else { return [] }
        guard let items = v.array else {
            typeError(v, ConfigPath(key), expected: "an array of tables, written [[\(key)]]")
            return []
        }
        var out: [Located<TOMLTable>] = []
        out.reserveCapacity(items.count)
        // By index through the buffer: `enumerated()` copied each element, as a value of any type.
        items.withUnsafeBufferPointer { items in
            for n in items.indices {
                let path = ConfigPath(key).index(n)
                if case .table(let t) = items[n].content {
                    out.append(Located(value: t, position: items[n].position, path: path))
                } else {
                    typeError(items[n], path, expected: "a table")
                }
            }
        }
        return out
    }

    /// A list of CIDR prefixes or single addresses. Host bits set and repeats are warnings (repeats are
    /// dropped); nil when the key is missing, not an array, or empty.
    mutating func prefixes(
        _ t: TOMLTable, _ key: String, in path: ConfigPath, at: TOMLPosition, required: Bool, noun: String
    ) -> [Located<IPPrefix>]? {
        prefixes(t[key], key, in: path, at: at, required: required, noun: noun)
    }

    /// The same for the value `given` under `key` (nil when the key is absent).
    mutating func prefixes(
        _ given: TOMLValue?, _ key: String, in path: ConfigPath, at: TOMLPosition, required: Bool, noun: String
    ) -> [Located<IPPrefix>]? {
        // Spelled only for a diagnostic.
        var p: ConfigPath { join(path, key) }
        guard let v = given else {
            if required { error(at, path, "missing required key '\(key)' (a list of \(Self.plural(noun)))") }
            return nil
        }
        guard let items = v.array else {
            typeError(v, p, expected: "an array of \(Self.plural(noun)) like [\"10.0.0.0/8\"]")
            return nil
        }
        if items.isEmpty {
            error(v.position, p, "must list at least one \(noun)")
            return nil
        }
        var out: [Located<IPPrefix>] = []
        out.reserveCapacity(items.count)
        // Where each prefix was first listed, for repeats: searched in order while the list is short (a
        // declaration lists a few), hashed once it is long (a zone may list hundreds).
        var seen: [PrefixKey: Int] = [:]
        // The list index of each kept prefix, written out only once an entry has been left out (until
        // then the two are the same, and a declaration's short list needs no array for it).
        var firstIndex: [Int] = []
        var leftOut = false
        func listIndex(_ k: Int) -> Int { leftOut ? firstIndex[k] : k }
        func leaveOut() {
            if !leftOut {
                leftOut = true
                firstIndex.reserveCapacity(items.count)
                firstIndex.append(contentsOf: 0..<out.count)
            }
        }
        func earlier(_ key: PrefixKey) -> Int? {
            if out.count <= 16 {
                for (k, q) in out.enumerated() where PrefixKey(q.value) == key { return listIndex(k) }
                return nil
            }
            if seen.isEmpty { for (k, q) in out.enumerated() { seen[PrefixKey(q.value)] = listIndex(k) } }
            return seen[key]
        }
        for n in items.indices {
            // Read in place rather than as a copy of each element (a value of any type, so not a plain copy).
            let position = items[n].position
            guard let s = items[n].string else {
                typeError(items[n], p.index(n), expected: "a string like \"10.0.0.0/8\"")
                leaveOut()
                continue
            }
            // The usual IPv4 text straight from its bytes; IPv6 and mistakes by the general reading.
            let prefix: IPPrefix
            let hadHostBits: Bool
            if let v4 = IPv4PrefixText.parse(s) {
                (prefix, hadHostBits) = v4
            } else if let parsed = IPPrefix(s) {
                prefix = IPPrefix(address: parsed.address, length: parsed.length)
                hadHostBits = parsed.hadHostBits
            } else {
                error(position, p.index(n), "'\(s)' is not an IPv4 or IPv6 \(noun)")
                leaveOut()
                continue
            }
            if hadHostBits {
                warning(
                    position, p.index(n), "'\(s)' has host bits set beyond the prefix length; it is read as \(prefix)")
            }
            // ::/0 is the usual "every IPv6 address"; a longer prefix around the IPv4-mapped block was most
            // likely meant to hold IPv4 addresses, which it does not.
            if prefix.coversIPv4Block && prefix.length > 0 {
                warning(
                    position, p.index(n),
                    "\(prefix) is an IPv6 prefix around the IPv4-mapped block ::ffff:0:0/96 and matches IPv6 "
                        + "addresses only, no IPv4 address; name IPv4 addresses by IPv4 prefixes (such as 0.0.0.0/0)")
            }
            if let first = earlier(PrefixKey(prefix)) {
                warning(position, p.index(n), "\(prefix) is listed twice (also \(p)[\(first)])")
                leaveOut()
                continue
            }
            if !seen.isEmpty { seen[PrefixKey(prefix)] = n }
            out.append(Located(value: prefix, position: position, in: path, key: key, index: n))
            if leftOut { firstIndex.append(n) }
        }
        return out
    }

    mutating func ports(
        _ t: TOMLTable, _ key: String, in path: ConfigPath, at: TOMLPosition, required: Bool
    ) -> [PortSpec]? {
        ports(t[key], key, in: path, at: at, required: required)
    }

    /// The same for the value `given` under `key` (nil when the key is absent).
    mutating func ports(
        _ given: TOMLValue?, _ key: String, in path: ConfigPath, at: TOMLPosition, required: Bool
    ) -> [PortSpec]? {
        // The key paths are spelled only for a diagnostic: a policy lists ports in every declaration.
        guard let v = given else {
            if required { error(at, path, "missing required key '\(key)' (like [\"tcp/443\"])") }
            return nil
        }
        guard let items = v.array else {
            typeError(v, join(path, key), expected: "an array of ports like [\"tcp/443\", \"udp/53\"]")
            return nil
        }
        if items.isEmpty {
            error(
                v.position, join(path, key), "must list at least one port (tcp/N, udp/N, tcp/N-M, udp/N-M, icmp or any)"
            )
            return nil
        }
        var out: [PortSpec] = []
        out.reserveCapacity(items.count)
        var ok = true
        // By index through the buffer: `enumerated()` copied each element (1,220 instructions a list of
        // ports to 970 by callgrind).
        items.withUnsafeBufferPointer { items in
            for n in items.indices {
                guard case .string(let s) = items[n].content else {
                    typeError(items[n], join(path, key).index(n), expected: "a string like \"tcp/443\"")
                    ok = false
                    continue
                }
                switch PortSpec.parse(s) {
                case .success(let spec): out.append(spec)
                case .failure(let why):
                    error(items[n].position, join(path, key).index(n), "'\(s)' is not a port: \(why.reason)")
                    ok = false
                }
            }
        }
        return ok ? out : nil
    }

    mutating func string(
        _ t: TOMLTable, _ key: String, in path: ConfigPath, at: TOMLPosition, required: Bool, hint: String = ""
    ) -> Located<String>? {
        string(t[key], key, in: path, at: at, required: required, hint: hint)
    }

    /// The same for the value `given` under `key` (nil when the key is absent).
    mutating func string(
        _ given: TOMLValue?, _ key: String, in path: ConfigPath, at: TOMLPosition, required: Bool, hint: String = ""
    ) -> Located<String>? {
        guard let v = given else {
            if required { error(at, path, "missing required key '\(key)'\(hint)") }
            return nil
        }
        guard let s = v.string else {
            typeError(v, join(path, key), expected: "a string")
            return nil
        }
        return Located(value: s, position: v.position, in: path, key: key)
    }

    mutating func nonEmptyString(
        _ t: TOMLTable, _ key: String, in path: ConfigPath, at: TOMLPosition, required: Bool, hint: String = ""
    ) -> Located<String>? {
        nonEmptyString(t[key], key, in: path, at: at, required: required, hint: hint)
    }

    /// The same for the value `given` under `key` (nil when the key is absent).
    mutating func nonEmptyString(
        _ given: TOMLValue?, _ key: String, in path: ConfigPath, at: TOMLPosition, required: Bool, hint: String = ""
    ) -> Located<String>? {
        guard let s = string(given, key, in: path, at: at, required: required, hint: hint) else { return nil }
        if ConfigChecker.isBlank(s.value) {
            error(s.position, s.path, "must not be empty")
            return nil
        }
        return s
    }

    /// Whether every character of `s` is whitespace. A byte below 0x80 that is not ASCII whitespace
    /// starts a character of its own that is not whitespace, so most names are decided by their first
    /// byte without walking their characters (every name and approval is asked this).
    static func isBlank(_ s: String) -> Bool {
        for b in s.utf8 {
            if b < 0x80 && !(b == 0x20 || (0x09...0x0d).contains(b)) { return false }
        }
        return s.allSatisfy(\.isWhitespace)
    }

    mutating func tableOf(_ v: TOMLValue, path: ConfigPath, expected: String? = nil) -> TOMLTable? {
        if let t = v.table { return t }
        typeError(v, path, expected: expected ?? "a table [\(path)]")
        return nil
    }

    /// Unknown keys, each an error listing the allowed ones (and the nearest, for a likely typo).
    /// "addresses or networks": the nouns `prefixes` is given, in the plural.
    static func plural(_ noun: String) -> String {
        noun == "address or network" ? "addresses or networks" : noun + "s"
    }

    /// `placed` says, for a key that belongs elsewhere, where it goes.
    mutating func checkKeys(_ t: TOMLTable, path: ConfigPath, allowed: [String], placed: [String: String] = [:]) {
        for e in t.entries where !allowed.contains(e.key) {
            unknownKey(e, path: path, allowed: allowed, placed: placed[e.key])
        }
    }

    private mutating func unknownKey(
        _ e: TOMLTable.Entry, path: ConfigPath, allowed: [String], placed: String? = nil
    ) {
        var message = "unknown key '\(e.key)'"
        if let placed {
            message += " here: \(placed)"
        } else if let near = nearest(e.key, among: allowed) {
            message += " (did you mean '\(near)'?)"
        }
        message += "; allowed keys: " + allowed.joined(separator: ", ")
        error(e.keyPosition, join(path, e.key), message)
    }

    /// `checkKeys`, also finding where each allowed key is (`Fields`). Keys written in the order of
    /// `allowed`, as a generated policy's are, are each matched by one comparison of equal strings (the
    /// fast one): searching the table for each key in turn, and `allowed` for each of its keys, compared
    /// tens of unequal strings an entry, each the slow way.
    mutating func fields(_ t: TOMLTable, path: ConfigPath, allowed: [String]) -> Fields {
        var out = Fields()
        for (n, e) in t.entries.enumerated() {
            if n < allowed.count && n < Fields.capacity && e.key == allowed[n] {
                out.at[n] = Int32(n)
            } else if let k = allowed.firstIndex(of: e.key) {
                if k < Fields.capacity { out.at[k] = Int32(n) }
            } else {
                unknownKey(e, path: path, allowed: allowed)
            }
        }
        return out
    }

    /// `vxlan_ports` / `geneve_ports`: UDP port numbers 1–65535 (repeats are warnings and dropped); nil
    /// when the key is absent or wrong. An empty list turns the decoding of that tunnel off.
    mutating func udpPorts(_ t: TOMLTable, _ key: String, in path: ConfigPath, at: TOMLPosition) -> [Located<UInt16>]? {
        let p = join(path, key)
        guard let v = t[key] else { return nil }
        guard let items = v.array else {
            typeError(v, p, expected: "an array of UDP port numbers like [4789]")
            return nil
        }
        var out: [Located<UInt16>] = []
        var ok = true
        for (n, e) in items.enumerated() {
            let ep = p.index(n)
            guard let port = e.integer else {
                typeError(e, ep, expected: "a UDP port number (an integer 1-65535)")
                ok = false
                continue
            }
            guard (1...65535).contains(port) else {
                error(e.position, ep, "\(port) is not a UDP port number (1-65535)")
                ok = false
                continue
            }
            if out.contains(where: { $0.value == UInt16(port) }) {
                warning(e.position, ep, "port \(port) is listed twice")
                continue
            }
            out.append(Located(value: UInt16(port), position: e.position, path: ep))
        }
        return ok ? out : nil
    }

    /// A zone's `vlans`: VLAN ids 1–4094 (0 means untagged and 4095 is reserved); repeats are warnings.
    mutating func vlans(_ t: TOMLTable, in path: ConfigPath, at: TOMLPosition) -> [Located<UInt16>]? {
        let p = join(path, "vlans")
        guard let v = t["vlans"] else { return nil }
        guard let items = v.array else {
            typeError(v, p, expected: "an array of VLAN ids like [120, 121]")
            return nil
        }
        if items.isEmpty {
            error(v.position, p, "must list at least one VLAN id (1-4094), or leave the key out")
            return nil
        }
        var out: [Located<UInt16>] = []
        var ok = true
        for (n, e) in items.enumerated() {
            let ep = p.index(n)
            guard let id = e.integer else {
                typeError(e, ep, expected: "a VLAN id (an integer 1-4094)")
                ok = false
                continue
            }
            guard (1...4094).contains(id) else {
                error(e.position, ep, "\(id) is not a VLAN id (1-4094; 0 is untagged and 4095 reserved)")
                ok = false
                continue
            }
            if out.contains(where: { $0.value == UInt16(id) }) {
                warning(e.position, ep, "VLAN \(id) is listed twice")
                continue
            }
            out.append(Located(value: UInt16(id), position: e.position, path: ep))
        }
        return ok ? out : nil
    }

    /// A router's `macs`: at least one, each `02:00:00:00:01:05` or with hyphens. The valid ones are
    /// returned even when others are not, so that they are checked further; nil when the key is missing,
    /// not an array, or empty.
    mutating func macs(_ t: TOMLTable, in path: ConfigPath, at: TOMLPosition) -> [Located<MACAddress>]? {
        let p = join(path, "macs")
        guard let v = t["macs"] else {
            error(at, path, "missing required key 'macs' (a list like [\"00:1a:2b:3c:4d:5e\"])")
            return nil
        }
        guard let items = v.array else {
            typeError(v, p, expected: "an array of MAC addresses like [\"00:1a:2b:3c:4d:5e\"]")
            return nil
        }
        if items.isEmpty {
            error(v.position, p, "must list at least one MAC address")
            return nil
        }
        var out: [Located<MACAddress>] = []
        for (n, e) in items.enumerated() {
            let ep = p.index(n)
            guard let s = e.string else {
                typeError(e, ep, expected: "a string like \"00:1a:2b:3c:4d:5e\"")
                continue
            }
            guard let mac = parseMAC(s) else {
                error(e.position, ep, "'\(s)' is not a MAC address like 00:1a:2b:3c:4d:5e")
                continue
            }
            out.append(Located(value: mac, position: e.position, path: ep))
        }
        return out
    }
}

/// Where each allowed key of a table is among its entries, by the key's place in the allowed list (at
/// most eight keys): a plain value, with no array or copies of values made.
struct Fields {
    static let capacity = 8
    /// Entry index for each allowed key; -1 when the table does not have it.
    var at = SIMD8<Int32>(repeating: -1)

    /// The value of allowed key `k` in `t`, or nil.
    func value(_ k: Int, in t: TOMLTable) -> TOMLValue? {
        let n = Int(at[k])
        return n < 0 ? nil : t.entries[n].value
    }
}
