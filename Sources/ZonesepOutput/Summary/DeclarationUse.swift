import ZonesepCore

/// What one conduit, sanitisation path, gateway or exception did in a run: the flows it allowed, and for
/// an exception, its expiry and the flows it would have allowed had it not expired.
///
/// The policy says exceptions are reviewed and withdrawn when no longer needed; these counts are what
/// that review needs (unused declarations, exceptions about to expire or expired but still asked for).
public struct DeclarationUse: Sendable, Equatable {
    public var kind: DeclarationKind
    public var name: String
    public var flows: UInt64 = 0
    public var packets: UInt64 = 0
    public var bytes: UInt64 = 0
    /// The first packet of the first flow it allowed, and the last packet of the last; nil when unused.
    public var firstSeenMicros: Int64?
    public var lastSeenMicros: Int64?
    /// Exceptions: the first instant it no longer applies.
    public var expiresAtMicros: Int64?
    /// Exceptions: violating flows it would have allowed had it not expired (the first such exception in file
    /// order is credited).
    public var flowsAfterExpiry: UInt64 = 0
    /// Conduits: flows it allowed although it names a MAC for a side whose MAC the flow never showed
    /// (`Policy.conduitMACUnverified`): allowed, MAC not verified.
    public var macNotVerified: UInt64 = 0
    /// Flows that started inside a tunnel whose own ends it allowed (`TunnelAudit`): a conduit or exception
    /// for udp/4789 between two VXLAN endpoints allows no flow of its own, and read as unused (REVIEW-148
    /// F11), a candidate for withdrawal whose removal would make every such tunnel break the policy.
    public var tunnelFlows: UInt64 = 0

    /// How far ahead of the run's last packet an exception's expiry makes it `expiring`.
    public static let expiringWindowMicros: Int64 = 30 * 86_400 * 1_000_000

    public init(
        kind: DeclarationKind, name: String, flows: UInt64 = 0, packets: UInt64 = 0, bytes: UInt64 = 0,
        firstSeenMicros: Int64? = nil, lastSeenMicros: Int64? = nil, expiresAtMicros: Int64? = nil,
        flowsAfterExpiry: UInt64 = 0, macNotVerified: UInt64 = 0, tunnelFlows: UInt64 = 0
    ) {
        self.kind = kind
        self.name = name
        self.flows = flows
        self.packets = packets
        self.bytes = bytes
        self.firstSeenMicros = firstSeenMicros
        self.lastSeenMicros = lastSeenMicros
        self.expiresAtMicros = expiresAtMicros
        self.flowsAfterExpiry = flowsAfterExpiry
        self.macNotVerified = macNotVerified
        self.tunnelFlows = tunnelFlows
    }

    public init(_ d: Declaration) {
        self.init(kind: d.kind, name: d.name, expiresAtMicros: d.expiresAtMicros)
    }

    /// Allowed nothing in the run, no flow and no tunnel's ends: a candidate for withdrawal.
    public var unused: Bool { flows == 0 && tunnelFlows == 0 }

    /// An exception already expired at `last` (the run's last packet), or one a flow came after: packet
    /// time passed its expiry within the run, whatever the last packet read says (a file out of time order).
    public func expired(at last: Int64?) -> Bool {
        guard let x = expiresAtMicros, let last else { return false }
        return x <= last || flowsAfterExpiry > 0
    }

    /// An exception with an expiry in a run that read no packet or record: no time of the traffic to judge
    /// it by, and the wall clock judges no verdict, so its `expired` and `expiring` are unknown, not false.
    public func expiryUnjudged(at last: Int64?) -> Bool { expiresAtMicros != nil && last == nil }

    /// An exception still valid at `last` that expires within 30 days of it.
    public func expiring(at last: Int64?) -> Bool {
        guard let x = expiresAtMicros, let last, !expired(at: last) else { return false }
        return x - last <= DeclarationUse.expiringWindowMicros
    }

    /// Adds a flow it allowed.
    mutating func credit(_ f: FlowEntry) {
        flows &+= 1
        packets &+= f.packets
        bytes &+= f.bytes
        firstSeenMicros = min(firstSeenMicros ?? f.firstSeen, f.firstSeen)
        lastSeenMicros = max(lastSeenMicros ?? f.lastSeen, f.lastSeen)
    }

    /// Adds another session's counts of the same declaration (watch's workers).
    public mutating func add(_ o: DeclarationUse) {
        flows &+= o.flows
        packets &+= o.packets
        bytes &+= o.bytes
        if let a = o.firstSeenMicros { firstSeenMicros = min(firstSeenMicros ?? a, a) }
        if let b = o.lastSeenMicros { lastSeenMicros = max(lastSeenMicros ?? b, b) }
        flowsAfterExpiry &+= o.flowsAfterExpiry
        macNotVerified &+= o.macNotVerified
        tunnelFlows &+= o.tunnelFlows
    }
}
