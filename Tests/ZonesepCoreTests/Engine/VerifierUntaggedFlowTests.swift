import XCTest

@testable import ZonesepCore

/// `ZoneMatrix.untaggedFlows`: the new flows whose packets carry no VLAN id `zone-vlan-mismatch` could
/// judge (untagged, or a priority tag's VLAN 0 as the innermost tag), by matrix cell, whichever way the
/// frame was read; a reload carries them over by zone id as it does the flows.
final class VerifierUntaggedFlowTests: VerifierTestCase {
    /// One SYN per VLAN stack, each a flow of its own from an LGWAN host to an LGWAN server: which of them
    /// counts as untagged.
    static let stacks: [(vlans: [UInt16], untagged: Bool)] = [
        ([], true), ([0], true), ([120], false), ([1000, 0], true), ([1000, 120], false), ([0, 120], false),
    ]

    func frames() -> [[UInt8]] {
        Self.stacks.enumerated().map { i, s in
            F.tcpFrame("10.20.3.4", 50000 + UInt16(i), "10.20.1.10", 443, flags: 0x02, vlans: s.vlans)
        }
    }

    func lgwanCell(_ m: ZoneMatrix) -> Int { m.index(ZoneRef(zone: 1)) * m.side + m.index(ZoneRef(zone: 1)) }

    func testUntaggedAndPriorityTaggedFlowsAreCountedInTheirCell() {
        for (i, f) in frames().enumerated() { feed(f, at: Double(i)) }
        // A second packet of an untagged flow is no new flow.
        feed(F.tcpFrame("10.20.1.10", 443, "10.20.3.4", 50000, flags: 0x12), at: 10)
        // An untagged flow to the Internet zone: its own cell.
        feed(F.tcpFrame("10.20.3.4", 50100, "10.30.6.5", 3389, flags: 0x02), at: 11)
        let m = verifier.matrix
        XCTAssertEqual(m.flows[lgwanCell(m)], UInt64(Self.stacks.count))
        XCTAssertEqual(m.untaggedFlows[lgwanCell(m)], UInt64(Self.stacks.count { $0.untagged }))
        XCTAssertEqual(m.untaggedFlows[m.index(ZoneRef(zone: 1)) * m.side + m.index(ZoneRef(zone: 2))], 1)
        XCTAssertEqual(m.untaggedFlows.reduce(0, +), 4)
        XCTAssertEqual(verifier.counters.flowsTagged, 5, "a priority tag is a tag, though it names no VLAN")
    }

    /// The batch's new-flow lane (a plain or single-tagged frame read by the first pass) counts as the
    /// general way does.
    func testABatchCountsAsFramesOneAtATime() {
        let batch = frames().enumerated().map { (seconds: Double($0.offset), frame: $0.element) }
        feedBatch(batch)
        let m = verifier.matrix
        XCTAssertEqual(m.untaggedFlows[lgwanCell(m)], UInt64(Self.stacks.count { $0.untagged }))
        XCTAssertEqual(m.flows[lgwanCell(m)], UInt64(Self.stacks.count))
    }

    func testAReloadCarriesTheUntaggedFlowsOverByZoneID() {
        feed(F.tcpFrame("10.20.3.4", 50000, "10.20.1.10", 443, flags: 0x02), at: 0)
        // lgwan moves from index 1 to index 0.
        verifier.replacePolicy(
            Policy(
                PolicyConfig(zones: [
                    Zone(id: "lgwan", kind: .lgwan, networks: Self.p("10.20.0.0/16")),
                    Zone(id: "internet", kind: .internet, networks: Self.p("10.30.0.0/16")),
                ])))
        feed(F.tcpFrame("10.20.3.4", 50001, "10.20.1.10", 443, flags: 0x02), at: 1)
        feed(F.tcpFrame("10.20.3.4", 50002, "10.20.1.10", 443, flags: 0x02, vlans: [120]), at: 2)
        let m = verifier.matrix
        let cell = m.index(ZoneRef(zone: 0)) * m.side + m.index(ZoneRef(zone: 0))
        XCTAssertEqual(m.flows[cell], 3)
        XCTAssertEqual(m.untaggedFlows[cell], 2, "the flow before the reload, and the one after")
        XCTAssertEqual(m.untaggedFlows.reduce(0, +), 2)
    }
}
