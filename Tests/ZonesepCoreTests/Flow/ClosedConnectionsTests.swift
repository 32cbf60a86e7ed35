import XCTest

@testable import ZonesepCore

final class ClosedConnectionsTests: XCTestCase {
    func key(_ n: UInt32) -> FlowKey {
        FlowKey.canonical(
            src: IPAddress(v4: 0x0A00_0000 | n), srcPort: 40000, dst: IPAddress(v4: 0x0A14_0001), dstPort: 445,
            proto: 6, vlans: 0
        ).key
    }

    /// A closed connection absorbs its stragglers within the memory, renewed by each one, and not after.
    func testRemembersForItsMemoryRenewedByEachStraggler() {
        let c = ClosedConnections(capacity: 1024, memory: 100)
        defer { c.deallocate() }
        let k = key(1)
        XCTAssertFalse(c.absorbs(k, hash: k.hashValue64, now: 0), "nothing remembered yet")
        c.remember(k, hash: k.hashValue64, lastSeen: 1000)
        XCTAssertFalse(c.absorbs(key(2), hash: key(2).hashValue64, now: 1010), "another connection")
        XCTAssertTrue(c.absorbs(k, hash: k.hashValue64, now: 1090))
        XCTAssertTrue(c.absorbs(k, hash: k.hashValue64, now: 1190), "renewed at 1090")
        XCTAssertFalse(c.absorbs(k, hash: k.hashValue64, now: 1291), "forgotten 100 after the last straggler")
    }

    /// Renewal has a ceiling: five memories after the close, whatever keeps coming is a flow again.
    func testRenewalStopsFiveMemoriesAfterTheClose() {
        let c = ClosedConnections(capacity: 1024, memory: 100)
        defer { c.deallocate() }
        let k = key(3)
        c.remember(k, hash: k.hashValue64, lastSeen: 1000)
        for t in stride(from: 1050, through: 1500, by: 50) {
            XCTAssertTrue(c.absorbs(k, hash: k.hashValue64, now: Int64(t)), "\(t)")
        }
        XCTAssertFalse(c.absorbs(k, hash: k.hashValue64, now: 1510), "past 1000 + 5 × 100, though renewed at 1500")
    }

    /// Direct-mapped: with more closed connections than slots, the newest win and the memory stays its size;
    /// an older one that lost its slot is simply forgotten (a new flow, as before this memory existed).
    func testBoundedNewestWin() {
        let c = ClosedConnections(capacity: 1024, memory: 1_000_000)
        defer { c.deallocate() }
        for n in 0..<10_000 { c.remember(key(UInt32(n)), hash: key(UInt32(n)).hashValue64, lastSeen: 0) }
        let newest = (9_000..<10_000).filter { c.absorbs(key(UInt32($0)), hash: key(UInt32($0)).hashValue64, now: 1) }
        let oldest = (0..<1_000).filter { c.absorbs(key(UInt32($0)), hash: key(UInt32($0)).hashValue64, now: 1) }
        XCTAssertGreaterThan(newest.count, 500, "most of the last thousand kept")
        XCTAssertLessThan(oldest.count, 100, "most of the first thousand overwritten")
    }
}
