import XCTest
import ZonesepTestSupport

@testable import ZonesepCore

final class FlowKeyTests: XCTestCase {
    /// The branch-free canonical order agrees with the plain definition — endpoint A is the lower (address,
    /// port) pair — on random endpoints, on equal addresses and on equal ports, and both directions of a
    /// flow give one key.
    func testCanonicalOrderAgreesWithTheDefinition() {
        var rng = SplitMix64(seed: 5)
        var swapped = 0
        for i in 0..<20_000 {
            let six = i % 3 == 0
            func address() -> IPAddress {
                six
                    ? IPAddress(v6: UInt128(0xfd00) << 112 | UInt128(rng.next() % 4))
                    : IPAddress(v4: 0x0A00_0000 | UInt32(rng.next() % 4))
            }
            let src = address()
            let dst = i % 5 == 0 ? src : address()
            let srcPort = UInt16(rng.next() % 3)
            let dstPort = UInt16(rng.next() % 3)
            let vlans = UInt32(truncatingIfNeeded: rng.next()) & 0x2ff_ffff
            let (key, fromA) = FlowKey.canonical(
                src: src, srcPort: srcPort, dst: dst, dstPort: dstPort, proto: 17, vlans: vlans)
            let srcFirst = (src.rawValue, srcPort) <= (dst.rawValue, dstPort)
            XCTAssertEqual(fromA, srcFirst)
            XCTAssertEqual(key.addressA, srcFirst ? src : dst)
            XCTAssertEqual(key.addressB, srcFirst ? dst : src)
            XCTAssertEqual(key.portA, srcFirst ? srcPort : dstPort)
            XCTAssertEqual(key.portB, srcFirst ? dstPort : srcPort)
            XCTAssertEqual(key.proto, 17)
            XCTAssertEqual(key.vlans, vlans)
            let (back, backFromA) = FlowKey.canonical(
                src: dst, srcPort: dstPort, dst: src, dstPort: srcPort, proto: 17, vlans: vlans)
            XCTAssertEqual(back, key)
            if src != dst || srcPort != dstPort { XCTAssertNotEqual(backFromA, fromA) }
            if !srcFirst { swapped += 1 }
        }
        XCTAssertGreaterThan(swapped, 5000)
    }
}
