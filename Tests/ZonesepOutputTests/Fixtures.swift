import ZonesepCore
import ZonesepOutput

/// Alerts and a policy built by hand, for the output tests.
enum OutputFixtures {
    static func p(_ s: String...) -> [IPPrefix] { s.compactMap { IPPrefix($0) } }

    static let policy = Policy(
        PolicyConfig(
            sensor: "test-sensor",
            zones: [
                Zone(id: "mynumber", kind: .mynumber, label: "マイナンバー利用事務系", networks: p("10.10.0.0/16")),
                Zone(id: "lgwan", kind: .lgwan, label: "LGWAN接続系", networks: p("10.20.0.0/16")),
                Zone(id: "internet", kind: .internet, label: "インターネット接続系", networks: p("10.30.0.0/16")),
            ]))

    static var format: AlertFormat { AlertFormat(policy: policy) }

    /// 2026-11-20T00:00:00Z, in µs.
    static let t0: Int64 = 1_795_132_800_000_000

    /// An alert for a TCP flow from `src` to `dst:port` whose first packet is at `t0 + seconds`.
    static func alert(
        _ rule: RuleID = .sanitisationBypass, src: String = "10.20.3.4", srcPort: UInt16 = 51512,
        dst: String = "10.30.7.8", port: UInt16 = 445, proto: UInt8 = 6, at seconds: Double = 0, serial: UInt64 = 1,
        vlan: UInt16? = nil
    ) -> Alert {
        let key = FlowKey(
            addressA: IPAddress(src)!, addressB: IPAddress(dst)!, portA: srcPort, portB: port, proto: proto,
            vlans: vlan.map { FlowKey.packVLANs(count: 1, outer: $0, inner: 0) } ?? 0)
        var e = FlowEntry(key: key)
        e.serial = serial
        e.firstSeen = t0 + Int64(seconds * 1_000_000)
        e.lastSeen = e.firstSeen
        e.initiatorIsA = true
        e.method = .syn
        e.zoneA = policy.zoneMap.lookup(key.addressA)
        e.zoneB = policy.zoneMap.lookup(key.addressB)
        e.hasMACs = true
        e.macA = 0x0200_0000_0001
        e.macB = 0x0200_0000_0002
        e.rule = rule.rawValue
        return Alert(flow: e)!
    }
}
