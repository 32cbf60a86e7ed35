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
    /// Per class of address (`EndCandidates.slot`: external, unzoned, local, then each zone): its class
    /// for `pairs` and the declarations that can name it. One cache line each, read in place.
    @usableFromInline let ends: AlignedBuffer<EndCandidates>
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
    /// Whether each kind is matched by trying the candidates `ends` names (at most 64 declarations), else
    /// by its index.
    @usableFromInline let conduitsByCandidates: Bool
    @usableFromInline let sanitisationByCandidates: Bool
    @usableFromInline let gatewaysByCandidates: Bool
    @usableFromInline let exceptionsByCandidates: Bool
    /// The merged address ranges of every declaration's prefix lists, end to end.
    @usableFromInline let ranges: PrefixRanges

    /// The most declarations a policy may hold: a declaration's index fits an `Int16` in the flow entry.
    /// zones.conf loading refuses more.
    public static let maxDeclarations = Int(Int16.max)

    public init(_ config: PolicyConfig) {
        self.config = config
        self.zoneMap = ZoneMap(zones: config.zones, internal: config.internal)
        self.kinds = config.zones.map(\.kind)
        self.ends = AlignedBuffer(EndCandidates.table(config, zoneMap), alignment: 64)
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
        conduitIndex = DeclarationIndex(config.conduits) { ($0.from, $0.to) }
        sanitisationRules = config.sanitisation.map {
            CompiledRule(from: $0.from, to: $0.to, ports: $0.ports, into: &ranges, scratch: &scratch)
        }
        sanitisationIndex = DeclarationIndex(config.sanitisation) { ($0.from, $0.to) }
        let anywhere = [IPPrefix(address: IPAddress(rawValue: 0), length: 0)]
        gatewayAddresses = config.gateways.map { ranges.append($0.addresses, scratch: &scratch) }
        gatewayIndex = DeclarationIndex(config.gateways) { (anywhere, $0.addresses) }
        var exceptionRules: [CompiledRule] = []
        exceptionRules.reserveCapacity(config.exceptions.count)
        // By index: a loop over the exceptions copied each one (a reference count for each of its lists
        // and texts).
        for i in config.exceptions.indices {
            exceptionRules.append(
                CompiledRule(
                    from: config.exceptions[i].from, to: config.exceptions[i].to, ports: config.exceptions[i].ports,
                    into: &ranges, scratch: &scratch))
        }
        self.exceptionRules = exceptionRules
        exceptionIndex = DeclarationIndex(config.exceptions) { ($0.from, $0.to) }
        self.ranges = ranges
        conduitsByCandidates = config.conduits.count <= EndCandidates.exactKinds
        sanitisationByCandidates = config.sanitisation.count <= EndCandidates.exactKinds
        gatewaysByCandidates = config.gateways.count <= EndCandidates.exactKinds
        exceptionsByCandidates = config.exceptions.count <= EndCandidates.exactKinds
    }

    @inlinable
    func kind(_ ref: ZoneRef) -> ZoneKind? { ref.isZone ? kinds[ref.zoneIndex] : nil }

    /// `ref`'s entry in `ends`, for a ref of this policy's map (checked: refs from elsewhere come this way).
    @inlinable
    func end(_ ref: ZoneRef) -> Int {
        let s = EndCandidates.slot(ref)
        precondition(s < ends.count, "zone ref \(ref.rawValue) is not one of this policy's")
        return s
    }

    /// The rules' part for a flow from `a` to `b`.
    @inlinable
    func pair(_ a: ZoneRef, _ b: ZoneRef) -> PairRule { pair(ends: end(a), end(b)) }

    /// The same by the ends' entries in `ends`: two loads and a third, no branch.
    @inlinable @inline(__always)
    func pair(ends a: Int, _ b: Int) -> PairRule {
        pairs.withUnsafeBufferPointer { $0[ends.base[a].pairClass &* 6 &+ ends.base[b].pairClass] }
    }

    /// Whether a new flow between ends `a` and `b` (entries in `ends` of the zones this policy's map gives
    /// its initiator and responder), whose pair of classes asks `check`, can break a rule: not when an end
    /// is local, nor between classes no rule restricts unless a conduit can match (most flows stop here).
    @inlinable @inline(__always)
    func mayViolate(_ check: PairRule.Check, ends a: Int, _ b: Int) -> Bool {
        check != .none ? check != .local : ends.base[a].conduitFrom & ends.base[b].conduitTo != 0
    }

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
    ///
    /// The rules follow `f`'s zones, whatever they are (a flow judged before a reload keeps its zones);
    /// which declarations can match follows its addresses, by the zones this policy's map gives them.
    public func judge(_ f: FlowEnds, at time: Int64) -> Judgement {
        // Which of the rules below applies to the pair of zones is worked out once per policy (`pairs`).
        judge(
            f, pair(f.initiatorZone, f.responderZone).check, ends: end(zoneMap.lookup(f.initiator)),
            end(zoneMap.lookup(f.responder)), at: time)
    }

    /// `judge` with `check`, the rules' part for the flow's pair of zones (`pair(f.initiatorZone,
    /// f.responderZone).check`), and the entries in `ends` of the zones of its initiator and responder
    /// addresses already looked up: a new flow's judge has them from its `mayViolate` test.
    @usableFromInline
    func judge(_ f: FlowEnds, _ check: PairRule.Check, ends a: Int, _ b: Int, at time: Int64) -> Judgement {
        if check == .local { return .allowed }
        // The ends' words read in place, each when its kind is asked (not copied whole up front).
        let i = ends.base + a
        let r = ends.base + b

        // Conduits: a full match allows a mynumber flow; an address/port match with another MAC is spoofing.
        // Each kind is looked up only where its ends' words leave a candidate (tested here, not in a call).
        let conduits = i.pointee.conduitFrom & r.pointee.conduitTo
        let conduit = conduits == 0 ? (allows: -1, mismatched: -1) : firstConduit(f, among: conduits)
        if conduit.allows < 0 && conduit.mismatched >= 0 {
            return Judgement(rule: .conduitMACMismatch, declaration: conduit.mismatched)
        }

        let exceptions = i.pointee.exceptionFrom & r.pointee.exceptionTo
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
            let paths = i.pointee.sanitisationFrom & r.pointee.sanitisationTo
            let s = paths == 0 ? -1 : firstSanitisation(f, among: paths)
            if s >= 0 { return Judgement(rule: nil, declaration: sanitisationBase + s) }
            return byException(f, among: exceptions, at: time, else: .sanitisationBypass)
        case .lgwanExternal:
            return byException(f, among: exceptions, at: time, else: .lgwanExternal)
        case .gateway:
            // The Internet zone and an external address, with gateways declared.
            let outsideIsResponder = f.responderZone == .external
            let gateways = outsideIsResponder ? r.pointee.gateway : i.pointee.gateway
            let g = gateways == 0 ? -1 : firstGateway(outsideIsResponder ? f.responder : f.initiator, among: gateways)
            if g >= 0 { return Judgement(rule: nil, declaration: gatewayBase + g) }
            return byException(f, among: exceptions, at: time, else: .securityCloudBypass)
        case .unzoned:
            return byException(f, among: exceptions, at: time, else: .unzonedHost)
        }
    }

    /// Allowed by the first unexpired exception naming this flow, else `rule` with the first expired one
    /// that would have allowed it.
    func byException(_ f: FlowEnds, among candidates: UInt64, at time: Int64, else rule: RuleID) -> Judgement {
        let e = candidates == 0 ? (unexpired: -1, expired: -1) : firstException(f, among: candidates, at: time)
        if e.unexpired >= 0 { return Judgement(rule: nil, declaration: exceptionBase + e.unexpired) }
        return Judgement(rule: rule, expiredException: e.expired >= 0 ? exceptionBase + e.expired : -1)
    }

    /// Whether an unexpired exception names this initiator, responder, protocol and port.
    public func exceptionAllows(_ f: FlowEnds, at time: Int64) -> Bool {
        firstException(f, at: time).unexpired >= 0
    }

    /// The candidates of a kind for a flow from `a` to `b` (addresses), by the zones of this policy's map.
    func candidates(
        _ a: IPAddress, _ b: IPAddress, _ from: KeyPath<EndCandidates, UInt64>, _ to: KeyPath<EndCandidates, UInt64>
    ) -> UInt64 {
        ends.base[end(zoneMap.lookup(a))][keyPath: from] & ends.base[end(zoneMap.lookup(b))][keyPath: to]
    }

    /// The first conduit (index into `config.conduits`) whose addresses, port and MACs allow the flow, and
    /// when none does, the first whose addresses and port match but whose MAC differs; -1 for none.
    func firstConduit(_ f: FlowEnds) -> (allows: Int, mismatched: Int) {
        firstConduit(f, among: candidates(f.initiator, f.responder, \.conduitFrom, \.conduitTo))
    }

    /// `firstConduit` among `candidates` (the flow's ends' words: no other conduit can match it).
    @usableFromInline
    func firstConduit(_ f: FlowEnds, among candidates: UInt64) -> (allows: Int, mismatched: Int) {
        if candidates == 0 { return (-1, -1) }
        let classify = { (i: Int) -> DeclarationIndex.Match in
            guard self.conduitRules[i].matches(f, self.ranges) else { return .none }
            return Policy.macsAgree(self.config.conduits[i], f) ? .primary : .secondary
        }
        let r =
            conduitsByCandidates
            ? EndCandidates.firstTwo(in: candidates, classify: classify)
            : conduitIndex.firstTwo(f.initiator, f.responder, classify: classify)
        return (r.primary, r.secondary)
    }

    /// A MAC the conduit names and the link shows must be the same; one not shown cannot be checked.
    @inlinable
    static func macsAgree(_ c: Conduit, _ f: FlowEnds) -> Bool {
        (c.fromMAC == nil || f.initiatorMAC == nil || c.fromMAC == f.initiatorMAC)
            && (c.toMAC == nil || f.responderMAC == nil || c.toMAC == f.responderMAC)
    }

    /// The first sanitisation path that allows the flow in its direction, or -1.
    func firstSanitisation(_ f: FlowEnds) -> Int {
        firstSanitisation(f, among: candidates(f.initiator, f.responder, \.sanitisationFrom, \.sanitisationTo))
    }

    /// `firstSanitisation` among `candidates`.
    @usableFromInline @inline(__always)
    func firstSanitisation(_ f: FlowEnds, among candidates: UInt64) -> Int {
        if candidates == 0 { return -1 }
        let classify = { (i: Int) -> DeclarationIndex.Match in
            self.sanitisationRules[i].matches(f, self.ranges) ? .primary : .none
        }
        return sanitisationByCandidates
            ? EndCandidates.firstTwo(in: candidates, classify: classify).primary
            : sanitisationIndex.firstTwo(f.initiator, f.responder, classify: classify).primary
    }

    /// The first gateway holding `outside`, or -1.
    func firstGateway(_ outside: IPAddress) -> Int {
        firstGateway(outside, among: ends.base[end(zoneMap.lookup(outside))].gateway)
    }

    /// `firstGateway` among `candidates`.
    @usableFromInline @inline(__always)
    func firstGateway(_ outside: IPAddress, among candidates: UInt64) -> Int {
        if candidates == 0 { return -1 }
        let classify = { (i: Int) -> DeclarationIndex.Match in
            self.ranges.contains(outside, in: self.gatewayAddresses[i]) ? .primary : .none
        }
        return gatewaysByCandidates
            ? EndCandidates.firstTwo(in: candidates, classify: classify).primary
            : gatewayIndex.firstTwo(IPAddress(rawValue: 0), outside, classify: classify).primary
    }

    /// The first unexpired exception naming the flow, and when there is none the first expired one; -1 for
    /// none.
    func firstException(_ f: FlowEnds, at time: Int64) -> (unexpired: Int, expired: Int) {
        firstException(
            f, among: candidates(f.initiator, f.responder, \.exceptionFrom, \.exceptionTo), at: time)
    }

    /// `firstException` among `candidates`.
    @usableFromInline
    func firstException(_ f: FlowEnds, among candidates: UInt64, at time: Int64) -> (unexpired: Int, expired: Int) {
        if candidates == 0 { return (-1, -1) }
        let classify = { (i: Int) -> DeclarationIndex.Match in
            guard self.exceptionRules[i].matches(f, self.ranges) else { return .none }
            return time < self.config.exceptions[i].expiresAtMicros ? .primary : .secondary
        }
        let r =
            exceptionsByCandidates
            ? EndCandidates.firstTwo(in: candidates, classify: classify)
            : exceptionIndex.firstTwo(f.initiator, f.responder, classify: classify)
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
