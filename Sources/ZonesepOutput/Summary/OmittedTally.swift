import ZonesepCore

/// What a summary's list left out past its limit, counted by group: violating flows by rule and zone pair,
/// host findings by rule and severity. The audit report's severities, rules table and matrix then count
/// everything found, where the list alone would have the rest as "rule not known". Only what is past the
/// limit comes here: a dictionary is cheap enough.
public struct OmittedTally<Group: Hashable & Comparable & Sendable>: Sendable, Equatable {
    public private(set) var counts: [Group: UInt64] = [:]

    public init() {}

    public var isEmpty: Bool { counts.isEmpty }

    public mutating func add(_ group: Group, _ count: UInt64 = 1) { counts[group, default: 0] &+= count }

    public mutating func add(_ other: OmittedTally) { for (g, n) in other.counts { add(g, n) } }

    /// How many of the groups `matching` takes (all by default).
    public func total(where matching: (Group) -> Bool = { _ in true }) -> UInt64 {
        counts.reduce(0) { matching($1.key) ? $0 &+ $1.value : $0 }
    }

    /// The groups in their order: the same run gives the same bytes.
    public var sorted: [(group: Group, count: UInt64)] {
        counts.map { (group: $0.key, count: $0.value) }.sorted { $0.group < $1.group }
    }
}

/// Violating flows by rule and zone pair (initiator, responder), as their alerts would have them.
public typealias OmittedViolations = OmittedTally<OmittedFlowGroup>

/// Host findings by rule and severity (a `dual-homed-host` is critical or high by the zones it joins).
public typealias OmittedHostFindings = OmittedTally<OmittedFindingGroup>

public struct OmittedFlowGroup: Hashable, Comparable, Sendable {
    public var rule: RuleID
    public var srcZone: ZoneRef
    public var destZone: ZoneRef

    public init(rule: RuleID, srcZone: ZoneRef, destZone: ZoneRef) {
        self.rule = rule
        self.srcZone = srcZone
        self.destZone = destZone
    }

    /// By rule, then initiator and responder zone.
    public static func < (a: Self, b: Self) -> Bool {
        (a.rule.rawValue, a.srcZone.rawValue, a.destZone.rawValue)
            < (b.rule.rawValue, b.srcZone.rawValue, b.destZone.rawValue)
    }
}

public struct OmittedFindingGroup: Hashable, Comparable, Sendable {
    public var rule: HostRuleID
    public var severity: Severity

    public init(rule: HostRuleID, severity: Severity) {
        self.rule = rule
        self.severity = severity
    }

    /// By rule, then severity, most severe first.
    public static func < (a: Self, b: Self) -> Bool {
        let order = Severity.allCases
        return (a.rule.rawValue, order.firstIndex(of: a.severity) ?? 0)
            < (b.rule.rawValue, order.firstIndex(of: b.severity) ?? 0)
    }
}

extension OmittedTally where Group == OmittedFlowGroup {
    /// The summary's `violations_omitted_by`, zones by name.
    func json(_ map: ZoneMap) -> String {
        JSONObject.array(
            sorted.map {
                var o = JSONObject()
                o.add("rule", $0.group.rule.name)
                o.add("src_zone", map.name(of: $0.group.srcZone))
                o.add("dest_zone", map.name(of: $0.group.destZone))
                o.add("flows", $0.count)
                return o.json
            })
    }
}

extension OmittedTally where Group == OmittedFindingGroup {
    /// The summary's `host_findings_omitted_by`.
    var json: String {
        JSONObject.array(
            sorted.map {
                var o = JSONObject()
                o.add("rule", $0.group.rule.name)
                o.add("severity", $0.group.severity.rawValue)
                o.add("findings", $0.count)
                return o.json
            })
    }
}
