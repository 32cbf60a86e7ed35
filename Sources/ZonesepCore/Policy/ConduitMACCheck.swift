extension Policy {
    /// Whether flow `e` was allowed by a conduit whose MAC binding was never checked: the conduit names a
    /// MAC for a side whose MAC the flow's judging packet or record did not show (`macsAgree` lets an
    /// unseen MAC agree). Such a flow is "allowed, MAC not verified", and says so in its record and counts.
    /// A flow judged before a reload has the answer of the policy that allowed it (`FlowEntry.carry`).
    public func conduitMACUnverified(_ e: FlowEntry) -> Bool {
        guard e.rule == FlowEntry.noVerdict else { return false }
        if e.judgedBeforeReload { return e.lateMACCheck }
        return conduitMACUnverified(
            declaration: Int(e.declaration), initiatorMAC: e.mac(ofA: e.initiatorIsA),
            responderMAC: e.mac(ofA: !e.initiatorIsA))
    }

    /// `conduitMACUnverified(_:)` for declaration `d` (an index into `declarations`; only conduits name
    /// MACs) and the MACs seen of the flow's initiator and responder.
    public func conduitMACUnverified(declaration d: Int, initiatorMAC: MACAddress?, responderMAC: MACAddress?) -> Bool {
        guard d >= 0 && d < sanitisationBase && d < config.conduits.count else { return false }
        let c = config.conduits[d]
        return (c.fromMAC != nil && initiatorMAC == nil) || (c.toMAC != nil && responderMAC == nil)
    }
}

extension Policy {
    /// Whether declaration `d` is a conduit that names a MAC for the flow's initiator (`initiator`) or its
    /// responder: a later packet from another MAC on that side must be checked against it.
    public func conduitNamesMAC(declaration d: Int, initiator: Bool) -> Bool {
        guard d >= 0 && d < sanitisationBase && d < config.conduits.count else { return false }
        return initiator ? config.conduits[d].fromMAC != nil : config.conduits[d].toMAC != nil
    }
}

extension FlowEnds {
    /// The ends of flow entry `e` as the policy judges them: initiator first, with the MACs the entry holds
    /// (a later check of a conduit's MAC judges the flow again with what it has seen since).
    public init(of e: FlowEntry) {
        let k = e.key
        let a = e.initiatorIsA
        let ports = IPProtocolNumber.hasPorts(k.proto)
        self.init(
            initiator: a ? k.addressA : k.addressB, responder: a ? k.addressB : k.addressA,
            initiatorZone: e.initiatorZone, responderZone: e.responderZone, proto: k.proto,
            port: ports ? (a ? k.portB : k.portA) : nil, initiatorMAC: e.mac(ofA: a), responderMAC: e.mac(ofA: !a))
    }
}
