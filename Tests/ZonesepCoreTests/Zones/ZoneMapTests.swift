import XCTest

@testable import ZonesepCore

final class ZoneMapTests: XCTestCase {
    func zone(_ id: String, _ kind: ZoneKind, _ nets: [String]) -> Zone {
        Zone(id: id, kind: kind, networks: nets.compactMap { IPPrefix($0) })
    }

    func lookup(_ map: ZoneMap, _ a: String) -> String { map.name(of: map.lookup(IPAddress(a)!)) }

    func testMostSpecificPrefixWins() {
        let map = ZoneMap(
            zones: [
                zone("lgwan", .lgwan, ["10.20.0.0/16"]),
                zone("servers", .lgwan, ["10.20.5.0/24"]),
                zone("host", .internet, ["10.20.5.7"]),
                zone("mynumber", .mynumber, ["10.10.0.0/16", "fd00:10::/48"]),
            ], internal: PolicyConfig.defaultInternal)
        XCTAssertEqual(lookup(map, "10.20.0.0"), "lgwan")
        XCTAssertEqual(lookup(map, "10.20.4.255"), "lgwan")
        XCTAssertEqual(lookup(map, "10.20.5.0"), "servers")
        XCTAssertEqual(lookup(map, "10.20.5.6"), "servers")
        XCTAssertEqual(lookup(map, "10.20.5.7"), "host")
        XCTAssertEqual(lookup(map, "10.20.5.8"), "servers")
        XCTAssertEqual(lookup(map, "10.20.6.0"), "lgwan")
        XCTAssertEqual(lookup(map, "10.20.255.255"), "lgwan")
        XCTAssertEqual(lookup(map, "10.21.0.0"), "unzoned")
        XCTAssertEqual(lookup(map, "10.9.255.255"), "unzoned")
        XCTAssertEqual(lookup(map, "10.10.0.1"), "mynumber")
        XCTAssertEqual(lookup(map, "fd00:10::1"), "mynumber")
        XCTAssertEqual(lookup(map, "fd00:11::1"), "unzoned")
        XCTAssertEqual(lookup(map, "192.168.1.1"), "unzoned")
        XCTAssertEqual(lookup(map, "11.0.0.0"), "external")
        XCTAssertEqual(lookup(map, "9.255.255.255"), "external")
        XCTAssertEqual(lookup(map, "2001:db8::1"), "external")
    }

    func testLocalAddressesWinOverEverything() {
        let map = ZoneMap(
            zones: [zone("everything", .internet, ["0.0.0.0/0"])], internal: PolicyConfig.defaultInternal)
        for a in ["255.255.255.255", "224.0.0.251", "239.255.255.250", "127.0.0.1", "169.254.1.1", "0.0.0.0"] {
            XCTAssertEqual(lookup(map, a), "local", a)
        }
        for a in ["ff02::1", "fe80::1", "::1", "::"] { XCTAssertEqual(lookup(map, a), "local", a) }
        XCTAssertEqual(lookup(map, "8.8.8.8"), "everything")
        XCTAssertEqual(lookup(map, "223.255.255.255"), "everything")
        XCTAssertEqual(lookup(map, "240.0.0.0"), "everything")
    }

    func testEdgesOfTheAddressSpace() {
        let map = ZoneMap(
            zones: [zone("top", .internet, ["fe00::/9"]), zone("bottom", .lgwan, ["::2/128"])],
            internal: [])
        XCTAssertEqual(lookup(map, "fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), "top")
        XCTAssertEqual(lookup(map, "fe80::"), "local")
        XCTAssertEqual(lookup(map, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), "local")
        XCTAssertEqual(lookup(map, "::2"), "bottom")
        XCTAssertEqual(lookup(map, "::3"), "external")
        XCTAssertEqual(lookup(map, "10.0.0.1"), "external")  // no internal space declared
    }

    /// The flattened ranges agree with a brute-force longest-prefix match on random tables.
    func testAgreesWithBruteForceLongestPrefixMatch() {
        var rng = SplitMix(seed: 42)
        for _ in 0..<20 {
            var zones: [Zone] = []
            var seen = Set<IPPrefix>()
            for z in 0..<12 {
                var nets: [IPPrefix] = []
                for _ in 0..<5 {
                    let len = 8 + Int(rng.next() % 24)
                    let p = IPPrefix(
                        address: IPAddress(v4: 0x0A00_0000 | UInt32(truncatingIfNeeded: rng.next()) & 0x00ff_ffff),
                        length: 96 + len)
                    if seen.insert(p).inserted { nets.append(p) }
                }
                zones.append(Zone(id: "z\(z)", kind: .lgwan, networks: nets))
            }
            let map = ZoneMap(zones: zones, internal: PolicyConfig.defaultInternal)
            for _ in 0..<2000 {
                let a = IPAddress(v4: 0x0A00_0000 | UInt32(truncatingIfNeeded: rng.next()) & 0x00ff_ffff)
                var best: (len: Int, ref: ZoneRef) = (-1, .unzoned)
                for (i, z) in zones.enumerated() {
                    for p in z.networks where p.contains(a) && p.length > best.len {
                        best = (p.length, ZoneRef(zone: i))
                    }
                }
                XCTAssertEqual(map.lookup(a), best.ref, "\(a)")
            }
        }
    }
}

/// A small deterministic generator for tests (SplitMix64).
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
