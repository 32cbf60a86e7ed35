import ZonesepCore

/// A tunnel whose own endpoints the policy would not let talk (the summary's `tunnels_breaking_policy`):
/// flows are judged by their innermost packet, so a zone host that wraps its traffic in VXLAN, GRE or IP in IP
/// to a public address raises nothing of its own; the run lists the tunnel instead, as a limit of its verdict.
public struct PolicyBreakingTunnel: Sendable, Equatable {
    /// The layer's type name (`vxlan`, `gre`, `ipip`, …).
    public var type: String
    /// The outer addresses of the first packet of the first flow it carried, source then destination.
    public var src: IPAddress
    public var dest: IPAddress
    /// An outer IPv6 header with an IPv4-mapped address: written as on the wire (::ffff:a.b.c.d), as the
    /// tunnel's alert writes it.
    public var mappedIPv6: Bool
    /// Their zone ids (or `external`, `unzoned`) under the map in force when it was first seen.
    public var srcZone: String
    public var destZone: String
    /// The rule a flow between the two ends would break.
    public var rule: RuleID
    /// The flows that started inside it.
    public var flows: UInt64
    public var firstSeenMicros: Int64

    /// How many the summary lists (in the order first seen); past it they are only counted.
    public static let listed = 100

    public init(
        type: String, src: IPAddress, dest: IPAddress, srcZone: String, destZone: String, rule: RuleID,
        flows: UInt64, firstSeenMicros: Int64, mappedIPv6: Bool = false
    ) {
        self.type = type
        self.mappedIPv6 = mappedIPv6
        self.src = src
        self.dest = dest
        self.srcZone = srcZone
        self.destZone = destZone
        self.rule = rule
        self.flows = flows
        self.firstSeenMicros = firstSeenMicros
    }

    /// The ends as written everywhere: an IPv4-mapped address of an IPv6 outer header as on the wire.
    public var srcText: String { src.description(mappedIPv6: mappedIPv6) }
    public var destText: String { dest.description(mappedIPv6: mappedIPv6) }

    /// What tells one tunnel from another: its type and its two ends, in the direction first seen.
    public var key: Key { Key(type: type, src: src, dest: dest) }

    public struct Key: Hashable, Sendable {
        public var type: String
        public var src: IPAddress
        public var dest: IPAddress
    }

    /// The summary's entry.
    public var json: String {
        var o = JSONObject()
        o.add("type", type)
        o.add("src_ip", srcText)
        o.add("dest_ip", destText)
        o.add("src_zone", srcZone)
        o.add("dest_zone", destZone)
        o.add("rule", rule.name)
        o.add("flows", flows)
        o.add("first_seen", Timestamp.rfc3339(firstSeenMicros))
        return o.json
    }

    /// `vxlan 10.10.3.3 (my) → 8.8.8.8 (external): mynumber-isolation, 1 flow`, for the text summary, stderr
    /// and the report's md and csv (zone ids escaped: they come from zones.conf or a saved run).
    public var text: String {
        "\(type) \(srcText) (\(VisibleText.escape(srcZone))) → \(destText) (\(VisibleText.escape(destZone))): "
            + "\(rule.name), \(flows) \(flows == 1 ? "flow" : "flows")"
    }

    /// The text summary's line and stderr's warning at the end of a run, nil when no tunnel broke the
    /// policy: the first five by name, then how many more.
    public static func warning(_ tunnels: [PolicyBreakingTunnel], notListed: UInt64) -> String? {
        guard !tunnels.isEmpty || notListed > 0 else { return nil }
        let n = UInt64(tunnels.count) &+ notListed
        let more = n - UInt64(min(tunnels.count, 5))
        return "\(n) \(n == 1 ? "tunnel" : "tunnels") whose own ends break the policy (the flows inside were judged "
            + "by their innermost packets: the verdict does not cover what a host carried out in them): "
            + tunnels.prefix(5).map(\.text).joined(separator: "; ") + (more > 0 ? "; and \(more) more" : "")
    }

    /// The tunnels of several parts of one run (`watch`'s workers): one entry per tunnel (flows added, the
    /// earliest first seen kept), in the order first seen, at most `listed`; the rest, and those the parts
    /// did not list, counted (a tunnel one part listed and another only counted is counted twice).
    public static func merge(_ parts: [(listed: [PolicyBreakingTunnel], notListed: UInt64)]) -> (
        listed: [PolicyBreakingTunnel], notListed: UInt64
    ) {
        var byKey: [Key: Int] = [:]
        var all: [PolicyBreakingTunnel] = []
        var notListed: UInt64 = 0
        for p in parts {
            notListed &+= p.notListed
            for t in p.listed {
                if let i = byKey[t.key] {
                    all[i].flows &+= t.flows
                    if t.firstSeenMicros < all[i].firstSeenMicros {
                        all[i].firstSeenMicros = t.firstSeenMicros
                        all[i].srcZone = t.srcZone
                        all[i].destZone = t.destZone
                        all[i].rule = t.rule
                    }
                } else {
                    byKey[t.key] = all.count
                    all.append(t)
                }
            }
        }
        // Stable: of equal times, the first part's first.
        let ordered = all.enumerated().sorted {
            ($0.element.firstSeenMicros, $0.offset) < ($1.element.firstSeenMicros, $1.offset)
        }.map(\.element)
        return (Array(ordered.prefix(listed)), notListed &+ UInt64(max(0, ordered.count - listed)))
    }
}
