import XCTest
import ZonesepCore

@testable import ZonesepConfig

/// The zone an address falls in is that of the most specific network holding it, whatever shortcut the
/// lookup takes: checked against a scan of every network for addresses inside, between, at the edges of
/// and outside the networks, IPv4 and IPv6.
final class AddressSpaceTests: XCTestCase {
    private func p(_ s: String) -> IPPrefix { IPPrefix(s)! }

    func testAHostFallsInTheMostSpecificNetworkHoldingIt() {
        let zones = [
            Zone(id: "my", kind: .mynumber, networks: [p("10.10.0.0/24"), p("10.10.2.0/23"), p("fd00:10::/48")]),
            Zone(id: "lg", kind: .lgwan, networks: [p("10.0.0.0/8"), p("10.10.1.0/24"), p("fd00:20::/48")]),
            Zone(
                id: "net", kind: .internet, networks: [p("10.10.2.128/25"), p("192.0.2.0/24"), p("fd00:10:0:5::/64")]),
        ]
        let space = AddressSpace(zones: zones, internal: [p("10.0.0.0/8"), p("fd00::/8")])
        let all = zones.enumerated().flatMap { z in z.element.networks.map { ($0, z.offset) } }
        func expected(_ host: IPPrefix) -> Int? {
            all.filter { $0.0.contains(host.address) }.max { $0.0.length < $1.0.length }?.1
        }
        var hosts = [
            "10.10.0.0", "10.10.0.255", "10.10.1.0", "10.10.1.255", "10.10.2.0", "10.10.2.127", "10.10.2.128",
            "10.10.3.255", "10.10.4.0", "9.255.255.255", "10.0.0.0", "10.255.255.255", "11.0.0.0", "192.0.2.1",
            "192.0.3.0", "198.18.0.1", "0.0.0.0", "255.255.255.255", "fd00:10::1", "fd00:10:0:5::9",
            "fd00:10:0:6::", "fd00:10:ffff:ffff:ffff:ffff:ffff:ffff", "fd00:11::", "fd00:20::", "fd00:1f:ffff::",
            "::", "2001:db8::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        ]
        var x: UInt32 = 12345
        for _ in 0..<500 {
            x = x &* 1_103_515_245 &+ 12345
            hosts.append("10.10.\((x >> 8) % 6).\((x >> 16) % 256)")
        }
        for h in hosts {
            let host = p(h)
            let want = expected(host)
            XCTAssertEqual(space.reach(host).zones, want.map { [$0] } ?? [], h)
            for kind in [ZoneKind.mynumber, .lgwan, .internet] {
                XCTAssertEqual(space.reaches(host, kind: kind), want.map { zones[$0].kind == kind } ?? false, h)
            }
        }
    }

    /// An IPv6 network or prefix around the IPv4-mapped block holds no IPv4 address: an IPv4 prefix is not in
    /// a `::/0` zone, and `::/0` in a declaration reaches the IPv6 zones and external IPv6 space only.
    func testIPv6PrefixesAroundTheIPv4BlockReachNoIPv4Zone() {
        for wide in ["::/0", "::/64"] {
            let zones = [
                Zone(id: "my", kind: .mynumber, networks: [p("10.10.0.0/16"), p("fd00:10::/48")]),
                Zone(id: "inet6", kind: .internet, networks: [p(wide)]),
            ]
            let space = AddressSpace(zones: zones, internal: PolicyConfig.defaultInternal)
            XCTAssertEqual(space.reach(p("8.8.8.8")).zones, [], wide)
            XCTAssertTrue(space.reach(p("8.8.8.8")).external, wide)
            XCTAssertEqual(space.reach(p("10.99.0.0/16")).zones, [], wide)
            XCTAssertTrue(space.reach(p("10.99.0.0/16")).unzoned, wide)
            XCTAssertFalse(space.reaches(p("10.99.1.1"), kind: .internet), wide)
            XCTAssertEqual(space.reach(p("::1:2:3:4")).zones, [1], wide)
            XCTAssertEqual(space.describe([p("10.10.1.1"), p("10.99.1.1")]), "my (mynumber), unzoned", wide)
            // The wide prefix itself, named in a declaration: the IPv6 zones inside it, never the IPv4 ones.
            XCTAssertTrue(space.reaches(p(wide), kind: .internet), wide)
            XCTAssertTrue(space.reaches(p("::/0"), kind: .mynumber), "\(wide): fd00:10::/48")
            XCTAssertFalse(space.reaches(p("::/64"), kind: .mynumber), wide)
            XCTAssertEqual(space.reach(p("::/64")).zones, [1], wide)
        }
        // No zone in IPv6 at all: ::/0 reaches no zone, only external and (fc00::/7) unzoned addresses.
        let v4Only = AddressSpace(
            zones: [Zone(id: "my", kind: .mynumber, networks: [p("10.10.0.0/16"), p("0.0.0.0/1")])],
            internal: PolicyConfig.defaultInternal)
        let r = v4Only.reach(p("::/0"))
        XCTAssertEqual(r.zones, [])
        XCTAssertTrue(r.external)
        XCTAssertTrue(r.unzoned)
        XCTAssertFalse(v4Only.reaches(p("::/0"), kind: .mynumber))
        XCTAssertTrue(v4Only.reaches(p("0.0.0.0/0"), kind: .mynumber))
        // ::/64 holds :: and ::1 (unspecified, loopback), which are local.
        XCTAssertEqual(v4Only.describe([p("::/64")]), "external, local")
    }

    /// Broadcast, multicast, loopback, link-local and unspecified addresses are local whatever zone or
    /// internal prefix holds them, as in the zone map a run uses: a multicast group is not external.
    func testLocalRangesAreLocal() {
        let space = AddressSpace(
            zones: [
                Zone(id: "my", kind: .mynumber, networks: [p("10.10.0.0/16")]),
                Zone(id: "odd", kind: .lgwan, networks: [p("169.254.0.0/16")]),
            ],
            internal: PolicyConfig.defaultInternal)
        for local in [
            "224.0.0.0/4", "239.1.2.3", "255.255.255.255", "127.0.0.0/8", "169.254.1.1", "ff02::1", "fe80::/10",
        ] {
            let r = space.reach(p(local))
            XCTAssertTrue(r.local && r.zones.isEmpty && !r.external && !r.unzoned, local)
            XCTAssertEqual(space.classes(p(local)), .local, local)
            XCTAssertEqual(space.describe([p(local)]), "local", local)
        }
        // Part local, part external: both.
        let r = space.reach(p("192.0.0.0/2"))
        XCTAssertTrue(r.local && r.external && r.unzoned, "\(r)")
        XCTAssertEqual(space.classes(p("192.0.0.0/2")), [.local, .external, .unzoned])
        XCTAssertEqual(space.describe([p("240.0.0.0/4")]), "external, local")
        // A prefix with no local address is unchanged.
        XCTAssertFalse(space.reach(p("198.51.100.0/24")).local)
        XCTAssertEqual(space.classes(p("10.10.1.0/24")), .mynumber)
    }

    /// The local ranges a prefix reaches are found by comparing first and last addresses, among the IPv4
    /// ones alone for an IPv4 prefix: the same as asking every local range, for prefixes at, just outside,
    /// around and inside each range's edges, of both families.
    func testLocalRangesFoundByTheirEdgesAsByAskingEachOne() {
        let space = AddressSpace(
            zones: [Zone(id: "my", kind: .mynumber, networks: [p("10.10.0.0/16"), p("fd00:10::/48")])],
            internal: PolicyConfig.defaultInternal)
        var prefixes: [IPPrefix] = []
        for q in ZoneMap.localPrefixes {
            let floor = q.isIPv4 ? 96 : 0
            for address in [q.first, q.last, q.first &- 1, q.last &+ 1, q.first &- 2, q.last &+ 2] {
                for length in Set([q.length - 1, q.length, q.length + 1, 128, floor + 1, floor + 8]) {
                    guard (0...128).contains(length) else { continue }
                    let candidate = IPPrefix(address: IPAddress(rawValue: address), length: length)
                    if !candidate.coversIPv4Block { prefixes.append(candidate) }
                }
            }
        }
        var sawLocalPart = false
        for prefix in prefixes {
            let overlapping = ZoneMap.localPrefixes.filter { AddressSpace.overlaps($0, prefix) }
            let holdsAll = overlapping.contains { $0.length <= prefix.length }
            let classes = space.classes(prefix)
            XCTAssertEqual(classes.contains(.local), !overlapping.isEmpty, "\(prefix)")
            if holdsAll { XCTAssertEqual(classes, .local, "\(prefix)") }
            XCTAssertEqual(space.reach(prefix).local, !overlapping.isEmpty, "\(prefix)")
            if !overlapping.isEmpty && !holdsAll { sawLocalPart = true }
        }
        XCTAssertTrue(sawLocalPart)
    }
}
