import ZonesepCore

/// The host rules (`dual-homed-host`, `zone-vlan-mismatch`) for flow records: one `HostTable` for the
/// collector, fed with what a record shows of its sender, as the verifier feeds its table from a frame.
///
/// A record with a source MAC tells the table that this MAC sent from the record's source address, on the
/// record's VLANs: what replay's table hears from the first frame of that direction of the flow. An sFlow
/// sample whose header went through the packet decoder is fed exactly as a captured frame is (its
/// innermost source MAC, its source address, its own VLANs as a flow key packs them). A record without a
/// source MAC (NetFlow v5, softflowd, a template without MAC fields) feeds nothing: no layer-2 verdict is
/// made from it.
public final class ExportHosts {
    public let table: HostTable
    private(set) var rules: HostRules
    /// Findings raised, by `HostRuleID` raw value.
    public private(set) var findingsByRule = [UInt64](repeating: 0, count: HostRuleID.allCases.count)
    /// Records (and samples) that fed the table: they carried a source MAC.
    public private(set) var observations: UInt64 = 0

    public init(policy: Policy, limits: HostTable.Limits = HostTable.Limits()) {
        table = HostTable(limits: limits)
        rules = HostRules(policy.config)
    }

    /// A reloaded policy: the stored addresses take the new map's zones, the findings raised stay raised.
    public func replacePolicy(_ policy: Policy) {
        rules = HostRules(policy.config)
        table.rezone(policy.zoneMap, rules: rules)
    }

    public func count(_ rule: HostRuleID) -> UInt64 { findingsByRule[Int(rule.rawValue)] }
    public var findings: UInt64 { findingsByRule.reduce(0, +) }

    /// Tells the table what record `r` shows of its sender at record time `time` (µs), and returns the
    /// findings that completes (usually none).
    func observe(_ r: FlowRecord, at time: Int64, zoneMap: ZoneMap) -> [HostFinding] {
        let mac: MACAddress
        let address: IPAddress
        let vlans: UInt32
        let p = r.sampledPacket
        if r.input == .sflow && p.ipVersion != 0 {
            // The sampled frame as the packet decoder read it: what a capture of it would feed (the
            // verifier's `observeFrame`); a sample of a bare IP header has no MAC.
            guard let m = p.srcMAC else { return [] }
            (mac, address, vlans) = (m, p.src, p.packedVLANs)
        } else {
            guard let m = r.srcMAC else { return [] }
            let inner = r.vlanCount > 1 ? r.vlan1 : r.vlan0
            (mac, address, vlans) = (m, r.src, FlowKey.packVLANs(count: r.vlanCount, outer: r.vlan0, inner: inner))
        }
        observations &+= 1
        let o = HostTable.Observation(
            mac: mac.rawValue, address: address, zone: zoneMap.lookup(address), vlans: vlans, evidence: .ipSource,
            time: time)
        let found = table.observe(o, rules: rules, checksVLAN: true)
        for f in found { findingsByRule[Int(f.rule.rawValue)] &+= 1 }
        return found
    }
}

extension ExportFlowTable {
    /// Feeds record `r`'s sender to the host rules and queues, as events of the batch, the findings that
    /// completes; their origin is the record that completed them.
    func observeSender(_ r: FlowRecord) {
        let time = min(max(r.startMicros, 0), Self.latestTime)
        let found = hosts.observe(r, at: time, zoneMap: judge.policy.zoneMap)
        guard !found.isEmpty, sink.interests.contains(.hostFindings) else { return }
        let origin = Origin(
            input: r.input, exporter: r.exporter, macNotInRecord: false,
            vlans: FlowKey.packVLANs(count: r.vlanCount, outer: r.vlan0, inner: r.vlanCount > 1 ? r.vlan1 : r.vlan0))
        for f in found {
            hostFindings.append(f)
            events.append(EngineEvent(hostFinding: hostFindings.count - 1))
            eventOrigins.append(origin)
        }
    }
}
