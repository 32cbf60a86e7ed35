import XCTest
import ZonesepTestSupport

@testable import ZonesepCore

/// The host table against a plain model of its rules (a dictionary, a queue of MACs in the order they
/// came, arrays of addresses) under streams of MAC churn: every finding, every counter and every MAC's
/// addresses must agree, for the shared (locked) table and a verifier's own (unlocked) one.
final class HostTableChurnTests: XCTestCase {
    static func p(_ s: String...) -> [IPPrefix] { s.compactMap { IPPrefix($0) } }
    static let router: UInt64 = 0x02_00_00_00_fe_01
    static let config = PolicyConfig(
        zones: [
            Zone(id: "mynumber", kind: .mynumber, networks: p("10.10.0.0/16"), vlans: [10]),
            Zone(id: "lgwan", kind: .lgwan, networks: p("10.20.0.0/16", "fd00:20::/32"), vlans: [20, 21]),
            Zone(id: "internet", kind: .internet, networks: p("10.30.0.0/16")),
        ],
        routers: [Router(name: "core", macs: [MACAddress(rawValue: router)])])
    static let policy = Policy(config)
    let rules = HostRules(HostTableChurnTests.config)

    /// The rules of `HostTable` as docs/rules.md states them, written the plain way.
    struct Model {
        let limits: HostTable.Limits
        let rules: HostRules
        var order: [UInt64] = []
        var addresses: [UInt64: [HostAddress]] = [:]
        var classes: [UInt64: UInt8] = [:]
        var dualHomed = Set<UInt64>()
        var vlanFindings = Set<[UInt64]>()
        var macsEvicted: UInt64 = 0
        var addressesDropped: UInt64 = 0
        var findingsForgotten: UInt64 = 0

        mutating func observe(_ o: HostTable.Observation, checksVLAN: Bool) -> [HostFinding] {
            let bit = rules.classBit(o.zone)
            guard bit != 0, o.mac & 0x0100_0000_0000 == 0, o.mac != 0, !rules.isRouter(o.mac) else { return [] }
            let seen = HostAddress(
                ip: o.address, zone: o.zone, vlanCount: UInt8(o.vlans >> 24 & 0xf),
                vlanOuter: UInt16(o.vlans >> 12 & 0xfff),
                vlanInner: UInt16(o.vlans & 0xfff), evidence: o.evidence, firstSeenMicros: o.time)
            if addresses[o.mac] == nil {
                if order.count == limits.macs {
                    let oldest = order.removeFirst()
                    addresses[oldest] = nil
                    classes[oldest] = nil
                    macsEvicted += 1
                }
                order.append(o.mac)
                addresses[o.mac] = []
                classes[o.mac] = 0
            }
            var list = addresses[o.mac]!
            var kept = true
            if !list.contains(where: {
                $0.ip == seen.ip && $0.vlanCount == seen.vlanCount && $0.vlanOuter == seen.vlanOuter
                    && $0.vlanInner == seen.vlanInner
            }) {
                if list.count < limits.addressesPerMAC {
                    list.append(seen)
                    addresses[o.mac] = list
                } else {
                    addressesDropped += 1
                    kept = false
                }
            }
            classes[o.mac]! |= bit
            var evidence = list
            if !kept { evidence.append(seen) }
            let completing = evidence.first { $0.ip == seen.ip && $0.vlans == seen.vlans }!
            var found: [HostFinding] = []
            let c = classes[o.mac]!
            if c.nonzeroBitCount >= 2 && !dualHomed.contains(o.mac) {
                if dualHomed.count >= limits.findings {
                    findingsForgotten += UInt64(dualHomed.count)
                    dualHomed = []
                }
                dualHomed.insert(o.mac)
                found.append(
                    HostFinding(
                        rule: .dualHomedHost, severity: c & HostRules.mynumberClass != 0 ? .critical : .high,
                        timestampMicros: o.time, mac: MACAddress(rawValue: o.mac), address: completing,
                        addresses: evidence))
            }
            if checksVLAN, let vlan = o.innermostVLAN, rules.vlanMismatch(o.zone, vlan: vlan) {
                let key = [
                    UInt64(truncatingIfNeeded: o.address.rawValue), UInt64(o.address.rawValue >> 64), UInt64(vlan),
                ]
                if !vlanFindings.contains(key) {
                    if vlanFindings.count >= limits.findings {
                        findingsForgotten += UInt64(vlanFindings.count)
                        vlanFindings = []
                    }
                    vlanFindings.insert(key)
                    found.append(
                        HostFinding(
                            rule: .zoneVLANMismatch, severity: .high, timestampMicros: o.time,
                            mac: MACAddress(rawValue: o.mac), address: completing, addresses: evidence))
                }
            }
            return found
        }
    }

    static let addressPool: [IPAddress] =
        (1...6).map { IPAddress("10.10.0.\($0)")! } + (1...6).map { IPAddress("10.20.0.\($0)")! }
        + (1...6).map { IPAddress("10.30.0.\($0)")! } + [
            IPAddress("198.51.100.7")!, IPAddress("fd00:20::5")!, IPAddress("192.168.1.1")!, IPAddress("fe80::1")!,
        ]
    static let vlanPool: [[UInt16]] = [[], [], [10], [20], [21], [30], [0], [100, 20], [20, 100]]

    /// Feeds `steps` random observations of `macCount` MACs to a table and the model, comparing as it goes.
    func churn(
        _ table: HostTable, limits: HostTable.Limits, macCount: Int, steps: Int, seed: UInt64,
        file: StaticString = #filePath,
        line: UInt = #line
    ) {
        var model = Model(limits: limits, rules: rules)
        var rng = SplitMix64(seed: seed)
        var macs = (0..<macCount).map { UInt64(0x02_00_00_00_00_00) | UInt64($0 + 1) << 8 | UInt64($0 % 7) }
        macs += [Self.router, 0x01_00_5e_00_00_01]
        var raised = 0
        for step in 0..<steps {
            let mac = macs[Int(rng.next() % UInt64(macs.count))]
            let address = Self.addressPool[Int(rng.next() % UInt64(Self.addressPool.count))]
            let v = Self.vlanPool[Int(rng.next() % UInt64(Self.vlanPool.count))]
            let evidence = HostEvidence.allCases[Int(rng.next() % 3)]
            let o = HostTable.Observation(
                mac: mac, address: address, zone: Self.policy.zoneMap.lookup(address),
                vlans: FlowKey.packVLANs(count: UInt8(v.count), outer: v.first ?? 0, inner: v.count > 1 ? v[1] : 0),
                evidence: evidence, time: Int64(step))
            let expected = model.observe(o, checksVLAN: evidence == .ipSource)
            let got = table.observe(o, rules: rules, checksVLAN: evidence == .ipSource)
            guard got == expected else {
                return XCTFail("step \(step): \(got) where the model raised \(expected)", file: file, line: line)
            }
            raised += got.count
        }
        XCTAssertEqual(table.macsEvicted, model.macsEvicted, file: file, line: line)
        XCTAssertEqual(table.addressesDropped, model.addressesDropped, file: file, line: line)
        XCTAssertEqual(table.findingsForgotten, model.findingsForgotten, file: file, line: line)
        XCTAssertEqual(table.count, model.order.count, file: file, line: line)
        for mac in macs {
            XCTAssertEqual(
                table.addresses(of: MACAddress(rawValue: mac)), model.addresses[mac] ?? [], "MAC \(mac)", file: file,
                line: line)
        }
        // The stream exercised what it is for.
        XCTAssertGreaterThan(model.macsEvicted, 100, "evicted", file: file, line: line)
        XCTAssertGreaterThan(model.addressesDropped, 20, "dropped", file: file, line: line)
        XCTAssertGreaterThan(model.findingsForgotten, 0, "forgotten", file: file, line: line)
        XCTAssertGreaterThan(raised, 50, "raised", file: file, line: line)
    }

    func testSmallTableAgreesWithTheModel() {
        let limits = HostTable.Limits(macs: 8, addressesPerMAC: 3, findings: 20)
        churn(HostTable(limits: limits), limits: limits, macCount: 30, steps: 20_000, seed: 1)
        churn(HostTable(limits: limits, exclusive: true), limits: limits, macCount: 30, steps: 20_000, seed: 2)
    }

    /// One address a MAC: every new address is dropped, and findings still show it.
    func testOneAddressPerMACAgreesWithTheModel() {
        let limits = HostTable.Limits(macs: 5, addressesPerMAC: 1, findings: 10)
        churn(HostTable(limits: limits, exclusive: true), limits: limits, macCount: 12, steps: 10_000, seed: 3)
    }

    /// A scan's stream of new MACs through a table of the default size: each one past the 16,384th evicts
    /// the oldest, exactly counted, and the last 16,384 are all still found.
    func testDefaultTableUnderAStreamOfNewMACs() {
        for table in [HostTable(), HostTable(limits: HostTable.Limits(), exclusive: true)] {
            let n = 50_000
            let address = IPAddress("10.20.0.1")!
            for i in 0..<n {
                let o = HostTable.Observation(
                    mac: 0x02_00_00_00_00_00 | UInt64(i) << 4, address: address, zone: ZoneRef(zone: 1), vlans: 0,
                    evidence: .ipSource, time: Int64(i))
                XCTAssertEqual(table.observe(o, rules: rules, checksVLAN: true), [])
            }
            XCTAssertEqual(table.macsEvicted, UInt64(n - 16_384))
            XCTAssertEqual(table.count, 16_384)
            XCTAssertEqual(table.addressesDropped, 0)
            for i in stride(from: 0, to: n, by: 7) {
                let held = table.addresses(of: MACAddress(rawValue: 0x02_00_00_00_00_00 | UInt64(i) << 4))
                XCTAssertEqual(held.map(\.firstSeenMicros), i >= n - 16_384 ? [Int64(i)] : [], "MAC \(i)")
            }
        }
    }

    /// Each entry keeps the index slot that names it, so that evicting it needs no probe, and a new MAC takes
    /// the slot the eviction emptied when its probe passed it: under churn of MACs of three neighbouring
    /// homes (long clusters that shift back), every entry's slot holds its MAC and id after every step, the
    /// index holds nothing else, and the MAC just observed is found.
    func testEntriesKeepTheSlotsThatNameThem() {
        var s = HostTableStorage(limits: HostTable.Limits(macs: 8, addressesPerMAC: 2))
        defer { s.deallocate() }
        var pool: [UInt64] = []
        var candidate: UInt64 = 0x02_00_00_00_00_00
        while pool.count < 24 {
            candidate += 1
            if (s.index.home(candidate) &+ 2) & s.index.mask < 3 { pool.append(candidate) }
        }
        var rng = SplitMix64(seed: 7)
        var findings: [HostFinding] = []
        var tookTheHole = 0
        for step in 0..<20_000 {
            let mac = pool[Int(rng.next() % UInt64(pool.count))]
            let probeEnd = s.index.probe(mac)
            let o = HostTable.Observation(
                mac: mac, address: IPAddress("10.20.0.1")!, zone: ZoneRef(zone: 1), vlans: 0, evidence: .ipSource,
                time: Int64(step))
            _ = s.record(o, classBit: 1 << 1, vlanMismatch: false, into: &findings)
            guard let id = s.find(mac) else { return XCTFail("step \(step): the MAC just observed is not found") }
            if probeEnd.id < 0 && Int(s.entries[id].slot) != probeEnd.slot { tookTheHole += 1 }
            for id in 0..<s.count {
                let e = s.entries[id]
                guard s.index.slots[Int(e.slot)] == e.mac | UInt64(id + 1) << 48 else {
                    return XCTFail("step \(step): entry \(id)'s slot \(e.slot) does not name it")
                }
            }
            let filled = (0...s.index.mask).filter { s.index.slots[$0] != 0 }.count
            guard filled == s.count else { return XCTFail("step \(step): \(filled) slots for \(s.count) entries") }
        }
        XCTAssertGreaterThan(s.macsEvicted, 5_000)
        XCTAssertGreaterThan(tookTheHole, 100, "new MACs took the slot the eviction emptied before their probe's end")
    }

    /// What the table keeps per MAC stays small: a new MAC writes one 48-byte entry and nothing else.
    func testSlotSizes() {
        XCTAssertEqual(MemoryLayout<StoredHostAddress>.stride, 32)
        XCTAssertEqual(MemoryLayout<HostTableStorage.Entry>.stride, 48)
        XCTAssertEqual(HostTable.Limits(macs: 1 << 20).macs, HostMACIndex.maxEntries, "ids fit 16 bits")
    }
}
