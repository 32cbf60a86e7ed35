import XCTest

@testable import ZonesepCore

/// `Policy.exceptionReach`, which `zonesep check` trusts to say what an exception can allow, agrees with
/// `judge`: for every pair of address classes, with and without gateways, a flow is judged with and without
/// an exception naming every address and port.
final class ExceptionReachTests: XCTestCase {
    static func p(_ s: String...) -> [IPPrefix] { s.compactMap { IPPrefix($0) } }

    /// Two addresses of each class, the initiator's first: a flow between two distinct hosts of one class.
    static let hosts: [AddressClass: (String, String)] = [
        .mynumber: ("10.10.0.5", "10.10.0.6"), .lgwan: ("10.20.0.5", "10.20.0.6"),
        .internet: ("10.30.0.5", "10.30.0.6"), .external: ("8.8.8.8", "1.1.1.1"),
        .unzoned: ("10.99.0.5", "10.99.0.6"), .local: ("224.0.0.5", "224.0.0.6"),
    ]

    func policy(gateways: Bool, exception: Bool) -> Policy {
        Policy(
            PolicyConfig(
                zones: [
                    Zone(id: "m", kind: .mynumber, networks: Self.p("10.10.0.0/16")),
                    Zone(id: "l", kind: .lgwan, networks: Self.p("10.20.0.0/16")),
                    Zone(id: "i", kind: .internet, networks: Self.p("10.30.0.0/16")),
                ],
                gateways: gateways ? [Gateway(name: "g", addresses: Self.p("203.0.113.10"))] : [],
                exceptions: exception
                    ? [
                        PolicyException(
                            name: "all", from: Self.p("0.0.0.0/0"), to: Self.p("0.0.0.0/0"), ports: [.any],
                            approved: "x", expiresAtMicros: Int64.max, expiresText: "9999-12-31")
                    ] : []))
    }

    func judge(_ policy: Policy, _ a: AddressClass, _ b: AddressClass) -> Judgement {
        policy.judge(policy.ends(Self.hosts[a]!.0, Self.hosts[b]!.1), at: 1_795_219_200_000_000)
    }

    func testTheReachOfAnExceptionIsWhatJudgeDoesWithIt() {
        var waived: Set<String> = []
        for gateways in [false, true] {
            let without = policy(gateways: gateways, exception: false)
            let with = policy(gateways: gateways, exception: true)
            let exceptionIndex = with.declarations.count - 1
            for a in AddressClass.allCases {
                for b in AddressClass.allCases {
                    let what = "\(a.name) → \(b.name), gateways: \(gateways)"
                    let before = judge(without, a, b)
                    let after = judge(with, a, b)
                    switch Policy.exceptionReach(from: a, to: b, gatewaysDeclared: gateways) {
                    case .waives(let rule):
                        XCTAssertEqual(before.rule, rule, what)
                        XCTAssertEqual(after, Judgement(rule: nil, declaration: exceptionIndex), what)
                        waived.insert(rule.name)
                    case .conduitOnly:
                        XCTAssertEqual(before.rule, .mynumberIsolation, what)
                        XCTAssertEqual(after.rule, .mynumberIsolation, what)
                    case .nothingToWaive:
                        XCTAssertEqual(before, .allowed, what)
                        XCTAssertEqual(after, .allowed, what)
                    }
                }
            }
        }
        // The rules docs/rules.md says an exception waives, and no other.
        XCTAssertEqual(waived, ["sanitisation-bypass", "lgwan-external", "security-cloud-bypass", "unzoned-host"])
        // The two pairs the review found: within one zone, between two external addresses.
        XCTAssertEqual(Policy.exceptionReach(from: .internet, to: .internet, gatewaysDeclared: true), .nothingToWaive)
        XCTAssertEqual(Policy.exceptionReach(from: .external, to: .external, gatewaysDeclared: true), .nothingToWaive)
        XCTAssertEqual(
            Policy.exceptionReach(from: .internet, to: .external, gatewaysDeclared: true),
            .waives(.securityCloudBypass))
        XCTAssertEqual(Policy.exceptionReach(from: .internet, to: .external, gatewaysDeclared: false), .nothingToWaive)
    }
}
