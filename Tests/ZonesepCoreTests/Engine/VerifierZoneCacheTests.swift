import XCTest

@testable import ZonesepCore

/// The verifier's cache of IPv4 zones: what it holds is what the zone map says, in the word that the batch
/// loop asks for ahead of a new flow (`Verifier.zoneCacheSlot`), and it holds a scan's worth of addresses.
final class VerifierZoneCacheTests: XCTestCase {
    typealias F = EngineFrames
    static let policy = VerifierHostTests.policy

    /// One SYN from each of `count` sources (10.20.x.y and 10.30.x.y in turn) to one server, in batches.
    func scan(_ v: Verifier, count: Int) {
        let frames = (0..<count).map { i in
            F.tcpFrame(
                "10.\(i % 2 == 0 ? 20 : 30).\(i / 256 % 256).\(i % 256)", UInt16(1024 + i % 60_000), "10.10.0.1", 443,
                flags: 0x02)
        }
        v.process(frames, inBatchesOf: Verifier.batchSize, from: 1_800_000_000_000_000)
    }

    func testCachedZonesAreTheMapsInTheirOwnWord() {
        let v = Verifier(policy: Self.policy, flowCapacity: 1 << 14)
        scan(v, count: 5_000)
        XCTAssertEqual(v.activeFlows, 5_000)
        var held = 0
        for i in 0..<5_000 {
            let a = IPAddress("10.\(i % 2 == 0 ? 20 : 30).\(i / 256 % 256).\(i % 256)")!
            guard let zone = v.cachedZone(of: a) else { continue }
            XCTAssertEqual(zone, Self.policy.zoneMap.lookup(a), "\(a)")
            held += 1
        }
        // 5,000 sources in 65,536 words: few share one. (At 1,024 words no more than 1,024 could stay.)
        XCTAssertGreaterThan(held, 4_500)
        let server = IPAddress("10.10.0.1")!
        XCTAssertEqual(v.cachedZone(of: server), Self.policy.zoneMap.lookup(server))
        XCTAssertLessThan(v.cachedZone(of: server)?.rawValue ?? .max, ZoneRef.external.rawValue, "a declared zone")
    }

    /// A policy change empties the cache: nothing cached under the old zones survives.
    func testEmptiedWhenThePolicyChanges() {
        let v = Verifier(policy: Self.policy, flowCapacity: 1 << 10)
        scan(v, count: 100)
        XCTAssertNotNil(v.cachedZone(of: IPAddress("10.10.0.1")!))
        v.replacePolicy(Self.policy)
        XCTAssertNil(v.cachedZone(of: IPAddress("10.10.0.1")!))
        XCTAssertNil(v.cachedZone(of: IPAddress("10.20.0.0")!))
    }
}
