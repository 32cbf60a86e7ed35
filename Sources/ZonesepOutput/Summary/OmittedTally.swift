import ZonesepCore

/// The violating flows the summary's list left out, counted by rule and zone pair (initiator, responder):
/// the audit report's severities, rules table and matrix then count every violating flow, where the list
/// alone would have them all as "rule not known". Only flows past the list's limit come here: a dictionary
/// is cheap enough.
public struct OmittedViolations: Sendable, Equatable {
    public struct Group: Hashable, Sendable {
        public var rule: RuleID
        public var srcZone: ZoneRef
        public var destZone: ZoneRef

        public init(rule: RuleID, srcZone: ZoneRef, destZone: ZoneRef) {
            self.rule = rule
            self.srcZone = srcZone
            self.destZone = destZone
        }
    }

    public private(set) var flows: [Group: UInt64] = [:]

    public init() {}

    public var isEmpty: Bool { flows.isEmpty }

    public mutating func add(_ group: Group, _ count: UInt64 = 1) { flows[group, default: 0] &+= count }

    public mutating func add(_ other: OmittedViolations) { for (g, n) in other.flows { add(g, n) } }

    /// The groups by rule, then initiator and responder zone: the same run gives the same bytes.
    public var sorted: [(group: Group, flows: UInt64)] {
        flows.map { (group: $0.key, flows: $0.value) }.sorted {
            ($0.group.rule.rawValue, $0.group.srcZone.rawValue, $0.group.destZone.rawValue)
                < ($1.group.rule.rawValue, $1.group.srcZone.rawValue, $1.group.destZone.rawValue)
        }
    }

    /// The summary's `violations_omitted_by`, zones by name.
    func json(_ map: ZoneMap) -> String {
        JSONObject.array(
            sorted.map {
                var o = JSONObject()
                o.add("rule", $0.group.rule.name)
                o.add("src_zone", map.name(of: $0.group.srcZone))
                o.add("dest_zone", map.name(of: $0.group.destZone))
                o.add("flows", $0.flows)
                return o.json
            })
    }
}

/// The host findings the summary's list left out, counted by rule and severity (a `dual-homed-host` is
/// critical or high by the zones it joins).
public struct OmittedHostFindings: Sendable, Equatable {
    public struct Group: Hashable, Sendable {
        public var rule: HostRuleID
        public var severity: Severity

        public init(rule: HostRuleID, severity: Severity) {
            self.rule = rule
            self.severity = severity
        }
    }

    public private(set) var findings: [Group: UInt64] = [:]

    public init() {}

    public var isEmpty: Bool { findings.isEmpty }

    public mutating func add(_ group: Group, _ count: UInt64 = 1) { findings[group, default: 0] &+= count }

    public mutating func add(_ other: OmittedHostFindings) { for (g, n) in other.findings { add(g, n) } }

    /// The groups by rule, then severity, most severe first.
    public var sorted: [(group: Group, findings: UInt64)] {
        let order = Severity.allCases
        return findings.map { (group: $0.key, findings: $0.value) }.sorted {
            ($0.group.rule.rawValue, order.firstIndex(of: $0.group.severity) ?? 0)
                < ($1.group.rule.rawValue, order.firstIndex(of: $1.group.severity) ?? 0)
        }
    }

    /// The summary's `host_findings_omitted_by`.
    var json: String {
        JSONObject.array(
            sorted.map {
                var o = JSONObject()
                o.add("rule", $0.group.rule.name)
                o.add("severity", $0.group.severity.rawValue)
                o.add("findings", $0.findings)
                return o.json
            })
    }
}
