import Foundation
import XCTest
import ZonesepCore
import ZonesepSavedRun

@testable import ZonesepOutput

/// `UntaggedVLANFlows`: the matrix's untagged flows, kept where an end lies in a zone that declares `vlans`
/// (a flow that joins two such zones once in the total, once for each zone), and the summary's fields that
/// carry them to `zonesep report`.
final class UntaggedVLANFlowsTests: XCTestCase {
    static func p(_ s: String) -> [IPPrefix] { [IPPrefix(s)!] }

    /// mynumber (110) and internet (130) declare VLANs, lgwan-wan does not.
    let policy = Policy(
        PolicyConfig(
            sensor: "test",
            zones: [
                Zone(id: "mynumber", kind: .mynumber, networks: p("10.10.0.0/16"), vlans: [110]),
                Zone(id: "lgwan-wan", kind: .lgwan, networks: p("172.20.0.0/14")),
                Zone(id: "internet", kind: .internet, networks: p("10.30.0.0/16"), vlans: [130]),
            ]))

    func matrix(_ cells: [(ZoneRef, ZoneRef, UInt64)]) -> ZoneMatrix {
        var m = ZoneMatrix(zoneCount: 3)
        for (a, b, n) in cells {
            m.flows[m.index(a) * m.side + m.index(b)] += n + 1
            m.untaggedFlows[m.index(a) * m.side + m.index(b)] += n
        }
        return m
    }

    func testOnlyFlowsOfZonesThatDeclareVLANsCountAndEachOnceInTheTotal() {
        let (mynumber, wan, internet) = (ZoneRef(zone: 0), ZoneRef(zone: 1), ZoneRef(zone: 2))
        let m = matrix([
            (mynumber, mynumber, 2), (mynumber, internet, 3), (internet, .external, 5), (wan, wan, 7),
            (wan, .external, 11), (.unzoned, internet, 13),
        ])
        let u = UntaggedVLANFlows(policy: policy, matrix: m)
        XCTAssertEqual(u.total, 2 + 3 + 5 + 13, "not lgwan-wan's, which declares no VLANs")
        XCTAssertEqual(u.zones, [.init(zone: mynumber, flows: 5), .init(zone: internet, flows: 21)])
        XCTAssertEqual(
            u.warning(policy.zoneMap, flows: 100),
            "23 of 100 flows had an end in a zone that declares VLANs and were untagged or VLAN 0 (mynumber: 5, "
                + "internet: 21): zone-vlan-mismatch could not judge their hosts")
        XCTAssertNil(
            UntaggedVLANFlows(policy: policy, matrix: matrix([(wan, wan, 7)])).warning(policy.zoneMap, flows: 7))
    }

    /// The summary's `coverage` holds them, its text says them, and a saved run's record reads them back.
    func testTheSummaryWritesThemAndASavedRunReadsThemBack() throws {
        var s = ReplaySummary(
            policy: policy, counters: Counters(),
            matrix: matrix([(ZoneRef(zone: 0), ZoneRef(zone: 2), 3), (ZoneRef(zone: 2), .external, 4)]), files: [],
            flowsActive: 0, flowsEvicted: 0, flowCapacity: 16)
        s.counters.flows = 9
        let json = s.json()
        XCTAssertTrue(
            json.contains(
                "\"flows_tagged\":0,\"flows_untagged_vlan_zones\":7,\"flows_untagged_by_zone\":{\"mynumber\":3,"
                    + "\"internet\":7},"), json)
        XCTAssertTrue(
            s.text().contains(
                "7 of 9 flows had an end in a zone that declares VLANs and were untagged or VLAN 0 (mynumber: 3, "
                    + "internet: 7)"))
        guard case .summary(let read) = try JSONDecoder().decode(SavedRecord.self, from: Data(json.utf8)) else {
            return XCTFail("not read as a summary")
        }
        XCTAssertEqual(read.coverage?.flowsUntaggedVLANZones, 7)
        XCTAssertEqual(read.coverage?.flowsUntaggedByZone, ["mynumber": 3, "internet": 7])
    }
}
