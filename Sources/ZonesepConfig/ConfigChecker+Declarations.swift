import ZonesepCore

/// The declaration sections: gateways, conduits, sanitisation paths and exceptions.
extension ConfigChecker {
    /// `[[routers]]`: a name and the MACs the device forwards under; a MAC belongs to one router.
    mutating func checkRouters(_ root: TOMLTable) -> [Router] {
        var names = NameRegistry()
        var owners: [MACAddress: (router: String, line: Int)] = [:]
        var out: [Router] = []
        for item in tableArray(root, "routers") {
            checkKeys(item.value, path: item.path, allowed: ["name", "macs"])
            let name = self.name(item, registry: &names)
            let errorsBefore = errorCount
            let macs = self.macs(item.value, in: item.path, at: item.position)
            var ok = macs != nil && errorCount == errorsBefore
            var seen = Set<MACAddress>()
            for m in macs ?? [] {
                if !seen.insert(m.value).inserted {
                    warning(m.position, m.path, "\(m.value) is listed twice in this router")
                } else if let owner = owners[m.value] {
                    error(
                        m.position, m.path,
                        "\(m.value) is already a MAC of router '\(VisibleText.escape(owner.router))' (line \(owner.line)); "
                            + "a MAC belongs to one router")
                    ok = false
                } else {
                    owners[m.value] = (name ?? item.path.description, m.position.line)
                }
            }
            if ok, let name, let macs {
                var unique = Set<MACAddress>()
                out.append(Router(name: name, macs: macs.map(\.value).filter { unique.insert($0).inserted }))
            }
        }
        return out
    }

    mutating func checkGateways(_ root: TOMLTable, space: AddressSpace?) -> [Gateway] {
        var names = NameRegistry()
        var out: [Gateway] = []
        let items = tableArray(root, "gateways")
        // What a gateway holding every external address of a family holds, found once.
        let external = items.isEmpty ? nil : space.map { s in [true, false].map { s.externalRanges(ipv4: $0) } }
        for item in items {
            checkKeys(item.value, path: item.path, allowed: ["name", "addresses"])
            let name = self.name(item, registry: &names)
            let shown = quoted(name ?? writtenName(item.value["name"]), or: item.path)
            let addresses = prefixes(
                item.value, "addresses", in: item.path, at: item.position, required: true, noun: "address or network")
            if let space, let external, let addresses {
                gatewayCatchAll(item, addresses, external: external, gateway: shown)
                for p in addresses { gatewayAddress(p, space: space, gateway: shown) }
            }
            if let name, let addresses {
                out.append(Gateway(name: name, addresses: addresses.map(\.value)))
            }
        }
        return out
    }

    /// A gateway that holds every external address of a family, or half of all its addresses, lets every
    /// flow between an internet zone and the Internet it holds pass as going to the security cloud: the
    /// rule reads as on and is off.
    mutating func gatewayCatchAll(
        _ item: Located<TOMLTable>, _ addresses: [Located<IPPrefix>], external: [[(first: UInt128, last: UInt128)]],
        gateway: String
    ) {
        let advice = "so the rule is off for them while it reads as on; name the security cloud's own addresses"
        var warned: Set<Bool> = []
        for p in addresses {
            guard let share = AddressSpace.catchAll(p.value) else { continue }
            warned.insert(p.value.isIPv4)
            let flows =
                p.value.displayLength == 0
                ? "an external \(p.value.isIPv4 ? "IPv4" : "IPv6") address" : "an external address in it"
            warning(
                p.position, p.path,
                "\(p.value) (\(share)) makes gateway \(gateway) a catch-all: it waives security-cloud-bypass for every "
                    + "flow between an internet zone and \(flows), \(advice)")
        }
        for (family, ipv4) in [true, false].enumerated() where !warned.contains(ipv4) {
            let own = addresses.map(\.value).filter { $0.isIPv4 == ipv4 }
            guard AddressSpace.hold(own, all: external[family]) else { continue }
            let v = ipv4 ? "IPv4" : "IPv6"
            warning(
                item.value["addresses"]?.position ?? item.position, join(item.path, "addresses"),
                "the addresses of gateway \(gateway) hold every external \(v) address (in no zone and outside the "
                    + "internal space), which makes it a catch-all: it waives security-cloud-bypass for every flow "
                    + "between an internet zone and an external \(v) address, \(advice)")
        }
    }

    /// security-cloud-bypass asks whether an external responder is a gateway: an address inside a zone, the
    /// internal space or a local range is never asked, and a gateway there allows nothing. A network that
    /// also reaches external addresses is said to, with everything it reaches, when part of it is in a zone
    /// or the internal space (its local part alone is no mistake worth a word: every wide network has one).
    mutating func gatewayAddress(_ p: Located<IPPrefix>, space: AddressSpace, gateway: String) {
        let reach = space.reach(p.value)
        let where_: String
        var there = "there"
        if reach.external {
            guard !reach.zones.isEmpty || reach.unzoned else { return }
            let inZone = reach.zones.isEmpty ? [] : ["a zone"]
            let unzoned = reach.unzoned ? ["the internal space outside the zones"] : []
            where_ =
                "overlaps \((inZone + unzoned).joined(separator: " and ")) besides reaching external addresses (all "
                + "it reaches: \(space.describe([p.value])))"
            there = "in that part"
        } else if reach.isOneZone {
            where_ = "lies in \(space.describe([p.value]))"
        } else if reach.zones.isEmpty && !reach.local {
            where_ = "is in the internal space but in no zone (flows to it are unzoned-host)"
        } else if reach.zones.isEmpty && !reach.unzoned {
            where_ = "is \(Self.localText)"
        } else {
            where_ = "reaches no external address (only \(space.describe([p.value])))"
        }
        warning(
            p.position, p.path,
            "\(p.value) \(where_); gateway \(gateway) never takes effect \(there): the security-cloud rule looks only at "
                + "external addresses (in no zone and outside the internal space)")
    }

    mutating func checkConduits(_ root: TOMLTable, space: AddressSpace?) -> [Conduit] {
        var names = NameRegistry()
        var out: [Conduit] = []
        for item in tableArray(root, "conduits") {
            checkKeys(item.value, path: item.path, allowed: ["name", "from", "to", "ports"], placed: Self.endpointKeys)
            let name = self.name(item, registry: &names)
            let shown = quoted(name ?? writtenName(item.value["name"]), or: item.path)
            let from = endpoint(item, "from")
            let to = endpoint(item, "to")
            let ports = self.ports(item.value, "ports", in: item.path, at: item.position, required: true)
            if let from, let to { differentFamilies(from.addresses, to.addresses, "conduit", shown, item) }
            if let space {
                var touchesMynumber = false
                for side in [from, to] {
                    for p in side?.addresses ?? [] {
                        conduitAddress(p, space: space, conduit: shown)
                        if space.reach(p.value).zones.contains(where: { space.zones[$0].kind == .mynumber }) {
                            touchesMynumber = true
                        }
                    }
                }
                if !touchesMynumber, from != nil, to != nil {
                    warning(
                        item.position, item.path,
                        "conduit \(shown) has neither side in a mynumber zone; conduits exist to let a "
                            + "mynumber zone talk, and other zones do not need them")
                }
            }
            // With a MAC named, a side is one device, however wide its addresses.
            if let space, let from, let to, let ports, from.mac == nil, to.mac == nil {
                wholeZones(
                    item, from: from.addresses.map(\.value), to: to.addresses.map(\.value), ports: ports, space: space,
                    what: "conduit \(shown)", rule: .mynumberIsolation, advice: Self.conduitAdvice,
                    pair: Self.mynumberAndLGWAN)
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

    /// A conduit's keys that belong inside `from` or `to`, written at its top level: said where they go.
    static let endpointKeys = [
        "mac":
            "a conduit's MAC goes inside 'from' or 'to', as from = { addresses = [\"10.10.1.5\"], mac = \"02:00:0a:0a:01:05\" }",
        "addresses":
            "a conduit's addresses go inside 'from' and 'to', as from = { addresses = [\"10.10.1.5\"] }",
    ]

    static let conduitAdvice = "name the hosts (with their MACs) and the ports the link is for"

    /// A mynumber zone and an lgwan zone, either way round: the pairs a conduit may open (towards an
    /// internet zone it is refused, and that error says enough).
    static func mynumberAndLGWAN(_ a: ZoneKind, _ b: ZoneKind) -> Bool {
        (a == .mynumber && b == .lgwan) || (a == .lgwan && b == .mynumber)
    }

    /// An lgwan zone and an internet zone, either way round: the pairs sanitisation-bypass judges.
    static func lgwanAndInternet(_ a: ZoneKind, _ b: ZoneKind) -> Bool {
        (a == .lgwan && b == .internet) || (a == .internet && b == .lgwan)
    }

    /// A sanitisation path is one direction, from the side that connects: one whose `from` and `to` each
    /// reach an lgwan and an internet zone (of one family) also lets the internet zone connect into the
    /// lgwan zone, which the rule exists to stop.
    mutating func bothWays(
        _ item: Located<TOMLTable>, from: [IPPrefix], to: [IPPrefix], space: AddressSpace, path: String
    ) {
        for ipv4 in [true, false] {
            let a = space.kinds(from.filter { $0.isIPv4 == ipv4 })
            let b = space.kinds(to.filter { $0.isIPv4 == ipv4 })
            guard a.contains(.lgwan), a.contains(.internet), b.contains(.lgwan), b.contains(.internet) else { continue }
            warning(
                item.position, item.path,
                "sanitisation path \(path) runs both ways: its 'from' and its 'to' each reach an lgwan and an internet "
                    + "zone (from: \(space.describe(from)); to: \(space.describe(to))), so it also lets the internet "
                    + "side connect into the lgwan side; a path is one direction, from the side that connects: declare "
                    + "each direction that is meant as a path of its own")
            return
        }
    }

    /// "local (broadcast, ...)": what a message says of an address the rules never judge.
    static let localText =
        "local (broadcast, multicast, loopback, link-local or unspecified), and the rules allow every flow with a "
        + "local end before any declaration is looked at"

    /// One address or network of a conduit: refused where any of it is in an internet zone or external
    /// (saying whether all of it is, or which part), else warned about where part of it can never use the
    /// conduit (in no zone, or local). One diagnostic a prefix: a warning beside the error would contradict it.
    mutating func conduitAddress(_ p: Located<IPPrefix>, space: AddressSpace, conduit: String) {
        let reach = space.reach(p.value)
        let internet = reach.zones.sorted().filter { space.zones[$0].kind == .internet }
        let refused = "a conduit towards the internet zone or an external address is a configuration error"
        if reach.isOneZone, let z = internet.first {
            error(p.position, p.path, "\(p.value) lies in the internet zone '\(space.zones[z].id)'; \(refused)")
            return
        }
        if reach.external && reach.zones.isEmpty && !reach.unzoned && !reach.local {
            error(
                p.position, p.path,
                "\(p.value) is an external address (in no zone and outside the internal space); \(refused)")
            return
        }
        if !internet.isEmpty || reach.external {
            var what: [String] = []
            if !internet.isEmpty {
                let ids = internet.map { "'\(space.zones[$0].id)'" }
                let list = ids.count == 1 ? ids[0] : ids.dropLast().joined(separator: ", ") + " and " + ids.last!
                what.append("overlaps the internet zone\(ids.count == 1 ? "" : "s") \(list)")
            }
            if reach.external { what.append("reaches external addresses") }
            error(
                p.position, p.path,
                "\(p.value) \(what.joined(separator: " and ")) (all it reaches: \(space.describe([p.value]))); "
                    + "\(refused): name only the addresses the link is meant for")
            return
        }
        if reach.unzoned && reach.zones.isEmpty && !reach.local {
            warning(
                p.position, p.path,
                "\(p.value) is in the internal space but in no zone; flows to it will still be reported as "
                    + "unzoned-host until it is given a zone")
        } else if reach.unzoned {
            warning(
                p.position, p.path,
                "\(p.value) reaches addresses in the internal space that are in no zone (all it reaches: "
                    + "\(space.describe([p.value]))); flows to them will still be reported as unzoned-host until "
                    + "they are given a zone")
        } else if reach.local && reach.zones.isEmpty {
            warning(
                p.position, p.path,
                "\(p.value) is \(Self.localText), so this part of conduit \(conduit) never takes effect")
        }
    }

    mutating func checkSanitisation(_ root: TOMLTable, space: AddressSpace?) -> [SanitisationPath] {
        var names = NameRegistry()
        var out: [SanitisationPath] = []
        for item in tableArray(root, "sanitisation") {
            let t = item.value
            checkKeys(t, path: item.path, allowed: ["name", "method", "from", "to", "ports"])
            let name = self.name(item, registry: &names)
            let shown = quoted(name ?? writtenName(t["name"]), or: item.path)
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
            if let from, let to { differentFamilies(from, to, "sanitisation path", shown, item) }
            if let space, let from, let to {
                let a = space.kinds(from.map(\.value))
                let b = space.kinds(to.map(\.value))
                let connects =
                    (a.contains(.lgwan) && b.contains(.internet)) || (a.contains(.internet) && b.contains(.lgwan))
                if !connects {
                    warning(
                        item.position, item.path,
                        "sanitisation path \(shown) does not connect an lgwan zone with an internet zone "
                            + "(from: \(space.describe(from.map(\.value))); to: \(space.describe(to.map(\.value)))), "
                            + "so no flow the policy checks can use it")
                }
            }
            if let space, let from, let to, let ports {
                let opened = wholeZones(
                    item, from: from.map(\.value), to: to.map(\.value), ports: ports, space: space,
                    what: "sanitisation path \(shown)", rule: .sanitisationBypass,
                    advice: "name the hosts and ports the path is for", pair: Self.lgwanAndInternet)
                if !opened { bothWays(item, from: from.map(\.value), to: to.map(\.value), space: space, path: shown) }
            }
            if let name, let method, let from, let to, let ports {
                out.append(
                    SanitisationPath(
                        name: name, method: method, from: from.map(\.value), to: to.map(\.value), ports: ports))
            }
        }
        return out
    }

    /// Warns about a declaration whose `from` and `to` share no address family: a flow's two ends are of
    /// one, so it can never match.
    mutating func differentFamilies(
        _ from: [Located<IPPrefix>], _ to: [Located<IPPrefix>], _ noun: String, _ shown: String,
        _ item: Located<TOMLTable>
    ) {
        let a = Set(from.map(\.value.isIPv4))
        let b = Set(to.map(\.value.isIPv4))
        guard !a.isEmpty, !b.isEmpty, a.isDisjoint(with: b) else { return }
        warning(
            item.position, item.path,
            "\(noun) \(shown) can never allow a flow: its 'from' addresses are "
                + "\(a.contains(true) ? "IPv4" : "IPv6") and its 'to' addresses \(b.contains(true) ? "IPv4" : "IPv6"), "
                + "and a flow's two ends are of one family")
    }

    mutating func checkExceptions(
        _ root: TOMLTable, space: AddressSpace?, gatewaysDeclared: Bool
    ) -> [PolicyException] {
        var names = NameRegistry()
        var out: [PolicyException] = []
        let items = tableArray(root, "exceptions")
        names.seen.reserveCapacity(items.count)
        out.reserveCapacity(items.count)
        for item in items {
            let t = item.value
            // Made once: each use of `item.path` puts the path together again.
            let path = item.path
            // By the place of each key in `exceptionKeys`.
            let f = fields(t, path: path, allowed: Self.exceptionKeys)
            let name = self.name(f.value(0, in: t), in: path, at: item.position, registry: &names)
            // As messages name it: a repeated name (refused above) still names its own declaration.
            let shown = ShownName(name: name ?? writtenName(f.value(0, in: t)), path: path)
            let from = prefixes(
                f.value(1, in: t), "from", in: path, at: item.position, required: true, noun: "address or network")
            let to = prefixes(
                f.value(2, in: t), "to", in: path, at: item.position, required: true, noun: "address or network")
            let ports = self.ports(f.value(3, in: t), "ports", in: path, at: item.position, required: true)
            let approved = nonEmptyString(
                f.value(4, in: t), "approved", in: path, at: item.position, required: true,
                hint: " (who approved the exception, and the reference)")
            let expiry = expires(f.value(5, in: t), in: path, at: item.position)
            if let space {
                let everyPort = ports.flatMap(Self.everyPort)
                let caught = checkReach(
                    from: from, to: to, everyPort: everyPort, space: space,
                    gatewaysDeclared: gatewaysDeclared, exception: shown, at: item.position, path)
                // A catch-all already says more than the zones it opens.
                if everyPort != nil, !caught, let from, let to, let ports {
                    wholeZones(
                        item, from: from.map(\.value), to: to.map(\.value), ports: ports, space: space,
                        what: "exception \(shown.text)", rule: .sanitisationBypass, while: "while it is valid, ",
                        advice: "name the peers and ports it is meant for", pair: Self.lgwanAndInternet)
                }
            }
            if let expiry, let now, expiry.value.micros > now + Self.longestExceptionMicros {
                warning(
                    expiry.position, expiry.path,
                    "exception \(shown.text) expires \(expiry.value.text), more than three years (1,096 days) after "
                        + "today's date: an exception is a time-limited permission, renewed when its approval is "
                        + "reviewed; give the date its approval runs to")
            }
            if let expiry, let now, now >= expiry.value.micros {
                // A date and a date-time without an offset are Japan Standard Time; an offset says its own.
                // Judged by today's date, while verdicts use packet time: a replay of older captures still
                // applies the exception to their packets, so the warning says so.
                let when =
                    expiry.value.isEndOfDay
                    ? "at the end of \(expiry.value.text) (JST)"
                    : "at \(expiry.value.text)\(expiry.value.isLocal ? " (JST)" : "")"
                warning(
                    expiry.position, expiry.path,
                    "exception \(shown.text) expired \(when) by today's date; it allows no flow seen live, "
                        + "but a replay still applies it to packets from before then")
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

    static let exceptionKeys = ["name", "from", "to", "ports", "approved", "expires"]

    /// Three years, a leap day among them: an exception valid longer than that is a standing permission
    /// written as an exception (DESIGN calls them time-limited), or a year mistyped (2099 for 2029).
    static let longestExceptionMicros: Int64 = 1096 * 86_400 * 1_000_000

    struct Expiry {
        var micros: Int64
        var text: String
        /// A bare date: valid through the end of that day.
        var isEndOfDay: Bool
        /// Written without an offset (a date, or a local date-time): read as Japan Standard Time.
        var isLocal: Bool
    }

    /// `expires`: a local date (valid through that day, JST), a local date-time (JST) or an offset date-time.
    mutating func expires(_ given: TOMLValue?, in path: ConfigPath, at: TOMLPosition) -> Located<Expiry>? {
        // Spelled only for a diagnostic.
        var p: ConfigPath { join(path, "expires") }
        guard let v = given else {
            error(at, path, "missing required key 'expires' (a date like 2027-03-31, the last day it applies)")
            return nil
        }
        let jst = Int64(ZonesConfigLoader.japanOffsetMinutes) * 60
        switch v.content {
        case .date(let d):
            let micros = ((d.daysSinceEpoch + 1) * 86_400 - jst) * 1_000_000
            return Located(
                value: Expiry(micros: micros, text: d.description, isEndOfDay: true, isLocal: true),
                position: v.position, in: path,
                key: "expires")
        case .dateTime(let dt):
            let micros = dt.epochMicros(localOffsetMinutes: ZonesConfigLoader.japanOffsetMinutes)
            // Records carry the expiry in UTC with a four-digit year: one past 9999 would make the saved run
            // unreadable to `zonesep report` (and to any RFC 3339 reader).
            guard PacketTime.isWritable(micros) else {
                let side = micros < PacketTime.earliest ? "before 0000-01-01T00:00:00Z" : "after 9999-12-31T23:59:59Z"
                error(
                    v.position, p,
                    "'\(dt)' is \(side) in UTC (\(dt.offsetMinutes == nil ? "read as JST, " : "")outside the years "
                        + "0000-9999 that records can carry); give an expiry within them")
                return nil
            }
            return Located(
                value: Expiry(
                    micros: micros, text: dt.description, isEndOfDay: false, isLocal: dt.offsetMinutes == nil),
                position: v.position, in: path,
                key: "expires")
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
    mutating func endpoint(
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
            if let mac {
                groupMAC(mac, m, side: key)
            } else {
                error(m.position, m.path, "'\(m.value)' is not a MAC address like 02:00:00:00:01:05")
                macOK = false
            }
        } else if t["mac"] != nil {
            macOK = false
        }
        guard let addresses, macOK else { return nil }
        return (addresses, mac)
    }

    /// A conduit's MAC is compared with the sender's: no host sends from a broadcast, multicast or all-zero
    /// MAC, so every flow the conduit matches would be conduit-mac-mismatch on that side. A warning, not an
    /// error: the file still says what the engineer wrote.
    mutating func groupMAC(_ mac: MACAddress, _ m: Located<String>, side: String) {
        let what: String
        if mac.rawValue == 0xFFFF_FFFF_FFFF {
            what = "the broadcast address"
        } else if mac.rawValue == 0 {
            what = "all zeros (no MAC)"
        } else if mac.rawValue >> 40 & 1 == 1 {
            what = "a multicast (group) address"
        } else {
            return
        }
        warning(
            m.position, m.path,
            "\(mac) is \(what), which no host sends from: it never matches the MAC seen, and every flow the "
                + "conduit matches is conduit-mac-mismatch on its '\(side)' side (or MAC not verified where none "
                + "shows); give the \(side == "from" ? "initiator" : "responder")'s own MAC"
        )
    }

    /// The name an entry is written with, for messages about it, even when `name` refused it (a repeat).
    func writtenName(_ given: TOMLValue?) -> String? {
        guard let s = given?.string, !ConfigChecker.isBlank(s) else { return nil }
        return s
    }

    /// The `name` of an entry of an array of tables, checked to be unique in its section.
    mutating func name(_ item: Located<TOMLTable>, registry: inout NameRegistry) -> String? {
        name(item.value["name"], of: item, registry: &registry)
    }

    /// The same with the entry's `name` value already found (nil when absent).
    mutating func name(_ given: TOMLValue?, of item: Located<TOMLTable>, registry: inout NameRegistry) -> String? {
        name(given, in: item.path, at: item.position, registry: &registry)
    }

    /// The same for the entry at `path`, which starts at `position`.
    mutating func name(
        _ given: TOMLValue?, in path: ConfigPath, at position: TOMLPosition, registry: inout NameRegistry
    ) -> String? {
        guard let n = nonEmptyString(given, "name", in: path, at: position, required: true) else {
            return nil
        }
        // One hash of the name for the usual new one; a repeat puts the first one back.
        if let first = registry.seen.updateValue((path, n.position.line), forKey: n.value) {
            registry.seen[n.value] = first
            error(n.position, n.path, "the name '\(n.value)' is already used by \(first.path) (line \(first.line))")
            return nil
        }
        return n.value
    }
}
