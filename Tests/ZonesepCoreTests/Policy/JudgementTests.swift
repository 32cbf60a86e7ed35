import XCTest

@testable import ZonesepCore

/// `Policy.judge`: which declaration allowed a flow, the conduit that a MAC contradicted, and the expired
/// exception a violating flow still asks for; `declarations` in their documented order.
final class JudgementTests: XCTestCase {
    static func p(_ s: String...) -> [IPPrefix] { s.compactMap { IPPrefix($0) } }
    let now: Int64 = 1_795_219_200_000_000
    static let expiry: Int64 = 1_806_505_200_000_000
    static let past: Int64 = 1_700_000_000_000_000

    let policy = Policy(
        PolicyConfig(
            zones: [
                Zone(id: "mynumber", kind: .mynumber, networks: p("10.10.0.0/16")),
                Zone(id: "lgwan", kind: .lgwan, networks: p("10.20.0.0/16")),
                Zone(id: "lgwan-wan", kind: .lgwan, networks: p("172.20.0.0/14")),
                Zone(id: "internet", kind: .internet, networks: p("10.30.0.0/16")),
            ],
            gateways: [
                Gateway(name: "cloud-a", addresses: p("203.0.113.10")),
                Gateway(name: "cloud-b", addresses: p("203.0.113.0/28")),
            ],
            conduits: [
                Conduit(
                    name: "c-mac", from: p("10.10.1.5"), fromMAC: MACAddress("02:00:00:00:01:05"), to: p("172.20.9.9"),
                    ports: [.tcp(443...443)]),
                Conduit(name: "c-wide", from: p("10.10.1.0/24"), to: p("172.20.9.9"), ports: [.tcp(443...443)]),
                Conduit(
                    name: "c-mac-only", from: p("10.10.2.5"), fromMAC: MACAddress("02:00:00:00:02:05"),
                    to: p("172.20.9.9"), ports: [.any]),
            ],
            sanitisation: [
                SanitisationPath(
                    name: "mail", method: .mailText, from: p("10.30.5.10"), to: p("10.20.5.10"), ports: [.tcp(25...25)]),
                SanitisationPath(
                    name: "mail-any", method: .mailText, from: p("10.30.0.0/16"), to: p("10.20.5.10"),
                    ports: [.tcp(25...25)]),
            ],
            exceptions: [
                PolicyException(
                    name: "stale", from: p("10.30.0.0/16"), to: p("198.51.100.0/24"), ports: [.tcp(443...443)],
                    approved: "No.1", expiresAtMicros: past, expiresText: "2023-11-14"),
                PolicyException(
                    name: "current", from: p("10.30.0.0/16"), to: p("198.51.100.7"), ports: [.tcp(443...443)],
                    approved: "No.2", expiresAtMicros: expiry, expiresText: "2027-03-31"),
                PolicyException(
                    name: "vendor", from: p("10.20.9.9"), to: p("10.99.0.9", "8.8.8.8"), ports: [.any],
                    approved: "No.3", expiresAtMicros: expiry, expiresText: "2027-03-31"),
            ]))

    func judge(
        _ from: String, _ to: String, _ proto: UInt8 = 6, _ port: UInt16? = 443, fromMAC: String? = nil,
        at time: Int64? = nil
    ) -> (rule: String, by: String, expired: String) {
        let f = policy.ends(from, to, proto: proto, port: port, fromMAC: fromMAC)
        let j = policy.judge(f, at: time ?? now)
        XCTAssertEqual(j, ReferenceJudge(policy.config).judge(f, at: time ?? now), "\(from) → \(to)")
        XCTAssertEqual(policy.verdict(f, at: time ?? now)?.rule, j.rule)
        let name = { (i: Int) in i < 0 ? "-" : "\(self.policy.declarations[i].kind)/\(self.policy.declarations[i].name)"
        }
        return (j.rule?.name ?? "allowed", name(j.declaration), name(j.expiredException))
    }

    func testDeclarationsAreFlattenedInOrder() {
        XCTAssertEqual(
            policy.declarations.map { "\($0.kind)/\($0.name)/\($0.index)" },
            [
                "conduit/c-mac/0", "conduit/c-wide/1", "conduit/c-mac-only/2", "sanitisation/mail/0",
                "sanitisation/mail-any/1", "gateway/cloud-a/0", "gateway/cloud-b/1", "exception/stale/0",
                "exception/current/1", "exception/vendor/2",
            ])
        XCTAssertEqual(policy.declarations[8].expiresAtMicros, Self.expiry)
        XCTAssertNil(policy.declarations[0].expiresAtMicros)
    }

    func testAllowedFlowsNameTheFirstMatchingDeclaration() {
        XCTAssertEqual(judge("10.10.1.5", "172.20.9.9", fromMAC: "02:00:00:00:01:05").by, "conduit/c-mac")
        XCTAssertEqual(judge("10.10.1.7", "172.20.9.9").by, "conduit/c-wide")
        XCTAssertEqual(judge("10.30.5.10", "10.20.5.10", 6, 25).by, "sanitisation/mail", "first of two in file order")
        XCTAssertEqual(judge("10.30.5.11", "10.20.5.10", 6, 25).by, "sanitisation/mail-any")
        XCTAssertEqual(judge("10.30.1.1", "203.0.113.10").by, "gateway/cloud-a", "first of two in file order")
        XCTAssertEqual(judge("203.0.113.11", "10.30.1.1", 6, 22).by, "gateway/cloud-b", "inbound")
        XCTAssertEqual(judge("10.20.9.9", "10.99.0.9", 17, 53).by, "exception/vendor", "unzoned-host")
        XCTAssertEqual(judge("10.20.9.9", "8.8.8.8", 17, 53).by, "exception/vendor", "lgwan-external")
        XCTAssertEqual(judge("10.30.1.1", "198.51.100.7").by, "exception/current", "past the expired one")
    }

    func testNoDeclarationNeeded() {
        XCTAssertEqual(judge("10.20.1.1", "172.20.1.1").rule, "allowed")
        XCTAssertEqual(judge("10.20.1.1", "172.20.1.1").by, "-", "same kind")
        XCTAssertEqual(judge("10.30.1.1", "224.0.0.251", 17, 5353).by, "-", "local")
        XCTAssertEqual(judge("8.8.8.8", "8.8.4.4").by, "-", "transit")
    }

    func testMACMismatchNamesTheConduit() {
        // c-mac matches on addresses and port with another MAC, but c-wide allows: allowed by c-wide.
        XCTAssertEqual(judge("10.10.1.5", "172.20.9.9", fromMAC: "02:00:00:00:01:99").rule, "allowed")
        XCTAssertEqual(judge("10.10.1.5", "172.20.9.9", fromMAC: "02:00:00:00:01:99").by, "conduit/c-wide")
        let spoofed = judge("10.10.2.5", "172.20.9.9", 17, 53, fromMAC: "02:00:00:00:02:99")
        XCTAssertEqual(spoofed.rule, "conduit-mac-mismatch")
        XCTAssertEqual(spoofed.by, "conduit/c-mac-only")
        XCTAssertEqual(
            policy.verdict(
                FlowEnds(
                    initiator: IPAddress("10.10.2.5")!, responder: IPAddress("172.20.9.9")!,
                    initiatorZone: ZoneRef(zone: 0), responderZone: ZoneRef(zone: 2), proto: 17, port: 53,
                    initiatorMAC: MACAddress("02:00:00:00:02:99")), at: now)?.conduit, 2)
    }

    func testExpiredExceptionsThatStillMatch() {
        let stale = judge("10.30.1.1", "198.51.100.8")
        XCTAssertEqual(stale.rule, "security-cloud-bypass")
        XCTAssertEqual(stale.by, "-")
        XCTAssertEqual(stale.expired, "exception/stale")
        let lapsed = judge("10.30.1.1", "198.51.100.7", at: Self.expiry)
        XCTAssertEqual(lapsed.rule, "security-cloud-bypass")
        XCTAssertEqual(lapsed.expired, "exception/stale", "the first expired one in file order")
        XCTAssertEqual(judge("10.30.1.1", "198.51.100.8", 6, 80).expired, "-", "other port")
        XCTAssertEqual(judge("10.30.1.1", "198.51.100.7").expired, "-", "allowed flows name none")
    }
}
