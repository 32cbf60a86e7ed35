import ZonesepCore

/// A declaration that opens whole zones to each other on every port: the rule it stands in for can then
/// never fire between them, while it reads as a narrow path (REVIEW-149 F1). Judged by what the addresses
/// and ports hold, not by how they are spelled.
extension ConfigChecker {
    /// What a `ports` list takes when it takes everything a catch-all needs.
    enum EveryPort {
        /// `any`: every protocol and port.
        case any
        /// Every TCP and every UDP port (1-65535 each), written as ranges.
        case tcpAndUDP

        /// "on every protocol and port".
        var text: String { self == .any ? "every protocol and port" : "every TCP and UDP port" }
        /// The same as an exception's catch-all says it.
        var anyText: String { self == .any ? "any protocol and port" : "every TCP and UDP port" }
        /// How the ports are named where a message names them.
        var written: String { self == .any ? "ports = [\"any\"]" : "ports that hold every TCP and UDP port" }
    }

    /// `.any` for a list with `any`, `.tcpAndUDP` for one whose TCP and UDP ranges each hold ports 1-65535
    /// (port 0 is no service's: `tcp/1-65535` is how firewall exports say "every TCP port"), else nil.
    static func everyPort(_ ports: [PortSpec]) -> EveryPort? {
        // Asked of every exception: a list with no range up to 65535 of each protocol is told by a look.
        var ends = (tcp: false, udp: false)
        for p in ports {
            switch p {
            case .any: return .any
            case .tcp(let r): ends.tcp = ends.tcp || r.upperBound == 65535
            case .udp(let r): ends.udp = ends.udp || r.upperBound == 65535
            case .icmp: break
            }
        }
        guard ends.tcp && ends.udp else { return nil }
        var tcp: [ClosedRange<UInt16>] = []
        var udp: [ClosedRange<UInt16>] = []
        for p in ports {
            switch p {
            case .any: break
            case .tcp(let r): tcp.append(r)
            case .udp(let r): udp.append(r)
            case .icmp: break
            }
        }
        return holdEveryPort(tcp) && holdEveryPort(udp) ? .tcpAndUDP : nil
    }

    /// Whether `ranges` together hold every port from 1 to 65535.
    static func holdEveryPort(_ ranges: [ClosedRange<UInt16>]) -> Bool {
        var next = 1
        for r in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if Int(r.lowerBound) > next { return false }
            next = max(next, Int(r.upperBound) + 1)
            if next > 65535 { return true }
        }
        return false
    }

    /// Warns, on the declaration's line, for each pair of zones (of kinds `pair` accepts) whose every
    /// address its `from` holds on one side and `to` on the other, when its ports take every port: `rule`
    /// can never fire for flows between them. Returns whether it warned.
    @discardableResult
    mutating func wholeZones(
        _ item: Located<TOMLTable>, from: [IPPrefix], to: [IPPrefix], ports: [PortSpec], space: AddressSpace,
        what: String, rule: RuleID, while valid: String = "", advice: String,
        pair: (ZoneKind, ZoneKind) -> Bool
    ) -> Bool {
        guard let every = Self.everyPort(ports) else { return false }
        let a = space.wholeZones(from)
        let b = space.wholeZones(to)
        guard !a.isEmpty, !b.isEmpty else { return false }
        // The families each ordered pair of zones is opened in.
        var opened: [Pair: Set<Bool>] = [:]
        for x in a {
            for y in b where x.zone != y.zone && x.ipv4 == y.ipv4 {
                guard pair(space.zones[x.zone].kind, space.zones[y.zone].kind) else { continue }
                opened[Pair(from: x.zone, to: y.zone), default: []].insert(x.ipv4)
            }
        }
        var warned = false
        for (p, families) in opened.sorted(by: { ($0.key.from, $0.key.to) < ($1.key.from, $1.key.to) }) {
            // A pair opened both ways (in the same families) is said once, at its first direction.
            let both = opened[Pair(from: p.to, to: p.from)] == families
            if both && p.to < p.from { continue }
            let zoneFamilies = Set(
                space.zones[p.from].networks.map(\.isIPv4) + space.zones[p.to].networks.map(\.isIPv4))
            let family =
                families == zoneFamilies || families.count == 2 ? "" : (families.contains(true) ? "IPv4 " : "IPv6 ")
            let x = "'\(VisibleText.escape(space.zones[p.from].id))'"
            let y = "'\(VisibleText.escape(space.zones[p.to].id))'"
            let reverse = both ? ", and every \(family)address of \(y) reach every \(family)address of \(x)," : ""
            let never =
                both ? "between them" : "for a\(family.isEmpty ? "" : "n") \(family)flow from \(x) to \(y)"
            warning(
                item.position, item.path,
                "\(what) lets every \(family)address of zone \(x) (\(space.zones[p.from].kind.rawValue)) reach every "
                    + "\(family)address of zone \(y) (\(space.zones[p.to].kind.rawValue))\(reverse) on \(every.text)"
                    + ": \(valid)\(rule.name) can never fire \(never); \(advice)")
            warned = true
        }
        return warned
    }

    /// A zone pair in one direction.
    struct Pair: Hashable {
        var from: Int
        var to: Int
    }
}

extension AddressSpace {
    /// The zones all of whose networks of a family `prefixes` hold together, with that family: what a
    /// declaration opens as a whole zone. A zone's network is held when the prefixes of its family cover
    /// every address of it (a catch-all `/0` holds them all); the zones nested in it need not be.
    func wholeZones(_ prefixes: [IPPrefix]) -> [(zone: Int, ipv4: Bool)] {
        var candidates = Set<Int>()
        for p in prefixes { candidates.formUnion(reach(p).zones) }
        var out: [(zone: Int, ipv4: Bool)] = []
        for z in candidates.sorted() {
            for ipv4 in [true, false] {
                let nets = zones[z].networks.filter { $0.isIPv4 == ipv4 }
                let held = prefixes.filter { $0.isIPv4 == ipv4 }.flatMap(\.matchedParts)
                guard !nets.isEmpty, !held.isEmpty else { continue }
                if nets.allSatisfy({ $0.matchedParts.allSatisfy { AddressSpace.covers($0, held) } }) {
                    out.append((z, ipv4))
                }
            }
        }
        return out
    }
}

extension AddressSpace {
    /// "every IPv4 address" when `prefixes` (of that family) together hold all of it, "at least half of all
    /// IPv4 addresses" when half or more, else nil: a catch-all by what a list holds, not by how it is
    /// spelled (four /2s are 0.0.0.0/0). IPv6 is measured over its whole space, as `catchAll` does (`::/1`
    /// is half of it).
    static func share(_ prefixes: [IPPrefix], ipv4: Bool) -> String? {
        let family = ipv4 ? "IPv4" : "IPv6"
        let span: (first: UInt128, last: UInt128) =
            ipv4 ? (IPAddress.v4MappedPrefix, IPAddress.v4MappedPrefix | 0xFFFF_FFFF) : (0, .max)
        // Sorted, with those that overlap or touch joined.
        var merged: [(first: UInt128, last: UInt128)] = []
        for p in prefixes.filter({ $0.isIPv4 == ipv4 }).sorted(by: { $0.first < $1.first }) {
            if let end = merged.last?.last, end == .max || p.first <= end + 1 {
                merged[merged.count - 1].last = max(end, p.last)
            } else {
                merged.append((p.first, p.last))
            }
        }
        if merged.count == 1 && merged[0] == span { return "every \(family) address" }
        // Disjoint and short of the whole space: the sum fits in 128 bits.
        let held = merged.reduce(UInt128(0)) { $0 + ($1.last - $1.first + 1) }
        let half = ipv4 ? UInt128(1) << 31 : UInt128(1) << 127
        return held >= half ? "at least half of all \(family) addresses" : nil
    }
}
