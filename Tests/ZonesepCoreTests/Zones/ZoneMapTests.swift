import XCTest
import ZonesepTestSupport

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

    /// An address in a zone belongs to it even where a longer `[internal]` prefix covers it too: the internal
    /// space decides only between unzoned and external for addresses in no zone.
    func testAZoneWinsOverALongerInternalPrefix() {
        let map = ZoneMap(
            zones: [
                zone("lgwan", .lgwan, ["10.20.0.0/16"]),
                zone("host", .internet, ["10.20.5.7"]),
                zone("dmz", .internet, ["198.51.100.0/24"]),
            ],
            internal: ["10.0.0.0/8", "10.20.5.0/24", "10.20.5.7/32", "198.51.100.128/25"].compactMap { IPPrefix($0) })
        XCTAssertEqual(lookup(map, "10.20.5.6"), "lgwan", "internal /24 inside the lgwan /16")
        XCTAssertEqual(lookup(map, "10.20.5.7"), "host", "the same prefix as internal: the zone")
        XCTAssertEqual(lookup(map, "10.20.6.1"), "lgwan")
        XCTAssertEqual(lookup(map, "198.51.100.200"), "dmz", "an internal prefix inside a public zone")
        XCTAssertEqual(lookup(map, "10.21.0.1"), "unzoned")
        XCTAssertEqual(lookup(map, "198.51.101.1"), "external")
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

    /// IPv4 has a table of its own: its first and last addresses, a zone declared as the whole IPv4-mapped
    /// block, and the IPv6 addresses either side of that block (a /95 whose IPv6 block holds the IPv4 one).
    func testTheIPv4TableAtTheEdgesOfItsBlock() {
        let map = ZoneMap(
            zones: [
                zone("all-v4", .internet, ["::ffff:0:0/96"]), zone("low", .lgwan, ["0.0.0.0/7"]),
                zone("high", .mynumber, ["254.0.0.0/7"]), zone("v6", .lgwan, ["::fffe:0:0/95"]),
            ],
            internal: [])
        XCTAssertEqual(lookup(map, "0.0.0.0"), "local")
        XCTAssertEqual(lookup(map, "0.0.0.1"), "low")
        XCTAssertEqual(lookup(map, "1.255.255.255"), "low")
        XCTAssertEqual(lookup(map, "2.0.0.0"), "all-v4")
        XCTAssertEqual(lookup(map, "253.255.255.255"), "all-v4")
        XCTAssertEqual(lookup(map, "254.0.0.0"), "high")
        XCTAssertEqual(lookup(map, "255.255.255.254"), "high")
        XCTAssertEqual(lookup(map, "255.255.255.255"), "local")
        XCTAssertEqual(lookup(map, "::fffe:ffff:ffff"), "v6")  // in the /95 with the block, below it
        XCTAssertEqual(lookup(map, "::1:0:0:0"), "external")  // just above it
        XCTAssertTrue(map.hasIPv6Block)
        let bare = ZoneMap(zones: [zone("v6", .lgwan, ["fd00::/8"])], internal: [])
        XCTAssertEqual(lookup(bare, "10.1.2.3"), "external")
        XCTAssertEqual(lookup(bare, "fd00::1"), "v6")
        // A single host as the only IPv6 zone: a block of one address, keyed by no bits at all.
        let host = ZoneMap(zones: [zone("h", .lgwan, ["2001:db8::1/128"])], internal: [])
        XCTAssertTrue(host.hasIPv6Block)
        XCTAssertEqual(lookup(host, "2001:db8::1"), "h")
        XCTAssertEqual(lookup(host, "2001:db8::"), "external")
        XCTAssertEqual(lookup(host, "2001:db8::2"), "external")
    }

    /// An IPv6 zone or internal prefix around the IPv4-mapped block (`::/0`, `::/64`, `::/80`) takes IPv6
    /// addresses only: an IPv4 address stays in its IPv4 zone, unzoned or external.
    func testIPv6PrefixesTakeNoIPv4Address() {
        for wide in ["::/0", "::/64", "::/80"] {
            let map = ZoneMap(
                zones: [
                    zone("lgwan", .lgwan, ["10.20.0.0/16", "fd00:20::/48"]),
                    zone("inet6", .internet, [wide]),
                    zone("dmz", .internet, ["::ffff:198.51.100.0/120"]),
                ], internal: PolicyConfig.defaultInternal)
            XCTAssertEqual(lookup(map, "8.8.8.8"), "external", wide)
            XCTAssertEqual(lookup(map, "0.0.0.1"), "external", wide)
            XCTAssertEqual(lookup(map, "10.99.1.1"), "unzoned", wide)
            XCTAssertEqual(lookup(map, "10.20.1.1"), "lgwan", wide)
            XCTAssertEqual(lookup(map, "198.51.100.7"), "dmz", "\(wide): an IPv4-mapped prefix is IPv4")
            XCTAssertEqual(lookup(map, "::ffff:8.8.8.8"), "external", wide)
            XCTAssertEqual(lookup(map, "::2:3:4"), "inet6", wide)
            XCTAssertEqual(lookup(map, "::fffe:ffff:ffff"), "inet6", wide)
            XCTAssertEqual(lookup(map, "fd00:20::1"), "lgwan", wide)
            XCTAssertEqual(lookup(map, "2001:db8::1"), wide == "::/0" ? "inet6" : "external", wide)
        }
        // As the internal space: IPv4 addresses in no zone are external, not unzoned.
        let open = ZoneMap(zones: [zone("lgwan", .lgwan, ["10.20.0.0/16"])], internal: [IPPrefix("::/0")!])
        XCTAssertEqual(lookup(open, "10.99.1.1"), "external")
        XCTAssertEqual(lookup(open, "2001:db8::1"), "unzoned")
        XCTAssertEqual(lookup(open, "10.20.1.1"), "lgwan")
    }

    /// What a brute-force match says of `a`, the reference the random tables are checked against: the zone of
    /// the longest of `all` (prefix, zone index) holding it, else unzoned inside `internalSpace`, else
    /// external; a local address is local whatever else holds it.
    static func bruteForce(_ a: IPAddress, _ all: [(IPPrefix, Int)], internal internalSpace: [IPPrefix] = []) -> ZoneRef
    {
        if ZoneMap.localPrefixes.contains(where: { $0.contains(a) }) { return .local }
        var best: (len: Int, ref: ZoneRef) = (-1, .external)
        for (q, z) in all where q.contains(a) && q.length > best.len { best = (q.length, ZoneRef(zone: z)) }
        if best.len < 0 && internalSpace.contains(where: { $0.contains(a) }) { return .unzoned }
        return best.ref
    }

    /// IPv6 prefixes around the IPv4-mapped block, nested in each other, IPv4 prefixes and IPv6 ones near
    /// the block, against a brute-force longest-prefix match by `IPPrefix.contains`.
    func testPrefixesAroundTheIPv4BlockAgreeWithBruteForce() {
        var rng = SplitMix64(seed: 5)
        let block = IPAddress.v4MappedPrefix
        for round in 0..<20 {
            var zones: [Zone] = []
            var seen = Set<IPPrefix>()
            for z in 0..<6 {
                var nets: [IPPrefix] = []
                for _ in 0..<(3 + round) {
                    let p: IPPrefix
                    switch rng.next() % 4 {
                    case 0: p = IPPrefix(address: IPAddress(rawValue: block), length: Int(rng.next() % 96))
                    case 1:
                        let a = IPAddress(v4: UInt32(truncatingIfNeeded: rng.next()))
                        p = IPPrefix(address: a, length: 96 + Int(rng.next() % 33))
                    case 2:
                        let a = IPAddress(rawValue: block ^ UInt128(rng.next()) << UInt128(rng.next() % 64))
                        p = IPPrefix(address: a, length: 64 + Int(rng.next() % 65))
                    default:
                        let a = IPAddress(rawValue: UInt128(rng.next()) << 64 | UInt128(rng.next()))
                        p = IPPrefix(address: a, length: Int(rng.next() % 129))
                    }
                    if seen.insert(p).inserted { nets.append(p) }
                }
                zones.append(Zone(id: "z\(z)", kind: .lgwan, networks: nets))
            }
            let wide = IPPrefix(address: IPAddress(rawValue: block), length: Int(rng.next() % 96))
            let internalSpace = [wide, IPPrefix("10.0.0.0/8")!]
            let map = ZoneMap(zones: zones, internal: internalSpace)
            let all = zones.enumerated().flatMap { i, z in z.networks.map { ($0, i) } }
            for i in 0..<2000 {
                let (p, _) = all[Int(rng.next() % UInt64(all.count))]
                let pick = UInt128(rng.next()) << 64 | UInt128(rng.next())
                let a: IPAddress
                switch i % 5 {
                case 0: a = IPAddress(rawValue: p.first)
                case 1: a = IPAddress(rawValue: p.last)
                case 2: a = IPAddress(rawValue: p.first | (pick & (p.last ^ p.first)))
                case 3: a = IPAddress(v4: UInt32(truncatingIfNeeded: pick))
                default: a = IPAddress(rawValue: block ^ (pick >> (32 + rng.next() % 96)))  // near the block
                }
                XCTAssertEqual(map.lookup(a), Self.bruteForce(a, all, internal: internalSpace), "round \(round): \(a)")
            }
        }
    }

    /// Every table agrees with a brute-force longest-prefix match on random tables mixing IPv4 and IPv6.
    func testMixedTablesAgreeWithBruteForce() {
        var rng = SplitMix64(seed: 7)
        for round in 0..<10 {
            var zones: [Zone] = []
            var seen = Set<IPPrefix>()  // zones.conf refuses a prefix declared twice
            for z in 0..<8 {
                var nets: [IPPrefix] = []
                for _ in 0..<(10 + round * 30) {
                    if rng.next() % 2 == 0 {
                        let a = IPAddress(v4: UInt32(truncatingIfNeeded: rng.next()))
                        let p = IPPrefix(address: a, length: 96 + 4 + Int(rng.next() % 29))
                        if seen.insert(p).inserted { nets.append(p) }
                    } else {
                        let a = IPAddress(v6: UInt128(0xfd00) << 112 | UInt128(rng.next()) << 48)
                        let p = IPPrefix(address: a, length: 16 + Int(rng.next() % 113))
                        if seen.insert(p).inserted { nets.append(p) }
                    }
                }
                zones.append(Zone(id: "z\(z)", kind: .lgwan, networks: nets))
            }
            let map = ZoneMap(zones: zones, internal: [])
            let all = zones.enumerated().flatMap { i, z in z.networks.map { ($0, i) } }
            for i in 0..<1000 {
                // Inside some prefix (its first or last address, or anywhere) or anywhere at all.
                let (p, _) = all[Int(rng.next() % UInt64(all.count))]
                let pick = rng.next()
                let a: IPAddress
                switch i % 4 {
                case 0: a = IPAddress(rawValue: p.first)
                case 1: a = IPAddress(rawValue: p.last)
                case 2: a = IPAddress(rawValue: p.first | (UInt128(pick) & (p.last ^ p.first)))
                default:
                    a =
                        i % 8 == 3
                        ? IPAddress(v4: UInt32(truncatingIfNeeded: pick))
                        : IPAddress(v6: UInt128(pick) << 64 | UInt128(pick))
                }
                XCTAssertEqual(map.lookup(a), Self.bruteForce(a, all), "round \(round): \(a)")
            }
        }
    }

    /// IPv6 zones under one block get narrow keys for it, the 48 bits after the block: a town hall's /40s
    /// to /64s under a /32, and /16s to /56s anywhere under fd00::/8; a host route deeper than that sends
    /// the map back to the 128-bit tree. Lookups inside and outside the block (and in the internal space
    /// around it) agree with brute force in every case.
    func testIPv6BlockAgreesWithBruteForce() {
        var rng = SplitMix64(seed: 11)
        for round in 0..<9 {
            let allocation = round % 3 != 1
            let block = allocation ? UInt128(0x2001_0db8) << 96 : UInt128(0xfd) << 120
            let internalSpace = IPPrefix(allocation ? "2001:db8::/31" : "fc00::/7")!
            var zones: [Zone] = []
            var seen = Set<IPPrefix>()
            for z in 0..<6 {
                var nets: [IPPrefix] = []
                for _ in 0..<(20 + round * 25) {
                    let p =
                        allocation
                        ? IPPrefix(
                            address: IPAddress(v6: block | UInt128(rng.next() & 0xffff_ffff) << 64),
                            length: 40 + Int(rng.next() % 25))
                        : IPPrefix(
                            address: IPAddress(v6: block | UInt128(rng.next() >> 8) << 56),
                            length: 16 + Int(rng.next() % 41))
                    if seen.insert(p).inserted { nets.append(p) }
                }
                zones.append(Zone(id: "z\(z)", kind: .lgwan, networks: nets))
            }
            let host = round % 3 == 2
            if host { zones[0].networks.append(IPPrefix("2001:db8:1:2:3:4:5:6/128")!) }
            let map = ZoneMap(zones: zones, internal: [internalSpace] + PolicyConfig.defaultInternal)
            XCTAssertEqual(map.hasIPv6Block, !host, "round \(round)")
            let all = zones.enumerated().flatMap { i, z in z.networks.map { ($0, i) } }
            for i in 0..<1500 {
                let (p, _) = all[Int(rng.next() % UInt64(all.count))]
                let pick = UInt128(rng.next()) << 64 | UInt128(rng.next())
                let a: IPAddress
                switch i % 5 {
                case 0: a = IPAddress(rawValue: p.first)
                case 1: a = IPAddress(rawValue: p.last)
                case 2: a = IPAddress(rawValue: p.first | (pick & (p.last ^ p.first)))
                case 3: a = IPAddress(rawValue: block | (pick >> (allocation ? 32 : 8)))  // anywhere in the block
                default: a = IPAddress(rawValue: block ^ (pick >> (allocation ? 30 : 6)))  // around it
                }
                let expected = Self.bruteForce(a, all, internal: [internalSpace, IPPrefix("fc00::/7")!])
                XCTAssertEqual(map.lookup(a), expected, "round \(round): \(a)")
            }
        }
    }

    /// The flattened ranges agree with a brute-force longest-prefix match on random tables.
    func testAgreesWithBruteForceLongestPrefixMatch() {
        var rng = SplitMix64(seed: 42)
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
