import ZonesepCore

/// What an exception can allow, told from the zones its addresses reach and the rules' own table
/// (`Policy.exceptionReach`): the part of it in a mynumber zone, a catch-all, one that can allow nothing.
extension ConfigChecker {
    /// Warns about the parts of an exception that allow nothing, about an exception that can never allow a
    /// flow, and about a catch-all (every address of a family, or half, on every port), naming the rules it
    /// waives. Returns whether it warned of a catch-all.
    @discardableResult
    mutating func checkReach(
        from: [Located<IPPrefix>]?, to: [Located<IPPrefix>]?, everyPort: EveryPort?, space: AddressSpace,
        gatewaysDeclared: Bool, exception: ShownName, at position: TOMLPosition, _ path: ConfigPath
    ) -> Bool {
        typealias Classes = AddressSpace.Classes
        // The classes each side reaches, by family (IPv4, IPv6): a flow's two ends are of one family.
        var reached = Reached()
        // The few prefixes a message may be about (in a mynumber zone, or a catch-all), by side and index.
        var flagged: [(side: Int, index: Int, classes: Classes)] = []
        for side in 0..<2 {
            guard let list = side == 0 ? from : to else { continue }
            // By index: a loop over the located prefixes copied each one (its key and path counted).
            for k in list.indices {
                let p = list[k].value
                let c = space.classes(p)
                reached[side, p.isIPv4 ? 0 : 1].formUnion(c)
                if c.contains(.mynumber) || AddressSpace.catchAll(p) != nil { flagged.append((side, k, c)) }
            }
        }
        guard let from, let to else { return false }
        var waived = RuleSet()
        for family in 0..<2 {
            waived.formUnion(Self.waivable(reached[0, family], reached[1, family], gatewaysDeclared))
        }
        // The sides and families a catch-all prefix was warned of: a list that is one only together is
        // said where it is not.
        var caught: Set<Int> = []
        for f in flagged {
            let p = (f.side == 0 ? from : to)[f.index]
            if f.classes.contains(.mynumber) {
                mynumberWarning(p, f.classes, space: space, exception: exception, restAllows: !waived.isEmpty)
            }
            guard let everyPort, let share = AddressSpace.catchAll(p.value) else { continue }
            // What the catch-all waives: its own classes against the other side's, in its family.
            let family = p.value.isIPv4 ? 0 : 1
            let other = reached[1 - f.side, family]
            let rules =
                f.side == 0
                ? Self.waivable(f.classes, other, gatewaysDeclared) : Self.waivable(other, f.classes, gatewaysDeclared)
            caught.insert(f.side * 2 + family)
            guard !rules.isEmpty else { continue }
            let flows = f.side == 0 ? "from \(share) to its 'to' addresses" : "from its 'from' addresses to \(share)"
            warning(
                p.position, p.path,
                "\(p.value) with \(everyPort.written) makes exception \(exception.text) a catch-all: while it is valid "
                    + "it waives \(rules.names) for every flow \(flows), on \(everyPort.anyText); name the peers "
                    + "and ports it is meant for")
        }
        if let everyPort {
            for side in 0..<2 {
                for family in 0..<2 where !caught.contains(side * 2 + family) {
                    let list = side == 0 ? from : to
                    let own = list.map(\.value).filter { $0.isIPv4 == (family == 0) }
                    guard own.count > 1, let share = AddressSpace.share(own, ipv4: family == 0) else { continue }
                    caught.insert(side * 2 + family)
                    let mine = reached[side, family]
                    let other = reached[1 - side, family]
                    let rules =
                        side == 0
                        ? Self.waivable(mine, other, gatewaysDeclared) : Self.waivable(other, mine, gatewaysDeclared)
                    guard !rules.isEmpty else { continue }
                    let key = side == 0 ? "from" : "to"
                    let flows =
                        side == 0 ? "from \(share) to its 'to' addresses" : "from its 'from' addresses to \(share)"
                    warning(
                        list[0].position, path.key(key),
                        "the '\(key)' addresses \(ConfigSummary.shortList(own.map(\.description))) together hold "
                            + "\(share), and with \(everyPort.written) make exception \(exception.text) a catch-all: "
                            + "while it is valid it waives \(rules.names) for every flow \(flows), on "
                            + "\(everyPort.anyText); name the peers and ports it is meant for")
                }
            }
        }
        if waived.isEmpty {
            warning(
                position, path,
                "exception \(exception.text) can never allow a flow: "
                    + neverReason(reached, gatewaysDeclared: gatewaysDeclared)
                    + "; an exception only waives \(Self.waivableByAny.names)")
        }
        return !caught.isEmpty
    }

    /// A prefix that reaches a mynumber zone: all of it, or only part of it, has no effect.
    private mutating func mynumberWarning(
        _ p: Located<IPPrefix>, _ classes: AddressSpace.Classes, space: AddressSpace, exception: ShownName,
        restAllows: Bool
    ) {
        let why = "an exception never allows a mynumber flow (only a conduit can)"
        if classes == .mynumber {
            warning(
                p.position, p.path,
                "\(p.value) lies in a mynumber zone; \(why), so this part of exception \(exception.text) has no effect")
            return
        }
        let rest = restAllows ? ", but the rest of it does allow the flows it names" : ""
        warning(
            p.position, p.path,
            "\(p.value) overlaps a mynumber zone and reaches more (\(space.describe([p.value]))); \(why), so the part "
                + "of exception \(exception.text) inside the mynumber zone has no effect\(rest)")
    }

    /// The classes of address each side of an exception reaches, by family; four values, not nested arrays
    /// (allocated for each of a policy's thousands of exceptions).
    struct Reached {
        private var v: (AddressSpace.Classes, AddressSpace.Classes, AddressSpace.Classes, AddressSpace.Classes) =
            ([], [], [], [])
        /// Side 0 is `from`, 1 is `to`; family 0 is IPv4, 1 is IPv6.
        subscript(side: Int, family: Int) -> AddressSpace.Classes {
            get {
                switch side * 2 + family {
                case 0: return v.0
                case 1: return v.1
                case 2: return v.2
                default: return v.3
                }
            }
            set {
                switch side * 2 + family {
                case 0: v.0 = newValue
                case 1: v.1 = newValue
                case 2: v.2 = newValue
                default: v.3 = newValue
                }
            }
        }
    }

    /// Why no flow from the `from` classes to the `to` classes (by family) is one an exception could allow.
    private func neverReason(_ reached: Reached, gatewaysDeclared: Bool) -> String {
        var reasons: [String] = []
        var seen = Set<String>()
        for family in 0..<2 {
            for a in reached[0, family].members {
                for b in reached[1, family].members where seen.insert("\(a.name) \(b.name)").inserted {
                    let pair = "\(a.name) → \(b.name)"
                    switch Policy.exceptionReach(from: a, to: b, gatewaysDeclared: gatewaysDeclared) {
                    case .conduitOnly where a == .unzoned || b == .unzoned:
                        // A conduit lets the flow past mynumber-isolation, and it then breaks unzoned-host,
                        // which no exception waives with a mynumber zone at the other end (docs/rules.md).
                        reasons.append(
                            "\(pair): mynumber-isolation unless a conduit allows the flow, and then unzoned-host, "
                                + "which no exception waives with a mynumber zone at the other end (give the device "
                                + "a zone)")
                    case .conduitOnly:
                        reasons.append("\(pair): a mynumber flow, which only a conduit allows")
                    case .nothingToWaive where a == .local || b == .local:
                        reasons.append(
                            "\(pair): a local address (broadcast, multicast, loopback, link-local or unspecified) "
                                + "at one end, and the rules allow such flows before any declaration is looked at")
                    case .nothingToWaive:
                        // "An exception can waive": with conduits declared, conduit-mac-mismatch still judges
                        // two zones of one kind, and no exception waives it.
                        if Policy.exceptionReach(from: a, to: b, gatewaysDeclared: true) != .nothingToWaive {
                            reasons.append(
                                "\(pair): no [[gateways]] are declared, so security-cloud-bypass is off and "
                                    + "these flows break no rule an exception can waive")
                        } else {
                            reasons.append("\(pair): these flows break no rule an exception can waive")
                        }
                    case .waives:
                        break
                    }
                }
            }
        }
        if reasons.isEmpty {
            return "its 'from' and 'to' addresses are of different families (IPv4 and IPv6), and a flow's two "
                + "ends are of one"
        }
        return "every flow it names is " + reasons.joined(separator: "; ")
    }

    /// The rules an exception waives for flows from any of `from` to any of `to`.
    static func waivable(_ from: AddressSpace.Classes, _ to: AddressSpace.Classes, _ gateways: Bool) -> RuleSet {
        var out = RuleSet()
        guard !from.isEmpty && !to.isEmpty else { return out }
        for a in classOrder where from.contains(AddressSpace.Classes(a)) {
            for b in classOrder where to.contains(AddressSpace.Classes(b)) {
                if case .waives(let rule) = Policy.exceptionReach(from: a, to: b, gatewaysDeclared: gateways) {
                    out.insert(rule)
                }
            }
        }
        return out
    }

    /// Held once: `allCases` builds its array at each use.
    private static let classOrder = AddressClass.allCases

    /// Every rule some exception can waive, from the rules' table.
    static let waivableByAny: RuleSet = {
        var all = AddressSpace.Classes()
        for c in classOrder { all.insert(AddressSpace.Classes(c)) }
        return waivable(all, all, true)
    }()

    /// A set of rules in one byte, named in the rules' priority order.
    struct RuleSet {
        private var bits: UInt8 = 0
        var isEmpty: Bool { bits == 0 }
        mutating func insert(_ r: RuleID) { bits |= 1 << r.rawValue }
        mutating func formUnion(_ o: RuleSet) { bits |= o.bits }

        /// "sanitisation-bypass, security-cloud-bypass and unzoned-host".
        var names: String {
            let n = RuleID.allCases.filter { bits & (1 << $0.rawValue) != 0 }.map(\.name)
            guard n.count > 1 else { return n.first ?? "" }
            return n.dropLast().joined(separator: ", ") + " and " + (n.last ?? "")
        }
    }
}
