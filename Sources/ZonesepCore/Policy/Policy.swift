/// A rule that fired, with the declaration it concerns (the conduit whose MAC differed).
public struct Verdict: Sendable, Equatable {
    public var rule: RuleID
    /// Index into `PolicyConfig.conduits` for `conduit-mac-mismatch`; -1 otherwise.
    public var conduit: Int
    public init(rule: RuleID, conduit: Int = -1) {
        self.rule = rule
        self.conduit = conduit
    }
}

/// zones.conf compiled for matching: the zone map plus the declarations, immutable once built.
///
/// A judgement is taken once per flow, at its first packet, and only for flows that cross tiers. A class:
/// as a struct its many arrays were copied (a memcpy and a reference count each) into every call that
/// judged a new flow, about 180 instructions a flow; immutable, so sharing one is safe.
public final class Policy: Sendable {
    public let config: PolicyConfig
    public let zoneMap: ZoneMap
    @usableFromInline let kinds: [ZoneKind]
    /// Each zone's class for `pairs` (its kind's position in `ZoneKind.allCases`).
    @usableFromInline let zoneClasses: [UInt8]
    /// What the rules make of a flow between two classes of address, by `class(initiator) * 6 +
    /// class(responder)` (classes: the three kinds, then external, unzoned, local), worked out once from
    /// the rules as `mayViolate` and `judge` state them: per new flow a load instead of their chains of
    /// comparisons (about 50 instructions a flow).
    @usableFromInline let pairs: [PairRule]
    /// Every conduit, sanitisation path, gateway and exception, in that order (file order within each).
    public let declarations: [Declaration]
    /// Where each kind starts in `declarations`.
    @usableFromInline let sanitisationBase: Int
    @usableFromInline let gatewayBase: Int
    @usableFromInline let exceptionBase: Int

    // Each kind's declarations compiled for matching, and indexed by the prefixes they name.
    @usableFromInline let conduitRules: [CompiledRule]
    @usableFromInline let conduitIndex: DeclarationIndex
    @usableFromInline let sanitisationRules: [CompiledRule]
    @usableFromInline let sanitisationIndex: DeclarationIndex
    /// Each gateway's addresses, as its span of `ranges`.
    @usableFromInline let gatewayAddresses: [Range<Int>]
    @usableFromInline let gatewayIndex: DeclarationIndex
    @usableFromInline let exceptionRules: [CompiledRule]
    @usableFromInline let exceptionIndex: DeclarationIndex
    /// The merged address ranges of every declaration's prefix lists, end to end.
    @usableFromInline let ranges: PrefixRanges

    /// The most declarations a policy may hold: a declaration's index fits an `Int16` in the flow entry.
    /// zones.conf loading refuses more.
    public static let maxDeclarations = Int(Int16.max)

    public init(_ config: PolicyConfig) {
        self.config = config
        self.zoneMap = ZoneMap(zones: config.zones, internal: config.internal)
        self.kinds = config.zones.map(\.kind)
        self.zoneClasses = config.zones.map { UInt8(ZoneKind.allCases.firstIndex(of: $0.kind) ?? 0) }
        self.pairs = Policy.pairRules(hasConduits: !config.conduits.isEmpty, hasGateways: !config.gateways.isEmpty)
        var d: [Declaration] = []
        d.reserveCapacity(
            config.conduits.count + config.sanitisation.count + config.gateways.count + config.exceptions.count)
        for (i, c) in config.conduits.enumerated() { d.append(Declaration(kind: .conduit, name: c.name, index: i)) }
        sanitisationBase = d.count
        for (i, s) in config.sanitisation.enumerated() {
            d.append(Declaration(kind: .sanitisation, name: s.name, index: i))
        }
        gatewayBase = d.count
        for (i, g) in config.gateways.enumerated() { d.append(Declaration(kind: .gateway, name: g.name, index: i)) }
        exceptionBase = d.count
        for (i, e) in config.exceptions.enumerated() {
            d.append(Declaration(kind: .exception, name: e.name, index: i, expiresAtMicros: e.expiresAtMicros))
        }
        declarations = d
        var ranges = PrefixRanges()
        var scratch: [(first: UInt128, last: UInt128)] = []
        conduitRules = config.conduits.map {
            CompiledRule(from: $0.from, to: $0.to, ports: $0.ports, into: &ranges, scratch: &scratch)
        }
        conduitIndex = DeclarationIndex(config.conduits.map { ($0.from, $0.to) })
        sanitisationRules = config.sanitisation.map {
            CompiledRule(from: $0.from, to: $0.to, ports: $0.ports, into: &ranges, scratch: &scratch)
        }
        sanitisationIndex = DeclarationIndex(config.sanitisation.map { ($0.from, $0.to) })
        let anywhere = [IPPrefix(address: IPAddress(rawValue: 0), length: 0)]
        gatewayAddresses = config.gateways.map { ranges.append($0.addresses, scratch: &scratch) }
        gatewayIndex = DeclarationIndex(config.gateways.map { (anywhere, $0.addresses) })
        var exceptionRules: [CompiledRule] = []
        exceptionRules.reserveCapacity(config.exceptions.count)
        for e in config.exceptions {
            exceptionRules.append(
                CompiledRule(from: e.from, to: e.to, ports: e.ports, into: &ranges, scratch: &scratch))
        }
        self.exceptionRules = exceptionRules
        exceptionIndex = DeclarationIndex(config.exceptions.map { ($0.from, $0.to) })
        self.ranges = ranges
    }

    @inlinable
    func kind(_ ref: ZoneRef) -> ZoneKind? { ref.isZone ? kinds[ref.zoneIndex] : nil }

    /// The class of `ref` for `pairs`: its zone's kind, or external (3), unzoned (4), local (5).
    @inlinable
    func pairClass(_ ref: ZoneRef) -> Int {
        ref.isZone ? Int(zoneClasses[ref.zoneIndex]) : 3 &+ Int(ref.rawValue &- ZoneRef.external.rawValue)
    }

    /// The rules' part for a flow from `a` to `b`.
    @inlinable
    func pair(_ a: ZoneRef, _ b: ZoneRef) -> PairRule { pairs[pairClass(a) &* 6 &+ pairClass(b)] }

    /// Whether a flow between these two classes could break a rule at all; most flows stop here.
    @inlinable
    public func mayViolate(_ a: ZoneRef, _ b: ZoneRef) -> Bool { pair(a, b).mayViolate }

    /// What `judge` does with a flow between two classes of address once its conduits are known, and
    /// whether the flow could break a rule at all (`mayViolate`).
    @usableFromInline
    struct PairRule: Sendable {
        @usableFromInline
        enum Check: UInt8, Sendable {
            /// A local address: allowed before any declaration is looked at.
            case local
            /// Allowed unless a conduit's MAC differs.
            case none
            case mynumber, sanitisation, lgwanExternal, gateway, unzoned
            /// A mynumber zone and an unzoned address: `mynumber` unless a conduit allows the flow, and then
            /// still `unzoned`, the next rule it breaks (with no exception asked: none opens a mynumber flow).
            case mynumberUnzoned
        }
        @usableFromInline let check: Check
        @usableFromInline let mayViolate: Bool
    }

    /// `pairs`, from the rules as written: `mayViolate`'s and `judge`'s conditions, for every pair of
    /// classes (a zone stands for its kind; the conditions look at nothing else of it).
    static func pairRules(hasConduits: Bool, hasGateways: Bool) -> [PairRule] {
        let kinds = ZoneKind.allCases
        var out: [PairRule] = []
        for a in 0..<6 {
            for b in 0..<6 {
                let ki: ZoneKind? = a < 3 ? kinds[a] : nil
                let kr: ZoneKind? = b < 3 ? kinds[b] : nil
                let (external, unzoned, local) = (3, 4, 5)
                let may: Bool
                if a == local || b == local {
                    may = false
                } else if a == unzoned || b == unzoned {
                    may = true
                } else if ki == kr {
                    may = hasConduits  // same kind (or both external): only a conduit's MAC
                } else {
                    may = true
                }
                let check: PairRule.Check
                if a == local || b == local {
                    check = .local
                } else if (ki == .mynumber) != (kr == .mynumber) {
                    check = a == unzoned || b == unzoned ? .mynumberUnzoned : .mynumber
                } else if (ki == .lgwan && kr == .internet) || (ki == .internet && kr == .lgwan) {
                    check = .sanitisation
                } else if (ki == .lgwan && b == external) || (a == external && kr == .lgwan) {
                    check = .lgwanExternal
                } else if hasGateways && ((ki == .internet && b == external) || (a == external && kr == .internet)) {
                    check = .gateway
                } else if a == unzoned || b == unzoned {
                    check = .unzoned
                } else {
                    check = .none
                }
                out.append(PairRule(check: check, mayViolate: may))
            }
        }
        return out
    }

    /// Whether the separation model restricts traffic between these two classes at all (before any
    /// conduit, sanitisation path, gateway or exception): the cells a report outlines in the zone matrix.
    public func restricts(_ a: ZoneRef, _ b: ZoneRef) -> Bool {
        if a == .local || b == .local { return false }
        if a == .unzoned || b == .unzoned { return true }
        let ka = kind(a)
        let kb = kind(b)
        if (ka == .mynumber) != (kb == .mynumber) { return true }
        if ka == kb { return false }
        if ka == .lgwan || kb == .lgwan { return true }  // lgwan with internet or external
        return !config.gateways.isEmpty  // internet with external
    }

    /// The first rule of DESIGN.md's table that this flow breaks at packet time `time` (µs), or nil.
    /// A thin wrapper over `judge` for callers that need only the rule.
    public func verdict(_ f: FlowEnds, at time: Int64) -> Verdict? {
        let j = judge(f, at: time)
        guard let rule = j.rule else { return nil }
        // Conduits come first in `declarations`, so the index is also the conduit's.
        return Verdict(rule: rule, conduit: rule == .conduitMACMismatch ? j.declaration : -1)
    }

    /// The first rule of DESIGN.md's table that this flow breaks at packet time `time` (µs), or the
    /// declaration that allowed it; see `Judgement`.
    public func judge(_ f: FlowEnds, at time: Int64) -> Judgement {
        // Which of the rules below applies to the pair of zones is worked out once per policy (`pairs`).
        judge(f, pair(f.initiatorZone, f.responderZone).check, at: time)
    }

    /// `judge` with `check`, the rules' part for the flow's pair of zones (`pair(f.initiatorZone,
    /// f.responderZone).check`), already looked up: a new flow's judge has it from its `mayViolate` test.
    @usableFromInline
    func judge(_ f: FlowEnds, _ check: PairRule.Check, at time: Int64) -> Judgement {
        if check == .local { return .allowed }

        // Conduits: a full match allows a mynumber flow; an address/port match with another MAC is spoofing.
        let conduit = firstConduit(f)
        if conduit.allows < 0 && conduit.mismatched >= 0 {
            return Judgement(rule: .conduitMACMismatch, declaration: conduit.mismatched)
        }

        switch check {
        case .local, .none:
            return .allowed
        case .mynumber:
            // One end in the mynumber zone, the other not.
            return conduit.allows >= 0
                ? Judgement(rule: nil, declaration: conduit.allows) : Judgement(rule: .mynumberIsolation)
        case .mynumberUnzoned:
            // A conduit lets the mynumber zone talk to a device that has no zone, so nothing vouches for
            // where else that device reaches: it is the next rule, unzoned-host, until it is given a zone.
            return Judgement(rule: conduit.allows >= 0 ? .unzonedHost : .mynumberIsolation)
        case .sanitisation:
            // LGWAN and Internet zones, either way.
            let s = firstSanitisation(f)
            if s >= 0 { return Judgement(rule: nil, declaration: sanitisationBase + s) }
            return byException(f, at: time, else: .sanitisationBypass)
        case .lgwanExternal:
            return byException(f, at: time, else: .lgwanExternal)
        case .gateway:
            // The Internet zone and an external address, with gateways declared.
            let g = firstGateway(f.responderZone == .external ? f.responder : f.initiator)
            if g >= 0 { return Judgement(rule: nil, declaration: gatewayBase + g) }
            return byException(f, at: time, else: .securityCloudBypass)
        case .unzoned:
            return byException(f, at: time, else: .unzonedHost)
        }
    }

    /// Allowed by the first unexpired exception naming this flow, else `rule` with the first expired one
    /// that would have allowed it.
    func byException(_ f: FlowEnds, at time: Int64, else rule: RuleID) -> Judgement {
        let e = firstException(f, at: time)
        if e.unexpired >= 0 { return Judgement(rule: nil, declaration: exceptionBase + e.unexpired) }
        return Judgement(rule: rule, expiredException: e.expired >= 0 ? exceptionBase + e.expired : -1)
    }

    /// Whether an unexpired exception names this initiator, responder, protocol and port.
    public func exceptionAllows(_ f: FlowEnds, at time: Int64) -> Bool {
        firstException(f, at: time).unexpired >= 0
    }

    /// The first conduit (index into `config.conduits`) whose addresses, port and MACs allow the flow, and
    /// when none does, the first whose addresses and port match but whose MAC differs; -1 for none.
    @usableFromInline
    func firstConduit(_ f: FlowEnds) -> (allows: Int, mismatched: Int) {
        let r = conduitIndex.firstTwo(f.initiator, f.responder) { i in
            guard conduitRules[i].matches(f, ranges) else { return .none }
            return Policy.macsAgree(config.conduits[i], f) ? .primary : .secondary
        }
        return (r.primary, r.secondary)
    }

    /// A MAC the conduit names and the link shows must be the same; one not shown cannot be checked.
    @inlinable
    static func macsAgree(_ c: Conduit, _ f: FlowEnds) -> Bool {
        (c.fromMAC == nil || f.initiatorMAC == nil || c.fromMAC == f.initiatorMAC)
            && (c.toMAC == nil || f.responderMAC == nil || c.toMAC == f.responderMAC)
    }

    /// The first sanitisation path that allows the flow in its direction, or -1.
    @usableFromInline
    func firstSanitisation(_ f: FlowEnds) -> Int {
        sanitisationIndex.first(f.initiator, f.responder) { sanitisationRules[$0].matches(f, ranges) }
    }

    /// The first gateway holding `outside`, or -1.
    @usableFromInline
    func firstGateway(_ outside: IPAddress) -> Int {
        gatewayIndex.first(IPAddress(rawValue: 0), outside) { ranges.contains(outside, in: gatewayAddresses[$0]) }
    }

    /// The first unexpired exception naming the flow, and when there is none the first expired one; -1 for
    /// none.
    @usableFromInline
    func firstException(_ f: FlowEnds, at time: Int64) -> (unexpired: Int, expired: Int) {
        let r = exceptionIndex.firstTwo(f.initiator, f.responder) { i in
            guard exceptionRules[i].matches(f, ranges) else { return .none }
            return time < config.exceptions[i].expiresAtMicros ? .primary : .secondary
        }
        return (r.primary, r.secondary)
    }
}

/// A conduit's, sanitisation path's or exception's initiator prefixes, responder prefixes and ports, in
/// the form a candidate is verified against: the prefixes as spans of the policy's `PrefixRanges`.
@usableFromInline
struct CompiledRule: Sendable {
    @usableFromInline let from: Range<Int>
    @usableFromInline let to: Range<Int>
    @usableFromInline let ports: [PortSpec]

    init(
        from: [IPPrefix], to: [IPPrefix], ports: [PortSpec], into ranges: inout PrefixRanges,
        scratch: inout [(first: UInt128, last: UInt128)]
    ) {
        self.from = ranges.append(from, scratch: &scratch)
        self.to = ranges.append(to, scratch: &scratch)
        self.ports = ports
    }

    /// Whether the flow's initiator, responder, protocol and responder port all match.
    @inlinable
    func matches(_ f: FlowEnds, _ ranges: PrefixRanges) -> Bool {
        guard ranges.contains(f.initiator, in: from) && ranges.contains(f.responder, in: to) else { return false }
        for p in ports where p.matches(proto: f.proto, port: f.port) { return true }
        return false
    }
}
