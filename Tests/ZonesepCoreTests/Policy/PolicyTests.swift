import XCTest

@testable import ZonesepCore

/// Each rule of DESIGN.md's table, its priority, and each exception case, on the design's example map.
final class PolicyTests: XCTestCase {
    static func p(_ s: String...) -> [IPPrefix] { s.compactMap { IPPrefix($0) } }

    /// 2026-11-21T00:00:00Z and the example exception's expiry (end of 2027-03-31 JST).
    let now: Int64 = 1_795_219_200_000_000
    static let expiry: Int64 = 1_806_505_200_000_000

    let policy = Policy(
        PolicyConfig(
            sensor: "test",
            zones: [
                Zone(id: "mynumber", kind: .mynumber, networks: p("10.10.0.0/16", "fd00:10::/48")),
                Zone(id: "lgwan", kind: .lgwan, networks: p("10.20.0.0/16")),
                Zone(id: "lgwan-wan", kind: .lgwan, networks: p("172.20.0.0/14")),
                Zone(id: "internet", kind: .internet, networks: p("10.30.0.0/16")),
                Zone(id: "mynumber-b", kind: .mynumber, networks: p("10.11.0.0/16")),
            ],
            gateways: [Gateway(name: "security-cloud", addresses: p("203.0.113.10", "203.0.113.11"))],
            conduits: [
                Conduit(
                    name: "intermediate-server", from: p("10.10.1.5"), fromMAC: MACAddress("02:00:00:00:01:05"),
                    to: p("172.20.9.9"), ports: [.tcp(443...443)])
            ],
            sanitisation: [
                SanitisationPath(
                    name: "mail", method: .mailText, from: p("10.30.5.10"), to: p("10.20.5.10"), ports: [.tcp(25...25)]),
                SanitisationPath(
                    name: "vdi", method: .screenTransfer, from: p("10.20.0.0/16"), to: p("10.30.6.0/28"),
                    ports: SanitisationMethod.screenTransfer.defaultPorts),
            ],
            exceptions: [
                PolicyException(
                    name: "web-conference", from: p("10.30.0.0/16"), to: p("198.51.100.0/24"),
                    ports: [.tcp(443...443), .udp(3478...3481)], approved: "No.12", expiresAtMicros: expiry,
                    expiresText: "2027-03-31"),
                PolicyException(
                    name: "lgwan-vendor", from: p("10.20.9.9"),
                    to: p("10.30.9.9", "192.0.2.9", "10.99.0.9", "10.10.9.9"),
                    ports: [.any], approved: "No.13", expiresAtMicros: expiry, expiresText: "2027-03-31"),
            ]))

    func rule(
        _ from: String, _ to: String, _ proto: UInt8 = 6, _ port: UInt16? = 443, fromMAC: String? = nil,
        at time: Int64? = nil
    ) -> String {
        let f = policy.ends(from, to, proto: proto, port: port, fromMAC: fromMAC)
        return policy.verdict(f, at: time ?? now)?.rule.name ?? "allowed"
    }

    func testSameKindIsAllowed() {
        XCTAssertEqual(rule("10.20.1.1", "172.20.1.1", 6, 445), "allowed")
        XCTAssertEqual(rule("10.10.1.1", "10.11.1.1", 6, 445), "allowed")
        XCTAssertEqual(rule("10.30.1.1", "10.30.2.2"), "allowed")
    }

    func testConduit() {
        XCTAssertEqual(rule("10.10.1.5", "172.20.9.9", fromMAC: "02:00:00:00:01:05"), "allowed")
        XCTAssertEqual(rule("10.10.1.5", "172.20.9.9"), "allowed", "no MAC on the link: not checkable")
        XCTAssertEqual(rule("10.10.1.5", "172.20.9.9", fromMAC: "02:00:00:00:01:99"), "conduit-mac-mismatch")
        XCTAssertEqual(rule("10.10.1.5", "172.20.9.9", 6, 80), "mynumber-isolation", "other port")
        XCTAssertEqual(rule("10.10.1.5", "172.20.9.9", 17, 443), "mynumber-isolation", "other protocol")
        XCTAssertEqual(rule("172.20.9.9", "10.10.1.5"), "mynumber-isolation", "other direction")
        XCTAssertEqual(rule("10.10.1.6", "172.20.9.9"), "mynumber-isolation", "other initiator")
    }

    func testMynumberIsolation() {
        XCTAssertEqual(rule("10.10.3.3", "10.30.1.1"), "mynumber-isolation")
        XCTAssertEqual(rule("10.20.1.1", "10.10.3.3"), "mynumber-isolation")
        XCTAssertEqual(rule("10.10.3.3", "8.8.8.8", 17, 53), "mynumber-isolation", "external")
        XCTAssertEqual(rule("10.10.3.3", "192.168.1.1"), "mynumber-isolation", "unzoned")
        XCTAssertEqual(rule("fd00:10::5", "2001:db8::1"), "mynumber-isolation", "IPv6")
        XCTAssertEqual(rule("10.20.9.9", "10.10.9.9"), "mynumber-isolation", "exceptions never open mynumber")
    }

    func testSanitisationPaths() {
        XCTAssertEqual(rule("10.30.5.10", "10.20.5.10", 6, 25), "allowed")
        XCTAssertEqual(rule("10.20.5.10", "10.30.5.10", 6, 25), "sanitisation-bypass", "wrong direction")
        XCTAssertEqual(rule("10.30.5.10", "10.20.5.10", 6, 587), "sanitisation-bypass", "port not declared")
        XCTAssertEqual(rule("10.20.3.4", "10.30.6.5", 6, 3389), "allowed")
        XCTAssertEqual(rule("10.20.3.4", "10.30.6.5", 17, 4172), "allowed", "method default ports")
        XCTAssertEqual(rule("10.20.3.4", "10.30.6.16", 6, 3389), "sanitisation-bypass", "outside the /28")
        XCTAssertEqual(rule("10.20.3.4", "10.30.7.8", 6, 445), "sanitisation-bypass")
        XCTAssertEqual(rule("10.20.9.9", "10.30.9.9", 6, 445), "allowed", "unexpired exception")
        XCTAssertEqual(
            rule("10.20.9.9", "10.30.9.9", 6, 445, at: Self.expiry), "sanitisation-bypass", "expired exception")
    }

    func testLGWANExternal() {
        XCTAssertEqual(rule("10.20.1.1", "8.8.8.8", 17, 53), "lgwan-external")
        XCTAssertEqual(rule("8.8.8.8", "172.20.1.1"), "lgwan-external")
        XCTAssertEqual(rule("10.20.9.9", "192.0.2.9"), "allowed", "exception")
    }

    func testSecurityCloud() {
        XCTAssertEqual(rule("10.30.1.1", "203.0.113.10"), "allowed")
        XCTAssertEqual(rule("10.30.1.1", "203.0.113.12"), "security-cloud-bypass")
        XCTAssertEqual(rule("203.0.113.12", "10.30.1.1", 6, 22), "security-cloud-bypass", "inbound")
        XCTAssertEqual(rule("10.30.1.1", "198.51.100.7", 17, 3478), "allowed", "exception")
        XCTAssertEqual(rule("10.30.1.1", "198.51.100.7", 17, 3482), "security-cloud-bypass", "port outside")
        XCTAssertEqual(rule("198.51.100.7", "10.30.1.1", 6, 443), "security-cloud-bypass", "direction")
        XCTAssertEqual(
            rule("10.30.1.1", "198.51.100.7", 6, 443, at: Self.expiry - 1), "allowed", "last µs of validity")
        XCTAssertEqual(rule("10.30.1.1", "198.51.100.7", 6, 443, at: Self.expiry), "security-cloud-bypass")
    }

    func testSecurityCloudNeedsGateways() {
        let open = Policy(
            PolicyConfig(zones: [Zone(id: "internet", kind: .internet, networks: Self.p("10.30.0.0/16"))]))
        let f = FlowEnds(
            initiator: IPAddress("10.30.1.1")!, responder: IPAddress("8.8.8.8")!,
            initiatorZone: ZoneRef(zone: 0), responderZone: .external, proto: 6, port: 443)
        XCTAssertNil(open.verdict(f, at: now))
    }

    func testUnzonedHost() {
        XCTAssertEqual(rule("192.168.1.1", "10.20.1.1"), "unzoned-host")
        XCTAssertEqual(rule("10.30.1.1", "10.99.0.1"), "unzoned-host")
        XCTAssertEqual(rule("192.168.1.1", "8.8.8.8"), "unzoned-host")
        XCTAssertEqual(rule("10.20.9.9", "10.99.0.9"), "allowed", "exception")
        XCTAssertEqual(rule("8.8.8.8", "8.8.4.4"), "allowed", "external to external is transit")
    }

    /// A conduit to a device in no zone lets the mynumber zone talk to it, and the flow goes on down the
    /// rules to `unzoned-host` (as `check` warns), which no exception waives; without the conduit, or the
    /// other way round, it is `mynumber-isolation`.
    func testAConduitToAnUnzonedDeviceIsStillUnzonedHost() {
        let policy = Policy(
            PolicyConfig(
                zones: [
                    Zone(id: "mynumber", kind: .mynumber, networks: Self.p("10.10.0.0/16", "fd00:10::/48")),
                    Zone(id: "lgwan", kind: .lgwan, networks: Self.p("10.20.0.0/16")),
                ],
                conduits: [
                    Conduit(
                        name: "to-unzoned", from: Self.p("10.10.1.1", "fd00:10::1"),
                        to: Self.p("10.99.1.1", "fd00:99::1"),
                        toMAC: MACAddress("02:00:00:00:99:01"), ports: [.tcp(443...443)]),
                    Conduit(
                        name: "to-lgwan", from: Self.p("10.10.1.1"), to: Self.p("10.20.1.1"), ports: [.tcp(443...443)]),
                ],
                exceptions: [
                    PolicyException(
                        name: "waiver", from: Self.p("10.10.0.0/16", "10.20.0.0/16"), to: Self.p("10.99.1.1"),
                        ports: [.any], approved: "No.1", expiresAtMicros: Self.expiry, expiresText: "2027-03-31")
                ]))
        func judge(_ from: String, _ to: String, port: UInt16 = 443, toMAC: String? = nil) -> String {
            let f = policy.ends(from, to, port: port, toMAC: toMAC)
            let j = policy.judge(f, at: now)
            XCTAssertEqual(j, ReferenceJudge(policy.config).judge(f, at: now), "\(from) → \(to)")
            return j.rule?.name ?? "allowed by \(j.declaration)"
        }
        XCTAssertEqual(judge("10.10.1.1", "10.99.1.1"), "unzoned-host", "the conduit's flow")
        XCTAssertEqual(judge("fd00:10::1", "fd00:99::1"), "unzoned-host", "IPv6")
        XCTAssertEqual(judge("10.10.1.1", "10.99.1.1", toMAC: "02:00:00:00:99:01"), "unzoned-host", "its MAC")
        XCTAssertEqual(judge("10.10.1.1", "10.99.1.1", toMAC: "02:00:00:00:99:02"), "conduit-mac-mismatch")
        XCTAssertEqual(judge("10.10.1.1", "10.99.1.1", port: 80), "mynumber-isolation", "no conduit")
        XCTAssertEqual(judge("10.99.1.1", "10.10.1.1"), "mynumber-isolation", "the other way")
        XCTAssertEqual(judge("10.10.1.1", "10.20.1.1"), "allowed by 1", "a zoned peer")
        XCTAssertEqual(judge("10.20.1.1", "10.99.1.1"), "allowed by 2", "the exception, with no mynumber end")
    }

    func testLocalAddressesNeverAlert() {
        XCTAssertEqual(rule("10.10.3.3", "255.255.255.255", 17, 67), "allowed")
        XCTAssertEqual(rule("10.10.3.3", "224.0.0.251", 17, 5353), "allowed")
        XCTAssertEqual(rule("fe80::1", "fd00:10::5", 58, nil), "allowed")
        XCTAssertEqual(rule("192.168.9.9", "239.255.255.250", 17, 1900), "allowed")
    }

    /// A new flow's judge looks its pair of zones up once, initiator first, for both `mayViolate` and the
    /// rules: `mayViolate` must not depend on the order, and the judgement must be what `Policy.judge`
    /// gives after `mayViolate` in the sender's order, for addresses of every class, whichever end initiates.
    func testFlowJudgeAgreesWithPolicyJudgeEitherWayRound() {
        let refs = (0..<5).map { ZoneRef(zone: $0) } + [.external, .unzoned, .local]
        let bare = Policy(PolicyConfig(sensor: "bare", zones: policy.config.zones))
        for p in [policy, bare] {
            for a in refs {
                for b in refs { XCTAssertEqual(p.mayViolate(a, b), p.mayViolate(b, a), "\(a) \(b)") }
            }
        }
        let addresses = [
            "10.10.1.5", "10.10.7.7", "10.20.5.10", "10.20.9.9", "172.20.9.9", "10.30.5.10", "10.30.6.3", "10.30.9.9",
            "10.11.0.1", "203.0.113.10", "198.51.100.7", "192.0.2.9", "8.8.8.8", "10.99.0.9", "192.168.1.1",
            "255.255.255.255",
        ].map { IPAddress($0)! }
        var judged = Set<String>()
        for p in [policy, bare] {
            for mac in [MACAddress("02:00:00:00:01:05"), MACAddress("02:00:00:00:09:09")] {
                for a in addresses {
                    for b in addresses {
                        for (proto, port) in [(UInt8(6), UInt16(443)), (6, 25), (17, 3478), (6, 3389)] {
                            for senderInitiates in [true, false] {
                                let o = FlowJudge.Observation(
                                    sender: a, receiver: b, proto: proto, senderPort: senderInitiates ? 40000 : port,
                                    receiverPort: senderInitiates ? port : 40000, hasPorts: true,
                                    senderMAC: senderInitiates ? mac : nil, receiverMAC: senderInitiates ? nil : mac)
                                let zs = p.zoneMap.lookup(a)
                                let zr = p.zoneMap.lookup(b)
                                let ends = FlowEnds(
                                    initiator: senderInitiates ? a : b, responder: senderInitiates ? b : a,
                                    initiatorZone: senderInitiates ? zs : zr, responderZone: senderInitiates ? zr : zs,
                                    proto: proto, port: port, initiatorMAC: mac)
                                let expected = p.mayViolate(zs, zr) ? p.judge(ends, at: now) : Judgement.allowed
                                let got = FlowJudge.judge(
                                    o, senderInitiates: senderInitiates, senderZone: zs, receiverZone: zr, at: now,
                                    by: p)
                                XCTAssertEqual(got, expected, "\(a) -> \(b) \(proto)/\(port) \(senderInitiates)")
                                judged.insert(got.rule?.name ?? "allowed")
                            }
                        }
                    }
                }
            }
        }
        XCTAssertEqual(judged.count, RuleID.allCases.count + 1, "every rule and allowed: \(judged.sorted())")
    }

    func testRestrictedCells() {
        let z = { (i: Int) in ZoneRef(zone: i) }
        XCTAssertTrue(policy.restricts(z(0), z(1)), "mynumber-lgwan")
        XCTAssertTrue(policy.restricts(z(0), .external))
        XCTAssertFalse(policy.restricts(z(0), z(4)), "two mynumber zones")
        XCTAssertTrue(policy.restricts(z(1), z(3)), "lgwan-internet")
        XCTAssertFalse(policy.restricts(z(1), z(2)), "lgwan-lgwan-wan")
        XCTAssertTrue(policy.restricts(z(2), .external))
        XCTAssertTrue(policy.restricts(.external, z(3)), "gateways declared")
        XCTAssertTrue(policy.restricts(z(3), .unzoned))
        XCTAssertFalse(policy.restricts(z(0), .local))
        XCTAssertFalse(policy.restricts(.external, .external))
    }

    func testSeverities() {
        XCTAssertEqual(RuleID.conduitMACMismatch.severity, .critical)
        XCTAssertEqual(RuleID.mynumberIsolation.severity, .critical)
        XCTAssertEqual(RuleID.sanitisationBypass.severity, .high)
        XCTAssertEqual(RuleID.lgwanExternal.severity, .high)
        XCTAssertEqual(RuleID.securityCloudBypass.severity, .medium)
        XCTAssertEqual(RuleID.unzonedHost.severity, .medium)
    }
}
