import XCTest

@testable import ZonesepCore

/// A reload's declarations by kind and name: an index of the old policy becomes the index of the
/// declaration of the same kind and name in the new one, or -1 when the reload removed it; a name shared by
/// two kinds is two declarations. A flow carried across the reload (`FlowEntry.carry`) keeps its verdict and
/// its conduit's MAC check as judged.
final class DeclarationRenumberingTests: XCTestCase {
    static func p(_ s: String) -> [IPPrefix] { [IPPrefix(s)!] }
    static let zones = [Zone(id: "lgwan", kind: .lgwan, networks: p("10.20.0.0/16"))]

    static func policy(conduits: [String], gateways: [String]) -> Policy {
        Policy(
            PolicyConfig(
                zones: zones, gateways: gateways.map { Gateway(name: $0, addresses: p("203.0.113.10")) },
                conduits: conduits.map { Conduit(name: $0, from: p("10.10.1.5"), to: p("172.20.9.9"), ports: []) }))
    }

    /// A flow from the conduit's `from` (A, the initiator) to its `to`, allowed by declaration 0.
    static func entry() -> FlowEntry {
        var e = FlowEntry(
            key: FlowKey(
                addressA: IPAddress("10.10.1.5")!, addressB: IPAddress("172.20.9.9")!, portA: 46000, portB: 443,
                proto: 6, vlans: 0))
        e.declaration = 0
        return e
    }

    func testIndicesFollowKindAndName() {
        let old = Self.policy(conduits: ["a", "b", "x"], gateways: ["x", "g"])
        let new = Self.policy(conduits: ["c", "x", "a"], gateways: ["g", "x"])
        let r = DeclarationRenumbering(from: old, to: new)
        XCTAssertEqual((0..<5).map { r(Int16($0)) }, [2, -1, 1, 4, 3], "a, b removed, conduit x, gateway x, g")
        XCTAssertEqual(r(-1), -1, "no declaration stays none")
        XCTAssertEqual(r(5), -1, "an index past the old policy's names none")
    }

    func testTheSameDeclarationsKeepTheirIndices() {
        let old = Self.policy(conduits: ["a", "b"], gateways: ["g"])
        let r = DeclarationRenumbering(from: old, to: Self.policy(conduits: ["a", "b"], gateways: ["g"]))
        XCTAssertEqual((-1..<3).map { r(Int16($0)) }, [-1, 0, 1, 2])
    }

    static let mynumber = [
        Zone(id: "mynumber", kind: .mynumber, networks: p("10.10.0.0/16")),
        Zone(id: "lgwan-wan", kind: .lgwan, networks: p("172.20.0.0/14")),
    ]

    /// A policy whose conduits are `names` in order, each from 10.10.1.5 to 172.20.9.9 on `port`, naming
    /// the `from` MAC `mac` ('c') or none (any other).
    static func conduits(_ names: [String], mac: String?, port: UInt16 = 443) -> Policy {
        Policy(
            PolicyConfig(
                zones: mynumber,
                conduits: names.map { n in
                    Conduit(
                        name: n, from: p(n == "c" ? "10.10.1.5" : "10.10.1.7"),
                        fromMAC: n == "c" ? mac.flatMap(MACAddress.init) : nil, to: p("172.20.9.9"),
                        ports: [.tcp(port...port)])
                }))
    }

    /// The conduit's flow, judged by `policy` with no MAC seen (as its first packet or record showed it).
    static func judged(by policy: Policy) -> FlowEntry {
        var e = entry()
        e.zoneA = ZoneRef(zone: 0)
        e.zoneB = ZoneRef(zone: 1)
        e.declaration = Int16(policy.judge(FlowEnds(of: e), at: 0).declaration)
        return e
    }

    /// A pending MAC check goes on under the new policy where it allows the flow by the same conduit with
    /// the MAC still unseen; otherwise the flow keeps the old policy's answer, and is not checked again.
    func testAPendingMACCheckGoesOnOnlyWhereTheNewPolicyAgrees() {
        let old = Self.conduits(["c"], mac: "02:00:0a:0a:01:05")
        var e = Self.judged(by: old)
        XCTAssertEqual(e.declaration, 0)
        XCTAssertTrue(old.conduitMACUnverified(e))

        let reordered = Self.conduits(["n1", "c"], mac: "02:00:0a:0a:01:05")
        var kept = e
        kept.carry(across: DeclarationRenumbering(from: old, to: reordered), from: old, to: reordered)
        XCTAssertEqual(kept.declaration, 1)
        XCTAssertFalse(kept.judgedBeforeReload, "judged alike by the new policy: its check goes on")
        XCTAssertTrue(kept.lateMACCheck)
        XCTAssertTrue(reordered.conduitMACUnverified(kept))

        // The conduit now on another port: the new policy would not allow the flow by it.
        let moved = Self.conduits(["n1", "c"], mac: "02:00:0a:0a:01:05", port: 8443)
        var frozen = e
        frozen.carry(across: DeclarationRenumbering(from: old, to: moved), from: old, to: moved)
        XCTAssertEqual(frozen.declaration, 1, "still named by the conduit that allowed it")
        XCTAssertTrue(frozen.judgedBeforeReload)
        XCTAssertTrue(moved.conduitMACUnverified(frozen))

        // The conduit no longer names a MAC: nothing left to check under the new policy, but the old one
        // did not verify it.
        let unbound = Self.conduits(["c"], mac: nil)
        e.carry(across: DeclarationRenumbering(from: old, to: unbound), from: old, to: unbound)
        XCTAssertTrue(e.judgedBeforeReload)
        XCTAssertTrue(unbound.conduitMACUnverified(e), "the conduit that allowed it named a MAC not seen")
        e.carry(across: DeclarationRenumbering(from: unbound, to: old), from: unbound, to: old)
        XCTAssertTrue(old.conduitMACUnverified(e), "a second reload keeps the first answer")

        // Allowed by the conduit when it named no MAC: verified as judged, whatever the new one names.
        var unnamed = Self.judged(by: unbound)
        XCTAssertFalse(unbound.conduitMACUnverified(unnamed))
        unnamed.carry(across: DeclarationRenumbering(from: unbound, to: old), from: unbound, to: old)
        XCTAssertTrue(unnamed.judgedBeforeReload)
        XCTAssertFalse(old.conduitMACUnverified(unnamed))
    }

    /// A violating flow keeps its verdict, and a late one stays late.
    func testAViolatingFlowKeepsItsVerdict() {
        let old = Self.conduits(["c"], mac: "02:00:0a:0a:01:05")
        let new = Self.conduits(["n1", "c"], mac: nil)
        var violating = Self.judged(by: old)
        violating.rule = RuleID.conduitMACMismatch.rawValue
        violating.lateMACCheck = true
        violating.carry(across: DeclarationRenumbering(from: old, to: new), from: old, to: new)
        XCTAssertEqual(violating.verdict, .conduitMACMismatch)
        XCTAssertEqual(violating.declaration, 1, "the conduit it concerns")
        XCTAssertTrue(violating.verdictIsLate)
        XCTAssertFalse(new.conduitMACUnverified(violating))
    }
}
