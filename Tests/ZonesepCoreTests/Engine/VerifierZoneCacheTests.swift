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
        let t0: Int64 = 1_800_000_000_000_000
        var i = 0
        while i < frames.count {
            let chunk = frames[i..<min(i + Verifier.batchSize, frames.count)]
            let buffers = chunk.map { f -> UnsafeMutableRawBufferPointer in
                let m = UnsafeMutableRawBufferPointer.allocate(byteCount: f.count, alignment: 64)
                m.copyBytes(from: f)
                return m
            }
            let batch = buffers.enumerated().map {
                Verifier.Frame(
                    timestamp: t0 + Int64(i + $0.offset), bytes: UnsafeRawBufferPointer($0.element),
                    wireLength: $0.element.count)
            }
            batch.withUnsafeBufferPointer { v.process(batch: $0, linkType: .ethernet) }
            buffers.forEach { $0.deallocate() }
            i += chunk.count
        }
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
