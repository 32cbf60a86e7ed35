import XCTest
import ZonesepCore

@testable import ZonesepOutput

/// At the end of a run the audit hands back its counts as they are when the policy's names are distinct;
/// that must be what matching them to the declarations by kind and name gives, and names that repeat, or
/// that are one `String` in two spellings, must still be matched by name.
final class DeclarationAuditNamesTests: XCTestCase {
    static func policy(conduits: [String], gateways: [String] = []) -> Policy {
        let server = [IPPrefix("10.20.0.0/16")!]
        return Policy(
            PolicyConfig(
                sensor: "audit",
                zones: [
                    Zone(id: "a", kind: .lgwan, label: "a", networks: [IPPrefix("10.10.0.0/16")!]),
                    Zone(id: "b", kind: .lgwan, label: "b", networks: server),
                ],
                gateways: gateways.map { Gateway(name: $0, addresses: [IPPrefix("198.51.100.0/24")!]) },
                conduits: conduits.map {
                    Conduit(name: $0, from: [IPPrefix("10.10.0.0/16")!], to: server, ports: [.tcp(443...443)])
                }))
    }

    /// An audit of `policy` that has seen `d + 1` flows of declaration `d`, each of its own size and time.
    static func audit(_ policy: Policy) -> DeclarationAudit {
        var flows: [FlowEntry] = []
        for d in policy.declarations.indices {
            for n in 0...d {
                var e = FlowEntry(
                    key: FlowKey(
                        addressA: IPAddress(rawValue: 0x0a0a_0001), addressB: IPAddress(rawValue: 0x0a14_0001),
                        portA: UInt16(40_000 + flows.count), portB: 443, proto: 6, vlans: 0))
                e.serial = UInt64(flows.count + 1)
                e.declaration = Int16(d)
                e.initiatorIsA = true
                e.firstSeen = Int64(1_000 * (d + 1) + n)
                e.lastSeen = e.firstSeen + Int64(10 * d)
                e.packetsAB = UInt64(d + 2)
                flows.append(e)
            }
        }
        let audit = DeclarationAudit(policy: policy)
        let events = flows.map { EngineEvent(kind: .flowEnded, flow: $0, endReason: .idle) }
        events.withUnsafeBufferPointer {
            audit.consume(
                EventBatch(
                    events: $0, frames: UnsafeBufferPointer(start: nil, count: 0), linkType: .ethernet,
                    policy: policy))
        }
        return audit
    }

    func testCountsAsTheyAreAreTheCountsMatchedByName() {
        let cases: [(conduits: [String], gateways: [String], distinct: Bool?)] = [
            (["plain", "other", "third"], ["plain"], true),
            (["dup", "other", "dup"], [], false),
            (["caf\u{e9}", "cafe\u{301}", "other"], [], nil),
            ([], [], true),
        ]
        for c in cases {
            let policy = Self.policy(conduits: c.conduits, gateways: c.gateways)
            XCTAssertEqual(DeclarationAudit.namesAreDistinct(policy.declarations), c.distinct, "\(c.conduits)")
            let audit = Self.audit(policy)
            let uses = audit.declarations(for: policy)
            XCTAssertEqual(uses, audit.matchedByName(policy), "\(c.conduits)")
            XCTAssertEqual(uses.count, policy.declarations.count)
        }
        // A repeated name is matched by name: both declarations get the last one's counts.
        let repeated = Self.policy(conduits: ["dup", "other", "dup"])
        XCTAssertEqual(Self.audit(repeated).declarations(for: repeated).map(\.flows), [3, 2, 3])
        // Two spellings of one name are one `String`: the first gets the second's counts.
        let spelled = Self.policy(conduits: ["caf\u{e9}", "cafe\u{301}"])
        XCTAssertEqual(Self.audit(spelled).declarations(for: spelled).map(\.flows), [2, 2])
        // Distinct names keep their own counts.
        let plain = Self.policy(conduits: ["a", "b"], gateways: ["a"])
        XCTAssertEqual(Self.audit(plain).declarations(for: plain).map(\.flows), [1, 2, 3])
    }

    /// The counts of another policy are matched by name (as after a reload), not handed back as they are.
    func testAnotherPolicysCountsAreMatchedByName() {
        let old = Self.policy(conduits: ["a", "b", "c"])
        let new = Self.policy(conduits: ["c", "a"])
        let audit = Self.audit(old)
        XCTAssertEqual(audit.declarations(for: new).map(\.flows), [3, 1])
        XCTAssertEqual(audit.declarations(for: new), audit.matchedByName(new))
    }
}
