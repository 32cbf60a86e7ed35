import ZonesepCore

/// A policy with each zone's name (its id, or the class name) as a JSON string and its label as a message
/// shows it (`VisibleText`-escaped), made once for a map: every alert names two zones, and escaping them
/// again for each one was a large share of its cost.
final class ZoneTexts: Sendable {
    let policy: Policy
    /// Indexed by `slot(_:)`: the declared zones in order, then external, unzoned and local.
    let nameJSON: [[UInt8]]
    let label: [[UInt8]]
    /// Each label as it stands inside a JSON string (the message of a JSON record): `label` JSON-escaped.
    let labelJSON: [[UInt8]]
    /// The sensor name as a JSON string.
    let sensorJSON: [UInt8]
    /// Each zone's name and the sensor name as a syslog PARAM-VALUE (escaped as `SyslogFormatter` does).
    let nameParam: [[UInt8]]
    let sensorParam: [UInt8]
    let zoneCount: Int
    /// The names of rules, their severities, initiator methods and flow end reasons as JSON strings, by raw
    /// value, each table's in one array (for `writeName`): made once here rather than checked for escaping
    /// in every record.
    let ruleNames: NameTable
    let severityNames: NameTable
    let initiatorNames: NameTable
    let endReasonNames: NameTable

    init(policy: Policy) {
        self.policy = policy
        let map = policy.zoneMap
        zoneCount = map.zones.count
        let refs = map.zones.indices.map { ZoneRef(zone: $0) } + [ZoneRef.external, .unzoned, .local]
        nameJSON = refs.map { r in
            var b: [UInt8] = []
            JSONObject.appendString(map.name(of: r), to: &b)
            return b
        }
        label = refs.map { Array(VisibleText.escape(map.label(of: $0)).utf8) }
        labelJSON = refs.map { r in
            var b: [UInt8] = []
            JSONObject.appendStringContent(VisibleText.escape(map.label(of: r)), to: &b)
            return b
        }
        func quoted(_ names: [String]) -> [[UInt8]] {
            names.map { n in
                var b: [UInt8] = []
                JSONObject.appendString(n, to: &b)
                return b
            }
        }
        ruleNames = NameTable(quoted(RuleID.allCases.map(\.name)))
        severityNames = NameTable(quoted(RuleID.allCases.map(\.severity.rawValue)))
        initiatorNames = NameTable(quoted(ZoneTexts.cases(InitiatorMethod.init(rawValue:)).map(\.name)))
        endReasonNames = NameTable(quoted(ZoneTexts.cases(FlowEndReason.init(rawValue:)).map(\.name)))
        var s: [UInt8] = []
        JSONObject.appendString(policy.config.sensor, to: &s)
        sensorJSON = s
        nameParam = refs.map { ZoneTexts.paramValue(map.name(of: $0)) }
        sensorParam = ZoneTexts.paramValue(policy.config.sensor)
    }

    /// Where `ref`'s texts are, or nil for a zone index the map does not have (named on the slow path).
    @inline(__always)
    func slot(_ ref: ZoneRef) -> Int? {
        if ref.isZone { return ref.zoneIndex < zoneCount ? ref.zoneIndex : nil }
        return zoneCount + Int(ref.rawValue) - 0xfffd  // external, unzoned, local
    }

    /// The label of `ref` as a message shows it, into a record writer.
    func writeLabel(_ ref: ZoneRef, to w: inout RecordWriter) {
        if let i = slot(ref) {
            w.bytes(label[i])
        } else {
            w.bytes(Array(VisibleText.escape(policy.zoneMap.label(of: ref)).utf8))
        }
    }

    /// The label of `ref` as it stands inside a JSON string, into a record writer.
    func writeLabelJSON(_ ref: ZoneRef, to w: inout RecordWriter) {
        if let i = slot(ref) {
            w.bytes(labelJSON[i])
        } else {
            var b: [UInt8] = []
            JSONObject.appendStringContent(VisibleText.escape(policy.zoneMap.label(of: ref)), to: &b)
            w.bytes(b)
        }
    }

    /// A syslog PARAM-VALUE as `SyslogFormatter.appendStructuredData` writes it: printable ASCII without
    /// `"`, `\\` or `]` as it is, anything else made visible and escaped.
    static func paramValue(_ value: String) -> [UInt8] {
        var v = value
        let plain = v.withUTF8 { b in
            b.allSatisfy { $0 >= 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C && $0 != 0x5D }
        }
        return Array((plain ? value : SyslogFormatter.escapeParamValue(VisibleText.escape(value))).utf8)
    }

    /// `paramValue(value)` into a record writer: a plain value's bytes go straight in, with no array made.
    static func writeParamValue(_ value: String, to w: inout RecordWriter) {
        var v = value
        let plain = v.withUTF8 { b in
            guard b.allSatisfy({ $0 >= 0x20 && $0 < 0x7F && $0 != 0x22 && $0 != 0x5C && $0 != 0x5D }) else {
                return false
            }
            w.bytes(b)
            return true
        }
        if !plain { w.bytes(paramValue(value)) }
    }

    /// The name of `ref` as a syslog PARAM-VALUE, into a record writer.
    func writeNameParam(_ ref: ZoneRef, to w: inout RecordWriter) {
        if let i = slot(ref) {
            w.bytes(nameParam[i])
        } else {
            w.bytes(ZoneTexts.paramValue(policy.zoneMap.name(of: ref)))
        }
    }

    /// The name of `ref` as a JSON string, into a record writer.
    func writeNameJSON(_ ref: ZoneRef, to w: inout RecordWriter) {
        if let i = slot(ref) {
            w.bytes(nameJSON[i])
        } else {
            var b: [UInt8] = []
            JSONObject.appendString(policy.zoneMap.name(of: ref), to: &b)
            w.bytes(b)
        }
    }

    /// `table[raw]` into a record writer, or `name` escaped on the spot for a raw value past the table.
    @inline(__always)
    static func writeName(_ table: NameTable, _ raw: UInt8, _ name: @autoclosure () -> String, to w: inout RecordWriter)
    {
        let i = Int(raw)
        if i < table.count {
            table.write(i, to: &w)
        } else {
            var b: [UInt8] = []
            JSONObject.appendString(name(), to: &b)
            w.bytes(b)
        }
    }

    func appendNameJSON(_ ref: ZoneRef, to out: inout [UInt8]) {
        if let i = slot(ref) {
            out.append(contentsOf: nameJSON[i])
        } else {
            JSONObject.appendString(policy.zoneMap.name(of: ref), to: &out)
        }
    }

    /// The cases of an enum whose raw values count up from 0, in order.
    static func cases<T>(_ make: (UInt8) -> T?) -> [T] {
        var out: [T] = []
        var raw: UInt8 = 0
        while let c = make(raw) {
            out.append(c)
            if raw == UInt8.max { break }
            raw += 1
        }
        return out
    }

    /// `table[raw]` (a name by raw value), or `name` escaped on the spot for a raw value past the table.
    @inline(__always)
    static func appendName(_ table: [[UInt8]], _ raw: UInt8, _ name: @autoclosure () -> String, to out: inout [UInt8]) {
        let i = Int(raw)
        if i < table.count {
            out.append(contentsOf: table[i])
        } else {
            JSONObject.appendString(name(), to: &out)
        }
    }

    /// The label of `ref` as it stands inside a JSON string.
    func appendLabelJSON(_ ref: ZoneRef, to out: inout [UInt8]) {
        if let i = slot(ref) {
            out.append(contentsOf: labelJSON[i])
        } else {
            JSONObject.appendStringContent(VisibleText.escape(policy.zoneMap.label(of: ref)), to: &out)
        }
    }

    func appendLabel(_ ref: ZoneRef, to out: inout [UInt8]) {
        if let i = slot(ref) {
            out.append(contentsOf: label[i])
        } else {
            out.append(contentsOf: VisibleText.escape(policy.zoneMap.label(of: ref)).utf8)
        }
    }
}
