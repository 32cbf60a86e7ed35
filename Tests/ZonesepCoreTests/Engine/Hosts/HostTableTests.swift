import XCTest

@testable import ZonesepCore

/// The host table alone: what it records, what it raises, and its bounds.
final class HostTableTests: XCTestCase {
    static func p(_ s: String...) -> [IPPrefix] { s.compactMap { IPPrefix($0) } }
    static let router = MACAddress("02:00:00:00:fe:01")!
    static let config = PolicyConfig(
        zones: [
            Zone(id: "mynumber", kind: .mynumber, networks: p("10.10.0.0/16"), vlans: [10]),
            Zone(id: "lgwan", kind: .lgwan, networks: p("10.20.0.0/16"), vlans: [20, 21]),
            Zone(id: "internet", kind: .internet, networks: p("10.30.0.0/16")),
            Zone(id: "lgwan-branch", kind: .lgwan, networks: p("10.21.0.0/16")),
        ],
        routers: [Router(name: "core", macs: [router])])
    static let policy = Policy(config)
    let rules = HostRules(HostTableTests.config)

    func observe(
        _ table: HostTable, _ mac: UInt64, _ ip: String, vlans: [UInt16] = [], evidence: HostEvidence = .ipSource,
        at t: Int64 = 0
    ) -> [HostFinding] {
        let address = IPAddress(ip)!
        let packed = FlowKey.packVLANs(
            count: UInt8(vlans.count), outer: vlans.first ?? 0, inner: vlans.count > 1 ? vlans.last! : 0)
        return table.observe(
            HostTable.Observation(
                mac: mac, address: address, zone: Self.policy.zoneMap.lookup(address), vlans: packed,
                evidence: evidence, time: t),
            rules: rules, checksVLAN: evidence == .ipSource)
    }

    func testTwoKindsMakeOneFindingWithEveryAddress() throws {
        let t = HostTable()
        let pc: UInt64 = 0x02_00_00_00_00_01
        XCTAssertEqual(observe(t, pc, "10.20.3.4", vlans: [20], at: 1), [])
        XCTAssertEqual(observe(t, pc, "10.21.0.9", vlans: [20], at: 2), [])  // another LGWAN zone: same kind
        let f = try XCTUnwrap(observe(t, pc, "10.30.7.8", at: 3).first)
        XCTAssertEqual(f.rule, .dualHomedHost)
        XCTAssertEqual(f.severity, .high)
        XCTAssertEqual(f.timestampMicros, 3)
        XCTAssertEqual(f.mac.rawValue, pc)
        XCTAssertEqual(f.address.ip, IPAddress("10.30.7.8"))
        XCTAssertEqual(f.address.zone, ZoneRef(zone: 2))
        XCTAssertEqual(f.addresses.map(\.ip.description), ["10.20.3.4", "10.21.0.9", "10.30.7.8"])
        XCTAssertEqual(f.addresses.map(\.firstSeenMicros), [1, 2, 3])
        XCTAssertEqual(f.addresses[0].vlans, [20])
        // Once per MAC for the run, whatever comes next.
        XCTAssertEqual(observe(t, pc, "10.10.0.5", vlans: [10], at: 4), [])
        XCTAssertEqual(t.addresses(of: MACAddress(rawValue: pc)).count, 4)
    }

    func testMynumberIsCriticalAndExternalCounts() throws {
        let t = HostTable()
        XCTAssertEqual(observe(t, 0x0201, "10.10.0.5", vlans: [10]), [])
        let f = try XCTUnwrap(observe(t, 0x0201, "10.20.3.4", vlans: [20]).first)
        XCTAssertEqual(f.severity, .critical)
        // A zone and an external address.
        XCTAssertEqual(observe(t, 0x0202, "10.30.0.5"), [])
        let g = try XCTUnwrap(observe(t, 0x0202, "198.51.100.7").first)
        XCTAssertEqual(g.rule, .dualHomedHost)
        XCTAssertEqual(g.severity, .high)
        XCTAssertEqual(g.address.zone, .external)
    }

    func testUnzonedLocalRoutersAndGroupMACsRecordNothing() {
        let t = HostTable()
        for ip in ["192.168.5.5", "fe80::1", "0.0.0.0", "255.255.255.255"] {
            XCTAssertEqual(observe(t, 0x0203, ip), [])
        }
        XCTAssertEqual(observe(t, 0x0203, "10.20.0.1", vlans: [20]), [], "one class only")
        XCTAssertEqual(t.addresses(of: MACAddress(rawValue: 0x0203)).map(\.ip.description), ["10.20.0.1"])
        // The declared router forwards every tier under its own MAC: nothing recorded, nothing raised.
        for ip in ["10.10.0.5", "10.20.0.5", "10.30.0.5", "198.51.100.7"] {
            XCTAssertEqual(observe(t, Self.router.rawValue, ip, vlans: [99]), [])
        }
        XCTAssertEqual(t.addresses(of: Self.router), [])
        // A group-bit source MAC is no device.
        XCTAssertEqual(observe(t, 0x01_00_5e_00_00_01, "10.10.0.5"), [])
        XCTAssertEqual(observe(t, 0x01_00_5e_00_00_01, "10.20.0.5"), [])
        XCTAssertEqual(t.count, 1)
    }

    func testVLANMismatchOncePerAddressAndVLAN() throws {
        let t = HostTable()
        XCTAssertEqual(observe(t, 0x0204, "10.20.3.4", vlans: [21]), [], "a listed VLAN")
        XCTAssertEqual(observe(t, 0x0204, "10.20.3.4"), [], "untagged: not checked")
        XCTAssertEqual(observe(t, 0x0209, "10.30.3.4", vlans: [20]), [], "a zone without vlans: any VLAN")
        let f = try XCTUnwrap(observe(t, 0x0205, "10.20.3.5", vlans: [30]).first)
        XCTAssertEqual(f.rule, .zoneVLANMismatch)
        XCTAssertEqual(f.severity, .high)
        XCTAssertEqual(f.address.vlans, [30])
        XCTAssertEqual(observe(t, 0x0206, "10.20.3.5", vlans: [30]), [], "the same address and VLAN, another MAC")
        XCTAssertEqual(observe(t, 0x0205, "10.20.3.5", vlans: [31]).map(\.rule), [.zoneVLANMismatch])
        // The innermost tag is the one judged: Q-in-Q outer 100, inner 20 is in the zone's list.
        XCTAssertEqual(observe(t, 0x0207, "10.20.3.7", vlans: [100, 20]), [])
        XCTAssertEqual(observe(t, 0x0207, "10.20.3.7", vlans: [20, 100]).map(\.rule), [.zoneVLANMismatch])
        // ARP is not held to `vlans`.
        XCTAssertEqual(observe(t, 0x0208, "10.20.3.8", vlans: [30], evidence: .arp), [])
    }

    /// A priority tag (VLAN 0) is no VLAN: not held to `vlans`, like an untagged frame.
    func testPriorityTagIsNotChecked() {
        let t = HostTable()
        XCTAssertEqual(observe(t, 0x0210, "10.20.3.4", vlans: [0]), [])
        XCTAssertEqual(observe(t, 0x0210, "10.20.3.4", vlans: [100, 0]), [], "Q-in-Q with a priority tag inside")
    }

    /// The memory of raised findings is bounded per rule: when full it starts again, counting what it
    /// forgot, and a forgotten finding can be raised a second time (rather than memory growing with a flood
    /// of spoofed sources on a wrong VLAN).
    func testFindingMemoryIsBoundedAndCounted() {
        let t = HostTable(limits: HostTable.Limits(findings: 2))
        XCTAssertEqual(observe(t, 0x0211, "10.20.3.1", vlans: [30]).count, 1)
        XCTAssertEqual(observe(t, 0x0211, "10.20.3.2", vlans: [30]).count, 1)
        XCTAssertEqual(observe(t, 0x0211, "10.20.3.1", vlans: [30]).count, 0, "still remembered")
        XCTAssertEqual(t.findingsForgotten, 0)
        XCTAssertEqual(observe(t, 0x0211, "10.20.3.3", vlans: [30]).count, 1)
        XCTAssertEqual(t.findingsForgotten, 2, "full at 2: both forgotten to make room")
        XCTAssertEqual(observe(t, 0x0211, "10.20.3.1", vlans: [30]).count, 1, "forgotten, raised again")
        // Dual-homed MACs likewise.
        XCTAssertEqual(observe(t, 0x0301, "10.10.0.1").count + observe(t, 0x0301, "10.30.0.1").count, 1)
        XCTAssertEqual(observe(t, 0x0302, "10.10.0.2").count + observe(t, 0x0302, "10.30.0.2").count, 1)
        XCTAssertEqual(observe(t, 0x0303, "10.10.0.3").count + observe(t, 0x0303, "10.30.0.3").count, 1)
        XCTAssertEqual(t.findingsForgotten, 4)
    }

    func testCapsEvictTheOldestAndCount() throws {
        let t = HostTable(limits: .init(macs: 4, addressesPerMAC: 2))
        for m in 1...4 { _ = observe(t, UInt64(0x0200 + m), "10.20.0.\(m)") }
        XCTAssertEqual(t.count, 4)
        XCTAssertEqual(t.macsEvicted, 0)
        _ = observe(t, 0x0205, "10.20.0.5")
        XCTAssertEqual(t.count, 4)
        XCTAssertEqual(t.macsEvicted, 1)
        XCTAssertEqual(t.addresses(of: MACAddress(rawValue: 0x0201)), [], "the MAC seen first made room")
        XCTAssertEqual(t.addresses(of: MACAddress(rawValue: 0x0202)).count, 1)
        // Every MAC still findable after evictions moved slots (many rounds).
        for m in 6...200 {
            _ = observe(t, UInt64(0x0200 + m), "10.20.1.\(m % 250)")
            for k in (m - 3)...m {
                XCTAssertEqual(t.addresses(of: MACAddress(rawValue: UInt64(0x0200 + k))).count, 1, "\(k) after \(m)")
            }
        }
        XCTAssertEqual(t.macsEvicted, 196)
        // Addresses past the cap are counted, and a finding they complete still shows them.
        _ = observe(t, 0x0300, "10.20.2.1")
        _ = observe(t, 0x0300, "10.20.2.2")
        let f = try XCTUnwrap(observe(t, 0x0300, "10.30.2.3").first)
        XCTAssertEqual(t.addressesDropped, 1)
        XCTAssertEqual(f.addresses.map(\.ip.description), ["10.20.2.1", "10.20.2.2", "10.30.2.3"])
        XCTAssertEqual(t.addresses(of: MACAddress(rawValue: 0x0300)).count, 2)
    }

    /// A MAC evicted after its finding does not raise it again when it comes back.
    func testEvictionNeverRepeatsAFinding() {
        let t = HostTable(limits: .init(macs: 1, addressesPerMAC: 4))
        _ = observe(t, 0x0201, "10.20.0.1")
        XCTAssertEqual(observe(t, 0x0201, "10.30.0.1").count, 1)
        _ = observe(t, 0x0202, "10.20.0.2")  // evicts 0x0201
        _ = observe(t, 0x0201, "10.20.0.1")
        XCTAssertEqual(observe(t, 0x0201, "10.30.0.1"), [])
    }

    func testRezoneFollowsANewMap() {
        let t = HostTable()
        _ = observe(t, 0x0201, "10.20.0.1")
        var moved = Self.config
        moved.zones[1].networks = Self.p("10.99.0.0/16")
        t.rezone(Policy(moved).zoneMap, rules: HostRules(moved))
        XCTAssertEqual(t.addresses(of: MACAddress(rawValue: 0x0201)).first?.zone, .unzoned)
    }
}
