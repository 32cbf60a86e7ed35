/// The two ends of a flow as the policy sees them: initiator first, responder second.
public struct FlowEnds: Sendable {
    public var initiator: IPAddress
    public var responder: IPAddress
    public var initiatorZone: ZoneRef
    public var responderZone: ZoneRef
    public var proto: UInt8
    /// The responder's port (nil for protocols without ports): the port every rule names.
    public var port: UInt16?
    public var initiatorMAC: MACAddress?
    public var responderMAC: MACAddress?

    public init(
        initiator: IPAddress, responder: IPAddress, initiatorZone: ZoneRef, responderZone: ZoneRef, proto: UInt8,
        port: UInt16?, initiatorMAC: MACAddress? = nil, responderMAC: MACAddress? = nil
    ) {
        self.initiator = initiator
        self.responder = responder
        self.initiatorZone = initiatorZone
        self.responderZone = responderZone
        self.proto = proto
        self.port = port
        self.initiatorMAC = initiatorMAC
        self.responderMAC = responderMAC
    }
}

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
/// A verdict is taken once per flow, at its first packet, so the declaration lists are scanned linearly:
/// they are short, and only flows that cross tiers reach them.
public struct Policy: Sendable {
    public let config: PolicyConfig
    public let zoneMap: ZoneMap
    @usableFromInline let kinds: [ZoneKind]

    public init(_ config: PolicyConfig) {
        self.config = config
        self.zoneMap = ZoneMap(zones: config.zones, internal: config.internal)
        self.kinds = config.zones.map(\.kind)
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
    public func verdict(_ f: FlowEnds, at time: Int64) -> Verdict? {
        let zi = f.initiatorZone
        let zr = f.responderZone
        if zi == .local || zr == .local { return nil }
        let ki = kind(zi)
        let kr = kind(zr)

        // Conduits: a full match allows a mynumber flow; an address/port match with another MAC is spoofing.
        var conduitAllows = false
        var mismatched = -1
        for (i, c) in config.conduits.enumerated()
        where Policy.contains(c.from, f.initiator) && Policy.contains(c.to, f.responder)
            && Policy.matches(c.ports, f.proto, f.port)
        {
            let fromOK = c.fromMAC == nil || f.initiatorMAC == nil || c.fromMAC == f.initiatorMAC
            let toOK = c.toMAC == nil || f.responderMAC == nil || c.toMAC == f.responderMAC
            if fromOK && toOK {
                conduitAllows = true
                break
            }
            if mismatched < 0 { mismatched = i }
        }
        if !conduitAllows && mismatched >= 0 { return Verdict(rule: .conduitMACMismatch, conduit: mismatched) }

        if (ki == .mynumber) != (kr == .mynumber) {
            return conduitAllows ? nil : Verdict(rule: .mynumberIsolation)
        }

        if (ki == .lgwan && kr == .internet) || (ki == .internet && kr == .lgwan) {
            for s in config.sanitisation
            where Policy.contains(s.from, f.initiator) && Policy.contains(s.to, f.responder)
                && Policy.matches(s.ports, f.proto, f.port)
            {
                return nil
            }
            return exceptionAllows(f, at: time) ? nil : Verdict(rule: .sanitisationBypass)
        }

        if (ki == .lgwan && zr == .external) || (zi == .external && kr == .lgwan) {
            return exceptionAllows(f, at: time) ? nil : Verdict(rule: .lgwanExternal)
        }

        if !config.gateways.isEmpty
            && ((ki == .internet && zr == .external) || (zi == .external && kr == .internet))
        {
            let outside = zr == .external ? f.responder : f.initiator
            if config.gateways.contains(where: { Policy.contains($0.addresses, outside) }) { return nil }
            return exceptionAllows(f, at: time) ? nil : Verdict(rule: .securityCloudBypass)
        }

        if zi == .unzoned || zr == .unzoned {
            return exceptionAllows(f, at: time) ? nil : Verdict(rule: .unzonedHost)
        }
        return nil
    }

    /// An unexpired exception naming this initiator, responder, protocol and port.
    public func exceptionAllows(_ f: FlowEnds, at time: Int64) -> Bool {
        config.exceptions.contains {
            time < $0.expiresAtMicros && Policy.contains($0.from, f.initiator) && Policy.contains($0.to, f.responder)
                && Policy.matches($0.ports, f.proto, f.port)
        }
    }

    static func contains(_ prefixes: [IPPrefix], _ a: IPAddress) -> Bool {
        prefixes.contains { $0.contains(a) }
    }

    static func matches(_ ports: [PortSpec], _ proto: UInt8, _ port: UInt16?) -> Bool {
        ports.contains { $0.matches(proto: proto, port: port) }
    }
}
