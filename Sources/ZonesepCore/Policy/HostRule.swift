/// The host rules of DESIGN.md ("Separation at layer 2"): findings about a device (a MAC address), not a
/// flow. Apart from `RuleID` because a host finding has no flow, no initiator and no exception to match,
/// and its severity depends on the zones involved.
public enum HostRuleID: UInt8, Sendable, CaseIterable, CustomStringConvertible {
    /// One MAC, not a declared router, seen for addresses in zones of two kinds, or in a zone and outside.
    case dualHomedHost = 0
    /// A zone that declares `vlans` has a source address on a VLAN it does not list.
    case zoneVLANMismatch

    /// The id as it appears in alerts, syslog, the summary and suppression keys.
    public var name: String {
        switch self {
        case .dualHomedHost: return "dual-homed-host"
        case .zoneVLANMismatch: return "zone-vlan-mismatch"
        }
    }

    /// The rule's usual severity; a `dual-homed-host` finding that involves a `mynumber` zone is critical
    /// (`HostFinding.severity` carries the finding's own).
    public var baseSeverity: Severity { .high }

    public var description: String { name }
}
