/// How an address came to be tied to a MAC in the host table.
public enum HostEvidence: UInt8, Sendable, CaseIterable {
    /// The MAC was the Ethernet source of an IP packet from the address.
    case ipSource = 0
    /// An ARP request, reply or gratuitous ARP named the MAC as the sender of the address.
    case arp
    /// An IPv6 neighbour advertisement from the MAC (Ethernet source) for the address (its target).
    case neighborAdvertisement

    /// The name used in alerts and the report.
    public var name: String {
        switch self {
        case .ipSource: return "ip"
        case .arp: return "arp"
        case .neighborAdvertisement: return "nd"
        }
    }
}

/// One address seen for a MAC: its zone (under the policy in force when it was seen), the frame's own
/// VLANs as a flow key keeps them (the outermost and innermost of the stack, with the count), how it was
/// seen and when first.
public struct HostAddress: Sendable, Equatable, Hashable {
    public var ip: IPAddress
    public var zone: ZoneRef
    /// Own VLAN tags of the frame (after the last tunnel header), 0...8; `vlanOuter`/`vlanInner` as in
    /// `Alert` (the inner one valid with two tags or more).
    public var vlanCount: UInt8
    public var vlanOuter: UInt16
    public var vlanInner: UInt16
    public var evidence: HostEvidence
    /// Packet time (µs since the Unix epoch, UTC) of the first frame that showed this address on this MAC
    /// with these VLANs.
    public var firstSeenMicros: Int64

    public init(
        ip: IPAddress, zone: ZoneRef, vlanCount: UInt8 = 0, vlanOuter: UInt16 = 0, vlanInner: UInt16 = 0,
        evidence: HostEvidence = .ipSource, firstSeenMicros: Int64 = 0
    ) {
        self.ip = ip
        self.zone = zone
        self.vlanCount = vlanCount
        self.vlanOuter = vlanOuter
        self.vlanInner = vlanInner
        self.evidence = evidence
        self.firstSeenMicros = firstSeenMicros
    }

    /// The VLAN ids, outermost first, as a flow alert's `vlan` (empty for an untagged frame).
    public var vlans: [UInt16] {
        switch vlanCount {
        case 0: return []
        case 1: return [vlanOuter]
        default: return [vlanOuter, vlanInner]
        }
    }

    /// The innermost VLAN id, the one a zone's `vlans` is checked against (nil: untagged).
    @inlinable
    public var innermostVLAN: UInt16? {
        switch vlanCount {
        case 0: return nil
        case 1: return vlanOuter
        default: return vlanInner
        }
    }
}

/// A host rule that fired: the device (MAC), the address that completed the finding, and every address
/// the host table holds for that MAC, which is the evidence (DESIGN.md, "Output": the host-rule alert).
///
/// Raised once per (rule, MAC) for `dual-homed-host` and once per (rule, address, VLAN) for
/// `zone-vlan-mismatch`, for the whole run. Reaches sinks as an `EngineEvent` of kind `.hostFinding`
/// whose `hostFinding` indexes `EventBatch.hostFindings` (a finding holds an array, so it does not live
/// in the flat event buffer; findings are rare, so the side array costs nothing per packet).
public struct HostFinding: Sendable, Equatable {
    public var rule: HostRuleID
    /// Critical for a `dual-homed-host` finding that involves a `mynumber` zone, else high.
    public var severity: Severity
    /// Packet time of the frame that completed the finding (µs since the Unix epoch, UTC).
    public var timestampMicros: Int64
    public var mac: MACAddress
    /// The address that completed the finding (for `zone-vlan-mismatch`: the address on the wrong VLAN,
    /// with that VLAN). Also in `addresses`.
    public var address: HostAddress
    /// Every address the host table held for the MAC at that moment, in the order first seen (at most
    /// `HostTable.addressesPerMAC`).
    public var addresses: [HostAddress]

    public init(
        rule: HostRuleID, severity: Severity, timestampMicros: Int64, mac: MACAddress, address: HostAddress,
        addresses: [HostAddress]
    ) {
        self.rule = rule
        self.severity = severity
        self.timestampMicros = timestampMicros
        self.mac = mac
        self.address = address
        self.addresses = addresses
    }
}
