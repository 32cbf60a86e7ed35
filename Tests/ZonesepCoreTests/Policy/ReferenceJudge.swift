@testable import ZonesepCore

/// The policy's definition written as plainly as possible: every declaration list scanned in file order.
/// The compiled `Policy.judge` must agree with it on every flow (see `PolicyIndexTests`).
struct ReferenceJudge {
    let config: PolicyConfig
    let kinds: [ZoneKind]
    let conduits: Int
    let sanitisation: Int
    let gateways: Int

    init(_ config: PolicyConfig) {
        self.config = config
        kinds = config.zones.map(\.kind)
        conduits = config.conduits.count
        sanitisation = conduits + config.sanitisation.count
        gateways = sanitisation + config.gateways.count
    }

    func kind(_ z: ZoneRef) -> ZoneKind? { z.isZone ? kinds[z.zoneIndex] : nil }

    static func holds(_ list: [IPPrefix], _ a: IPAddress) -> Bool {
        for p in list where p.contains(a) { return true }
        return false
    }

    static func names(_ ports: [PortSpec], _ f: FlowEnds) -> Bool {
        for p in ports where p.matches(proto: f.proto, port: f.port) { return true }
        return false
    }

    func exception(_ f: FlowEnds, _ time: Int64, _ rule: RuleID) -> Judgement {
        for (i, e) in config.exceptions.enumerated()
        where time < e.expiresAtMicros && Self.holds(e.from, f.initiator) && Self.holds(e.to, f.responder)
            && Self.names(e.ports, f)
        {
            return Judgement(rule: nil, declaration: gateways + i)
        }
        for (i, e) in config.exceptions.enumerated()
        where time >= e.expiresAtMicros && Self.holds(e.from, f.initiator) && Self.holds(e.to, f.responder)
            && Self.names(e.ports, f)
        {
            return Judgement(rule: rule, expiredException: gateways + i)
        }
        return Judgement(rule: rule)
    }

    func judge(_ f: FlowEnds, at time: Int64) -> Judgement {
        if f.initiatorZone == .local || f.responderZone == .local { return .allowed }
        let ki = kind(f.initiatorZone)
        let kr = kind(f.responderZone)
        var allowing = -1
        var mismatched = -1
        for (i, c) in config.conduits.enumerated()
        where Self.holds(c.from, f.initiator) && Self.holds(c.to, f.responder) && Self.names(c.ports, f) {
            let macsAgree =
                (c.fromMAC == nil || f.initiatorMAC == nil || c.fromMAC == f.initiatorMAC)
                && (c.toMAC == nil || f.responderMAC == nil || c.toMAC == f.responderMAC)
            if macsAgree {
                allowing = i
                break
            }
            if mismatched < 0 { mismatched = i }
        }
        if allowing < 0 && mismatched >= 0 { return Judgement(rule: .conduitMACMismatch, declaration: mismatched) }
        let unzoned = f.initiatorZone == .unzoned || f.responderZone == .unzoned
        if (ki == .mynumber) != (kr == .mynumber) {
            if allowing < 0 { return Judgement(rule: .mynumberIsolation) }
            // Allowed by the conduit, the flow goes on down the rules: with an unzoned end it breaks
            // unzoned-host, and no exception waives a mynumber flow.
            return unzoned ? Judgement(rule: .unzonedHost) : Judgement(rule: nil, declaration: allowing)
        }
        let external = { (z: ZoneRef) in z == .external }
        if (ki == .lgwan && kr == .internet) || (ki == .internet && kr == .lgwan) {
            for (i, s) in config.sanitisation.enumerated()
            where Self.holds(s.from, f.initiator) && Self.holds(s.to, f.responder) && Self.names(s.ports, f) {
                return Judgement(rule: nil, declaration: conduits + i)
            }
            return exception(f, time, .sanitisationBypass)
        }
        if (ki == .lgwan && external(f.responderZone)) || (external(f.initiatorZone) && kr == .lgwan) {
            return exception(f, time, .lgwanExternal)
        }
        if !config.gateways.isEmpty
            && ((ki == .internet && external(f.responderZone)) || (external(f.initiatorZone) && kr == .internet))
        {
            let outside = external(f.responderZone) ? f.responder : f.initiator
            for (i, g) in config.gateways.enumerated() where Self.holds(g.addresses, outside) {
                return Judgement(rule: nil, declaration: sanitisation + i)
            }
            return exception(f, time, .securityCloudBypass)
        }
        if unzoned { return exception(f, time, .unzonedHost) }
        return .allowed
    }
}
