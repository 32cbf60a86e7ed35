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

    /// Whether a flow between these two classes could break a rule at all; most flows stop here.
    @inlinable
    public func mayViolate(_ a: ZoneRef, _ b: ZoneRef) -> Bool {
        if a == .local || b == .local { return false }
        if a == .unzoned || b == .unzoned { return true }
        let ka = kind(a)
        let kb = kind(b)
        if ka == kb { return !config.conduits.isEmpty }  // same kind (or both external): only a conduit's MAC
        return true
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
        let zi = f.initiatorZone
        let zr = f.responderZone
        if zi == .local || zr == .local { return .allowed }
        let ki = kind(zi)
        let kr = kind(zr)

        // Conduits: a full match allows a mynumber flow; an address/port match with another MAC is spoofing.
        let conduit = firstConduit(f)
        if conduit.allows < 0 && conduit.mismatched >= 0 {
            return Judgement(rule: .conduitMACMismatch, declaration: conduit.mismatched)
        }

        if (ki == .mynumber) != (kr == .mynumber) {
            return conduit.allows >= 0
                ? Judgement(rule: nil, declaration: conduit.allows) : Judgement(rule: .mynumberIsolation)
        }

        if (ki == .lgwan && kr == .internet) || (ki == .internet && kr == .lgwan) {
            let s = firstSanitisation(f)
            if s >= 0 { return Judgement(rule: nil, declaration: sanitisationBase + s) }
            return byException(f, at: time, else: .sanitisationBypass)
        }

        if (ki == .lgwan && zr == .external) || (zi == .external && kr == .lgwan) {
            return byException(f, at: time, else: .lgwanExternal)
        }

        if !config.gateways.isEmpty
            && ((ki == .internet && zr == .external) || (zi == .external && kr == .internet))
        {
            let g = firstGateway(zr == .external ? f.responder : f.initiator)
            if g >= 0 { return Judgement(rule: nil, declaration: gatewayBase + g) }
            return byException(f, at: time, else: .securityCloudBypass)
        }

        if zi == .unzoned || zr == .unzoned {
            return byException(f, at: time, else: .unzonedHost)
        }
        return .allowed
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
