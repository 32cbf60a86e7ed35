import XCTest
import ZonesepTestSupport

@testable import ZonesepCore

/// The compiled declaration index against `ReferenceJudge`, the plain file-order scan: random policies
/// whose prefixes crowd around a few addresses (so declarations overlap, nest and repeat), random flows
/// among the same addresses, at times around the exceptions' expiries.
final class PolicyIndexTests: XCTestCase {
    /// The shared fixed-seed generator (so a failure reproduces), with the two draws these tests make.
    typealias Random = SplitMix64

    static let now: Int64 = 1_795_219_200_000_000
    /// The neighbourhoods everything is drawn from: zones, external blocks, IPv6.
    static let seeds: [IPAddress] = [
        "10.10.1.5", "10.10.200.1", "10.20.5.10", "10.20.9.9", "10.30.6.1", "10.30.5.10", "172.20.9.9",
        "192.168.1.1", "203.0.113.10", "198.51.100.7", "8.8.8.8", "fd00:10::5", "fd00:20::9", "2001:db8::1",
    ].compactMap { IPAddress($0) }

    /// Prefixes that take in every address of a family, or (the IPv6 ones) the IPv4-mapped block's bits.
    static let wide = ["::/0", "0.0.0.0/0", "::/64", "::/80"].compactMap { IPPrefix($0) }

    /// An address near a seed: the same, or with some low bits changed.
    static func address(_ r: inout Random) -> IPAddress {
        let seed = r.pick(seeds)
        let bits = r.pick([0, 0, 1, 3, 8, 12, 20])
        let noise = bits == 0 ? 0 : UInt128(r.next()) & ((1 << UInt128(bits)) - 1)
        return IPAddress(rawValue: seed.rawValue ^ noise)
    }

    /// A prefix around a seed, of a length typical of policies or, now and then, anything (even /0).
    static func prefix(_ r: inout Random) -> IPPrefix {
        let a = address(&r)
        let lengths = a.isIPv4 ? [32, 32, 32, 28, 24, 24, 16, 16, 8, r.int(33)] : [128, 128, 64, 48, r.int(129)]
        let l = r.pick(lengths)
        if r.int(60) == 0 { return r.pick(wide) }
        return IPPrefix(address: a, length: a.isIPv4 ? 96 + l : l)
    }

    static func prefixes(_ r: inout Random) -> [IPPrefix] {
        // Mostly short lists; sometimes long enough to exceed the index's pair budget.
        let n = r.int(10) == 0 ? 5 + r.int(30) : 1 + r.int(3)
        return (0..<n).map { _ in prefix(&r) }
    }

    static func ports(_ r: inout Random) -> [PortSpec] {
        (0..<(1 + r.int(3))).map { _ in
            switch r.int(8) {
            case 0: return .any
            case 1: return .icmp
            case 2: return .udp(53...53)
            case 3:
                let lo = UInt16(r.pick([20, 25, 440, 443, 3389]))
                return .tcp(lo...(lo + UInt16(r.int(5))))
            default:
                let a = UInt16(r.pick([25, 443, 445, 3389]))
                let b = UInt16(r.pick([445, 3389, 8443]))
                return .tcp(min(a, b)...max(a, b))
            }
        }
    }

    static let macs: [MACAddress] = (1...3).map { MACAddress(rawValue: 0x0200_0000_0000 | UInt64($0)) }

    static func policy(_ r: inout Random, declarations: Int) -> PolicyConfig {
        let kinds = ZoneKind.allCases
        let zones = (0..<(2 + r.int(5))).map { i in
            Zone(id: "z\(i)", kind: r.pick(kinds), networks: (0..<(1 + r.int(2))).map { _ in prefix(&r) })
        }
        // The same prefix in two zones is a configuration error: keep each zone's first claim only.
        var seen = Set<IPPrefix>()
        let distinct = zones.map { z in
            Zone(id: z.id, kind: z.kind, networks: z.networks.filter { seen.insert($0).inserted })
        }
        var config = PolicyConfig(zones: distinct)
        for i in 0..<declarations {
            switch r.int(4) {
            case 0:
                config.conduits.append(
                    Conduit(
                        name: "c\(i)", from: prefixes(&r), fromMAC: r.int(3) == 0 ? r.pick(macs) : nil,
                        to: prefixes(&r), toMAC: r.int(4) == 0 ? r.pick(macs) : nil, ports: ports(&r)))
            case 1:
                config.sanitisation.append(
                    SanitisationPath(
                        name: "s\(i)", method: .fileSanitiser, from: prefixes(&r), to: prefixes(&r), ports: ports(&r)))
            case 2:
                if r.int(3) != 0 || !config.gateways.isEmpty || declarations < 20 {
                    config.gateways.append(Gateway(name: "g\(i)", addresses: prefixes(&r)))
                }
            default:
                config.exceptions.append(
                    PolicyException(
                        name: "e\(i)", from: prefixes(&r), to: prefixes(&r), ports: ports(&r), approved: "",
                        expiresAtMicros: now + Int64(r.int(5) - 2) * 1_000_000, expiresText: ""))
            }
        }
        return config
    }

    static func flow(_ r: inout Random, _ map: ZoneMap) -> FlowEnds {
        let a = address(&r)
        var b = address(&r)
        if a.isIPv4 != b.isIPv4 && r.int(4) != 0 { b = a.isIPv4 ? IPAddress(v4: UInt32(r.next() >> 40)) : b }
        let proto = r.pick([IPProtocolNumber.tcp, IPProtocolNumber.tcp, IPProtocolNumber.udp, IPProtocolNumber.icmp])
        let port: UInt16? = proto == IPProtocolNumber.icmp ? nil : UInt16(r.pick([25, 53, 443, 444, 445, 3389, 8443]))
        return FlowEnds(
            initiator: a, responder: b, initiatorZone: map.lookup(a), responderZone: map.lookup(b), proto: proto,
            port: port, initiatorMAC: r.int(3) == 0 ? nil : r.pick(macs),
            responderMAC: r.int(3) == 0 ? nil : r.pick(macs))
    }

    func check(seed: UInt64, policies: Int, declarations: Int, flows: Int) {
        var r = Random(seed: seed)
        var judged = [String: Int]()
        for n in 0..<policies {
            let config = Self.policy(&r, declarations: declarations)
            let policy = Policy(config)
            let reference = ReferenceJudge(config)
            for _ in 0..<flows {
                let f = Self.flow(&r, policy.zoneMap)
                let time = Self.now + Int64(r.int(5) - 2) * 1_000_000
                let got = policy.judge(f, at: time)
                let want = reference.judge(f, at: time)
                if got != want {
                    XCTFail("policy \(n) (seed \(seed)): \(f) at \(time): index \(got), reference \(want)")
                    return
                }
                let outcome =
                    got.rule != nil
                    ? (got.expiredException >= 0 ? "violation, expired exception" : "violation")
                    : (got.declaration >= 0 ? "allowed by \(policy.declarations[got.declaration].kind)" : "allowed")
                judged[outcome, default: 0] += 1
            }
        }
        // The random policies must exercise every outcome, or the comparison proves little.
        for outcome in [
            "violation", "violation, expired exception", "allowed", "allowed by conduit", "allowed by sanitisation",
            "allowed by gateway", "allowed by exception",
        ] {
            XCTAssertGreaterThan(judged[outcome] ?? 0, 10, "\(outcome): \(judged)")
        }
    }

    func testSmallPoliciesAgreeWithTheFileOrderScan() {
        check(seed: 1, policies: 200, declarations: 12, flows: 200)
    }

    func testLargePoliciesAgreeWithTheFileOrderScan() {
        check(seed: 2, policies: 3, declarations: 1_000, flows: 2_000)
    }

    func testRulesAgreeToo() {
        var r = Random(seed: 3)
        var rules = Set<RuleID>()
        for _ in 0..<200 {
            let config = Self.policy(&r, declarations: 8)
            let policy = Policy(config)
            for _ in 0..<200 {
                let f = Self.flow(&r, policy.zoneMap)
                if let rule = policy.judge(f, at: Self.now).rule { rules.insert(rule) }
            }
        }
        XCTAssertEqual(rules, Set(RuleID.allCases), "the random flows must break every rule")
    }

    /// A table of the index turns a flow away, without reading a slot, where the flow's masked addresses
    /// differ from the bits all its keys share; it must not turn away a flow some key holds, whatever its
    /// host bits, nor decide by the bits the keys do not share.
    func testATableTurnsAwayOnlyFlowsNoKeyCanHold() {
        let p = { (s: String) in IPPrefix(s)! }
        // One pair of lengths (/24, /32): the keys differ in one bit of each side and share the rest.
        let sides: [(from: [IPPrefix], to: [IPPrefix])] = [
            ([p("10.30.0.0/24")], [p("198.18.0.1")]),
            ([p("10.30.1.0/24")], [p("198.19.0.1")]),
            ([p("fd00:30:1::/64")], [p("198.18.0.1")]),
        ]
        let index = DeclarationIndex(sides) { $0 }
        func first(_ a: String, _ b: String) -> Int { index.first(IPAddress(a)!, IPAddress(b)!) { _ in true } }
        XCTAssertEqual(first("10.30.0.7", "198.18.0.1"), 0, "host bits beyond the key's length")
        XCTAssertEqual(first("10.30.1.255", "198.19.0.1"), 1)
        XCTAssertEqual(first("fd00:30:1::9", "198.18.0.1"), 2)
        // The unshared bits crossed: no bucket holds the pair, found by the probe.
        XCTAssertEqual(first("10.30.1.7", "198.18.0.1"), -1)
        // A shared bit differs on one side: turned away.
        XCTAssertEqual(first("10.31.0.7", "198.18.0.1"), -1)
        XCTAssertEqual(first("10.30.0.7", "198.18.0.2"), -1)
        XCTAssertEqual(first("fd00:30:2::9", "198.18.0.1"), -1)
        XCTAssertEqual(first("8.8.8.8", "1.1.1.1"), -1)
    }

    /// An index of thousands of declarations keeps its slots in mapped zeroed memory (whole huge pages,
    /// not written empty first): it must find what the file-order scan finds, for every declared pair, for
    /// pairs the buckets share, and for pairs no declaration names.
    func testALargeIndexOnMappedSlotsAgreesWithTheScan() {
        var r = Random(seed: 5)
        func address(_ base: UInt32) -> IPAddress { IPAddress(v4: base | UInt32(r.int(1 << 14))) }
        var sides: [(from: [IPPrefix], to: [IPPrefix])] = []
        for _ in 0..<8_000 {
            let from = (0..<(1 + r.int(2))).map { _ in IPPrefix(address: address(0x0a14_0000), length: 128) }
            let to = (0..<(1 + r.int(3))).map { _ in
                IPPrefix(address: address(0xc612_0000), length: r.int(4) == 0 ? 124 : 128)
            }
            sides.append((from, to))
        }
        let index = DeclarationIndex(sides) { $0 }
        XCTAssertGreaterThanOrEqual(
            index.slots.count * MemoryLayout<DeclarationIndex.Slot>.stride, DeclarationSlots.mappedFrom,
            "the slots must be large enough to be mapped")
        func holds(_ list: [IPPrefix], _ a: IPAddress) -> Bool { list.contains { $0.contains(a) } }
        func scan(_ a: IPAddress, _ b: IPAddress) -> Int {
            sides.firstIndex { holds($0.from, a) && holds($0.to, b) } ?? -1
        }
        var probes: [(IPAddress, IPAddress)] = []
        for k in stride(from: 0, to: sides.count, by: 20) {
            probes.append((sides[k].from[0].address, sides[k].to.last!.address))
        }
        for _ in 0..<300 { probes.append((address(0x0a14_0000), address(0xc612_0000))) }
        var found = 0
        for (a, b) in probes {
            let got = index.first(a, b) { holds(sides[$0].from, a) && holds(sides[$0].to, b) }
            XCTAssertEqual(got, scan(a, b), "\(a) -> \(b)")
            if got >= 0 { found += 1 }
        }
        XCTAssertGreaterThanOrEqual(found, sides.count / 20, "every declared pair is found")
    }

    func testPrefixSetMergesNestedAndAdjacentRanges() {
        let set = PrefixSet(
            ["10.0.0.0/24", "10.0.1.0/24", "10.0.0.128/25", "10.9.0.0/16", "::/0"].compactMap(IPPrefix.init))
        XCTAssertEqual(set.firsts.count, 4, "::/0 holds every IPv6 address, around the IPv4 ranges")
        for (a, inside) in [("10.0.1.255", true), ("10.0.2.0", false), ("2001:db8::1", true), ("::", true)] {
            XCTAssertEqual(set.contains(IPAddress(a)!), inside, a)
        }
        let all = PrefixSet(["0.0.0.0/0", "::/0"].compactMap(IPPrefix.init))
        XCTAssertEqual(all.firsts.count, 1, "both families: everything")
        XCTAssertTrue(all.contains(IPAddress("8.8.8.8")!))
        let v4 = PrefixSet(["10.0.0.0/24", "10.0.1.0/24", "10.0.0.128/25", "10.9.0.0/16"].compactMap(IPPrefix.init))
        XCTAssertEqual(v4.firsts.count, 2)
        for (a, inside) in [
            ("10.0.0.0", true), ("10.0.1.255", true), ("10.0.2.0", false), ("9.255.255.255", false),
            ("10.9.255.255", true), ("10.10.0.0", false), ("::1", false),
        ] {
            XCTAssertEqual(v4.contains(IPAddress(a)!), inside, a)
        }
        XCTAssertFalse(PrefixSet([]).contains(IPAddress("10.0.0.1")!))
    }
}

/// IPv6 prefixes around the IPv4-mapped block in every kind of declaration: an IPv4 flow matches none of
/// them, an IPv6 flow matches as before. The declaration index finds IPv4 flows among the candidates by
/// their bits; the ranges each candidate is verified against must turn them away.
final class DeclarationFamilyTests: XCTestCase {
    static func p(_ s: String...) -> [IPPrefix] { s.compactMap { IPPrefix($0) } }
    static let expiry: Int64 = 1_806_505_200_000_000

    func flow(_ policy: Policy, _ from: String, _ to: String, port: UInt16 = 443) -> FlowEnds {
        policy.ends(from, to, port: port)
    }

    func testIPv6PrefixesAroundTheIPv4BlockMatchNoIPv4Flow() {
        for wide in ["::/0", "::/64", "::/80"] {
            // Each declaration is alone with its pair of lengths, and a second one with many prefixes on
            // one side (entered in the index under the other side only, the rest left to verification).
            let many = [wide] + (0..<20).map { "2001:db8:\($0)::/48" }
            let config = PolicyConfig(
                zones: [
                    Zone(id: "my", kind: .mynumber, networks: Self.p("10.10.0.0/16", "fd00:10::/48")),
                    Zone(id: "lg", kind: .lgwan, networks: Self.p("10.20.0.0/16", "fd00:20::/48")),
                    Zone(id: "inet", kind: .internet, networks: Self.p("10.30.0.0/16", "fd00:30::/48")),
                ],
                gateways: [
                    Gateway(name: "g", addresses: Self.p(wide)),
                    Gateway(name: "g2", addresses: many.compactMap { IPPrefix($0) }),
                ],
                conduits: [
                    Conduit(name: "c", from: Self.p("10.10.1.1", "fd00:10::1"), to: Self.p(wide), ports: [.any]),
                    Conduit(
                        name: "c2", from: Self.p("10.10.1.2", "fd00:10::2"), to: many.compactMap { IPPrefix($0) },
                        ports: [.any]),
                ],
                sanitisation: [
                    SanitisationPath(
                        name: "s", method: .fileSanitiser, from: Self.p(wide), to: Self.p(wide), ports: [.any])
                ],
                exceptions: [
                    PolicyException(
                        name: "e", from: Self.p(wide), to: Self.p(wide), ports: [.any], approved: "No.1",
                        expiresAtMicros: Self.expiry, expiresText: "2027-03-31")
                ])
            let policy = Policy(config)
            let reference = ReferenceJudge(config)
            let now = Self.expiry - 1
            // IPv4: nothing of theirs matches, whatever the zones.
            for (from, to) in [
                ("10.10.1.1", "10.20.1.1"), ("10.10.1.2", "10.20.1.1"), ("10.20.1.1", "10.30.1.1"),
                ("10.30.1.1", "10.20.1.1"), ("10.20.1.1", "8.8.8.8"), ("10.30.1.1", "8.8.8.8"),
                ("8.8.8.8", "10.30.1.1"), ("10.30.1.1", "10.99.1.1"),
            ] {
                let f = flow(policy, from, to)
                XCTAssertEqual(policy.firstConduit(f).allows, -1, "\(wide): \(from) → \(to)")
                XCTAssertEqual(policy.firstSanitisation(f), -1, "\(wide): \(from) → \(to)")
                XCTAssertEqual(policy.firstGateway(f.responder), -1, "\(wide): \(to)")
                XCTAssertEqual(policy.firstGateway(f.initiator), -1, "\(wide): \(from)")
                XCTAssertEqual(policy.firstException(f, at: now).unexpired, -1, "\(wide): \(from) → \(to)")
                XCTAssertNotNil(policy.judge(f, at: now).rule, "\(wide): \(from) → \(to)")
                XCTAssertEqual(policy.judge(f, at: now), reference.judge(f, at: now), "\(wide): \(from) → \(to)")
            }
            // IPv6 inside the wide prefix: each kind matches.
            let v6 = wide == "::/80" ? "::fffe:0:5" : "::1:0:0:5"
            let f = flow(policy, "fd00:10::1", v6)
            XCTAssertEqual(policy.firstConduit(f).allows, 0, wide)
            XCTAssertEqual(policy.firstConduit(flow(policy, "fd00:10::2", v6)).allows, 1, wide)
            XCTAssertEqual(policy.firstSanitisation(flow(policy, v6, v6)), 0, wide)
            XCTAssertEqual(policy.firstGateway(IPAddress(v6)!), 0, wide)
            XCTAssertEqual(policy.firstException(flow(policy, v6, v6), at: now).unexpired, 0, wide)
        }
    }
}

extension SplitMix64 {
    /// A number below `n`.
    mutating func int(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    /// One of `xs`.
    mutating func pick<T>(_ xs: [T]) -> T { xs[int(xs.count)] }
}
