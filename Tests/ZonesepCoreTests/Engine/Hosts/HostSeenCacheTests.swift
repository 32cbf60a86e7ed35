import XCTest

@testable import ZonesepCore

/// The verifier's seen-cache: what it answers, and that the slot its prefetch names is the one its check
/// reads and fills.
final class HostSeenCacheTests: XCTestCase {
    func address(_ s: String) -> IPAddress { IPAddress(s)! }

    /// A triple is new once, then known; another triple in the same slot pushes it out.
    func testKnownAfterItsFirstCheck() {
        let cache = HostSeenCache()
        defer { cache.deallocate() }
        let a = address("10.20.3.4")
        XCTAssertFalse(cache.checkAndInsert(mac: 0x02_00_00_00_00_0a, address: a, vlans: 0x0100_0078, checksVLAN: true))
        XCTAssertTrue(cache.checkAndInsert(mac: 0x02_00_00_00_00_0a, address: a, vlans: 0x0100_0078, checksVLAN: true))
        // Each field counts: another MAC, address or VLAN set is another triple.
        XCTAssertFalse(cache.checkAndInsert(mac: 0x02_00_00_00_00_0b, address: a, vlans: 0x0100_0078, checksVLAN: true))
        XCTAssertFalse(
            cache.checkAndInsert(
                mac: 0x02_00_00_00_00_0a, address: address("10.20.3.5"), vlans: 0x0100_0078, checksVLAN: true))
        XCTAssertFalse(cache.checkAndInsert(mac: 0x02_00_00_00_00_0a, address: a, vlans: 0x0100_0082, checksVLAN: true))
        // A triple sharing the first one's slot replaces it.
        let home = HostSeenCache.slotIndex(mac: 0x02_00_00_00_00_0a, address: a, vlans: 0x0100_0078)
        var other: UInt64 = 0x02_00_00_00_10_00
        while HostSeenCache.slotIndex(mac: other, address: a, vlans: 0x0100_0078) != home { other += 1 }
        XCTAssertTrue(cache.checkAndInsert(mac: 0x02_00_00_00_00_0a, address: a, vlans: 0x0100_0078, checksVLAN: true))
        XCTAssertFalse(cache.checkAndInsert(mac: other, address: a, vlans: 0x0100_0078, checksVLAN: true))
        XCTAssertFalse(cache.checkAndInsert(mac: 0x02_00_00_00_00_0a, address: a, vlans: 0x0100_0078, checksVLAN: true))
    }

    /// Slots start on cache-line boundaries, so that each (32 bytes) lies in the one line its prefetch asks
    /// for: at malloc's 16-byte alignment every other slot straddled two.
    func testSlotsDoNotStraddleLines() {
        for _ in 0..<4 {
            let cache = HostSeenCache()
            defer { cache.deallocate() }
            XCTAssertEqual(64 % MemoryLayout<HostSeenCache.Slot>.stride, 0)
            XCTAssertEqual(Int(bitPattern: cache.slots) % 64, 0)
        }
    }

    /// An ARP or neighbour advertisement (`checksVLAN: false`) does not make the IP source of the same
    /// triple known (the IP packet is held to the zone's VLANs, the ARP is not); an IP source makes both
    /// known, in the one slot of the triple.
    func testAResolutionDoesNotStandForAnIPSource() {
        let cache = HostSeenCache()
        defer { cache.deallocate() }
        let mac: UInt64 = 0x02_00_00_10_02_02
        let a = address("10.10.2.2")
        let vlans: UInt32 = 0x0100_0078
        XCTAssertFalse(cache.checkAndInsert(mac: mac, address: a, vlans: vlans, checksVLAN: false))
        XCTAssertTrue(cache.checkAndInsert(mac: mac, address: a, vlans: vlans, checksVLAN: false))
        XCTAssertFalse(cache.checkAndInsert(mac: mac, address: a, vlans: vlans, checksVLAN: true), "ARP, then IP")
        XCTAssertTrue(cache.checkAndInsert(mac: mac, address: a, vlans: vlans, checksVLAN: true))
        XCTAssertTrue(cache.checkAndInsert(mac: mac, address: a, vlans: vlans, checksVLAN: false), "IP, then ARP")
        let s = cache.slots[HostSeenCache.slotIndex(mac: mac, address: a, vlans: vlans)]
        XCTAssertTrue(s.used && s.checkedVLAN && s.vlans == vlans)
        // An IPv6 address and its neighbour advertisement, the other way round.
        let b = address("fd00:10::2:2")
        XCTAssertFalse(cache.checkAndInsert(mac: mac, address: b, vlans: vlans, checksVLAN: true))
        XCTAssertTrue(cache.checkAndInsert(mac: mac, address: b, vlans: vlans, checksVLAN: false))
        XCTAssertTrue(cache.checkAndInsert(mac: mac, address: b, vlans: vlans, checksVLAN: true))
    }

    /// `slotIndex` (what `prefetch` asks for) is the slot `checkAndInsert` fills, for IPv4 and IPv6
    /// addresses, with and without VLANs; and the slots spread over the whole cache.
    func testPrefetchNamesTheSlotTheCheckFills() {
        let cache = HostSeenCache()
        defer { cache.deallocate() }
        var used = Set<Int>()
        for i in 0..<2_000 {
            let mac = 0x02_00_00_00_00_00 | UInt64(i) &* 0x1_0001
            let ip = i % 2 == 0 ? address("10.20.\(i / 256).\(i % 256)") : address("2001:db8::\(i)")
            let vlans: UInt32 = i % 3 == 0 ? 0 : 0x0100_0000 | UInt32(i % 4095)
            _ = cache.checkAndInsert(mac: mac, address: ip, vlans: vlans, checksVLAN: true)
            let slot = HostSeenCache.slotIndex(mac: mac, address: ip, vlans: vlans)
            XCTAssertTrue((0..<HostSeenCache.slotCount).contains(slot))
            let s = cache.slots[slot]
            XCTAssertTrue(s.used && s.mac == mac && s.address == ip && s.vlans == vlans && s.checkedVLAN, "triple \(i)")
            used.insert(slot)
        }
        XCTAssertGreaterThan(used.count, 1_500, "2,000 triples in 4,096 slots, few sharing one")
    }
}
