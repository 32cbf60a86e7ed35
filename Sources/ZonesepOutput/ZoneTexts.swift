import ZonesepCore

/// A policy with each zone's name (its id, or the class name) as a JSON string and its label as a message
/// shows it (`VisibleText`-escaped), made once for a map: every alert names two zones, and escaping them
/// again for each one was a large share of its cost.
final class ZoneTexts: Sendable {
    let policy: Policy
    /// Indexed by `slot(_:)`: the declared zones in order, then external, unzoned and local.
    let nameJSON: [[UInt8]]
    let label: [[UInt8]]
    /// The sensor name as a JSON string.
    let sensorJSON: [UInt8]
    let zoneCount: Int

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
        var s: [UInt8] = []
        JSONObject.appendString(policy.config.sensor, to: &s)
        sensorJSON = s
    }

    /// Where `ref`'s texts are, or nil for a zone index the map does not have (named on the slow path).
    @inline(__always)
    func slot(_ ref: ZoneRef) -> Int? {
        if ref.isZone { return ref.zoneIndex < zoneCount ? ref.zoneIndex : nil }
        return zoneCount + Int(ref.rawValue) - 0xfffd  // external, unzoned, local
    }

    func appendNameJSON(_ ref: ZoneRef, to out: inout [UInt8]) {
        if let i = slot(ref) {
            out.append(contentsOf: nameJSON[i])
        } else {
            JSONObject.appendString(policy.zoneMap.name(of: ref), to: &out)
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
