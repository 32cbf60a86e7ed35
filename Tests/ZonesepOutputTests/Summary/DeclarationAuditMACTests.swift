import XCTest
import ZonesepCore

@testable import ZonesepOutput

/// The audit asks the policy whether a flow's conduit MAC went unverified only for flows of a conduit that
/// names a MAC, or judged before a reload (whose entry carries the answer): its count must be the policy's
/// answer for every flow all the same, whichever conduit allowed it, whichever MACs it showed.
final class DeclarationAuditMACTests: XCTestCase {
    static let policy: Policy = {
        let server = [IPPrefix("10.20.0.0/16")!]
        func conduit(_ name: String, from: MACAddress? = nil, to: MACAddress? = nil) -> Conduit {
            Conduit(
                name: name, from: [IPPrefix("10.10.0.0/16")!], fromMAC: from, to: server, toMAC: to,
                ports: [.tcp(443...443)])
        }
        let mac = MACAddress(rawValue: 0x0200_0000_0105)
        return Policy(
            PolicyConfig(
                sensor: "audit",
                zones: [
                    Zone(id: "a", kind: .lgwan, label: "a", networks: [IPPrefix("10.10.0.0/16")!]),
                    Zone(id: "b", kind: .lgwan, label: "b", networks: server),
                ],
                conduits: [conduit("plain"), conduit("from-mac", from: mac), conduit("to-mac", to: mac)]))
    }()

    /// An allowed flow of declaration `d`, its initiator's and responder's MACs seen or not, judged before a
    /// reload (with its late check pending) or not.
    static func flow(_ d: Int, serial: UInt64, initiatorMAC: Bool, responderMAC: Bool, reload: Bool?) -> FlowEntry {
        var e = FlowEntry(
            key: FlowKey(
                addressA: IPAddress(rawValue: 0x0a0a_0001), addressB: IPAddress(rawValue: 0x0a14_0001),
                portA: UInt16(40_000 + serial), portB: 443, proto: 6, vlans: 0))
        e.serial = serial
        e.declaration = Int16(d)
        e.initiatorIsA = true
        e.firstSeen = Int64(serial) * 1_000
        e.lastSeen = e.firstSeen + 5
        e.packetsAB = 1
        if initiatorMAC { e.setMAC(MACAddress(rawValue: 0x0200_0000_0001), ofA: true) }
        if responderMAC { e.setMAC(MACAddress(rawValue: 0x0200_0000_0002), ofA: false) }
        if let late = reload {
            e.judgedBeforeReload = true
            e.lateMACCheck = late
        }
        return e
    }

    func testMACNotVerifiedIsThePolicysAnswerForEveryFlow() {
        let policy = Self.policy
        XCTAssertEqual(policy.declarations.map(\.name), ["plain", "from-mac", "to-mac"])
        var flows: [FlowEntry] = []
        for d in 0..<3 {
            for seen in 0..<4 {
                for reload in [nil, false, true] as [Bool?] {
                    flows.append(
                        Self.flow(
                            d, serial: UInt64(flows.count + 1), initiatorMAC: seen & 1 != 0,
                            responderMAC: seen & 2 != 0, reload: reload))
                }
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
        let expected = (0..<3).map { d in
            UInt64(flows.filter { Int($0.declaration) == d && policy.conduitMACUnverified($0) }.count)
        }
        let uses = audit.declarations(for: policy)
        XCTAssertEqual(uses.map(\.macNotVerified), expected)
        // Each kind of flow is in the count: those of a conduit naming a MAC that did not show it, and a
        // flow judged before a reload with its check pending, whichever conduit.
        XCTAssertEqual(expected, [4, 2 + 4, 2 + 4])
        XCTAssertEqual(uses.map(\.flows), [12, 12, 12])
    }
}
