import XCTest

@testable import ZonesepCore

/// The policy's part of the host rules (`HostRules`): the class bit of every kind of zone reference, and
/// what `admit` lets through to the table, written out case by case.
final class HostRulesTests: XCTestCase {
    static func p(_ s: String...) -> [IPPrefix] { s.compactMap { IPPrefix($0) } }
    static let router: UInt64 = 0x02_00_00_00_fe_01
    static let config = PolicyConfig(
        zones: [
            Zone(id: "mynumber", kind: .mynumber, networks: p("10.10.0.0/16"), vlans: [10]),
            Zone(id: "lgwan", kind: .lgwan, networks: p("10.20.0.0/16"), vlans: [20, 21]),
            Zone(id: "internet", kind: .internet, networks: p("10.30.0.0/16")),
        ],
        routers: [Router(name: "core", macs: [MACAddress(rawValue: router)])])
    let rules = HostRules(HostRulesTests.config)

    /// Each zone's kind, external addresses, and nothing for unzoned, local, or a zone index past the
    /// policy's zones (the table `classBit` reads is offset by three, the refs above the zones wrapping).
    func testClassBitOfEveryKindOfRef() {
        XCTAssertEqual(rules.classBit(ZoneRef(zone: 0)), HostRules.mynumberClass)
        XCTAssertEqual(rules.classBit(ZoneRef(zone: 1)), 1 << 1, "lgwan")
        XCTAssertEqual(rules.classBit(ZoneRef(zone: 2)), 1 << 2, "internet")
        XCTAssertEqual(rules.classBit(.external), HostRules.externalClass)
        XCTAssertEqual(rules.classBit(.unzoned), 0)
        XCTAssertEqual(rules.classBit(.local), 0)
        for past in [3, 4, 100, 0xfffc] {
            XCTAssertEqual(rules.classBit(ZoneRef(rawValue: UInt16(past))), 0, "zone \(past)")
        }
        // And with no router declared: every other answer the same.
        let noRouters = HostRules(PolicyConfig(zones: Self.config.zones))
        XCTAssertFalse(noRouters.isRouter(Self.router))
        XCTAssertEqual(noRouters.classBit(ZoneRef(zone: 1)), 1 << 1)
    }

    func admit(
        _ mac: UInt64, _ zone: ZoneRef, vlans: [UInt16] = [], checksVLAN: Bool = true, rules: HostRules? = nil
    ) -> UInt16 {
        let packed = FlowKey.packVLANs(
            count: UInt8(vlans.count), outer: vlans.first ?? 0, inner: vlans.count > 1 ? vlans.last! : 0)
        let o = HostTable.Observation(
            mac: mac, address: IPAddress("10.20.0.1")!, zone: zone, vlans: packed, evidence: .ipSource, time: 0)
        return (rules ?? self.rules).admit(o, checksVLAN: checksVLAN)
    }

    /// `admit`: 0 for what the table must not record, else the class bit, with the mismatch bit when an IP
    /// source's innermost VLAN is not one its zone lists.
    func testAdmitCaseByCase() {
        let lgwan = ZoneRef(zone: 1)
        let host: UInt64 = 0x02_00_00_00_00_0a
        XCTAssertEqual(admit(host, lgwan), 1 << 1, "untagged: not checked")
        XCTAssertEqual(admit(host, lgwan, vlans: [20]), 1 << 1, "a listed VLAN")
        XCTAssertEqual(admit(host, lgwan, vlans: [30]), 1 << 1 | HostRules.vlanMismatchBit, "an unlisted VLAN")
        XCTAssertEqual(admit(host, lgwan, vlans: [30], checksVLAN: false), 1 << 1, "ARP: not held to the VLANs")
        XCTAssertEqual(admit(host, lgwan, vlans: [0]), 1 << 1, "a priority tag belongs to no VLAN")
        XCTAssertEqual(admit(host, lgwan, vlans: [20, 30]), 1 << 1 | HostRules.vlanMismatchBit, "the innermost")
        XCTAssertEqual(admit(host, lgwan, vlans: [30, 21]), 1 << 1, "the innermost, listed")
        XCTAssertEqual(admit(host, ZoneRef(zone: 2), vlans: [30]), 1 << 2, "a zone without vlans")
        XCTAssertEqual(admit(host, .external, vlans: [30]), UInt16(HostRules.externalClass), "external: no VLANs")
        XCTAssertEqual(admit(host, .unzoned), 0)
        XCTAssertEqual(admit(host, .local), 0)
        XCTAssertEqual(admit(host, ZoneRef(zone: 3)), 0, "past the policy's zones")
        XCTAssertEqual(admit(0x01_00_5e_00_00_01, lgwan), 0, "a group MAC is no device")
        XCTAssertEqual(admit(0, lgwan), 0, "nor is MAC 0")
        XCTAssertEqual(admit(Self.router, lgwan, vlans: [30]), 0, "a declared router is exempt")
        let noRouters = HostRules(PolicyConfig(zones: Self.config.zones))
        XCTAssertEqual(admit(Self.router, lgwan, vlans: [30], rules: noRouters), 1 << 1 | HostRules.vlanMismatchBit)
    }
}
