import XCTest

@testable import ZonesepCore

final class HostFindingTests: XCTestCase {
    func testRuleNamesAreDesignIDs() {
        XCTAssertEqual(HostRuleID.allCases.map(\.name), ["dual-homed-host", "zone-vlan-mismatch"])
    }

    /// The finding's index fits the hole before the flow entry: the flat event buffer does not grow.
    func testEventKeepsItsSize() {
        XCTAssertEqual(MemoryLayout<EngineEvent>.stride, MemoryLayout<FlowEntry>.stride + 16)
        XCTAssertLessThanOrEqual(
            MemoryLayout<EngineEvent>.offset(of: \EngineEvent.hostFinding)! + 2,
            MemoryLayout<EngineEvent>.offset(of: \EngineEvent.flow)!)
    }

    func testVLANListsAsAnAlertsVLAN() {
        let ip = IPAddress("10.20.0.5")!
        XCTAssertEqual(HostAddress(ip: ip, zone: .external).vlans, [])
        XCTAssertNil(HostAddress(ip: ip, zone: .external).innermostVLAN)
        XCTAssertEqual(HostAddress(ip: ip, zone: .external, vlanCount: 1, vlanOuter: 20).vlans, [20])
        let qinq = HostAddress(ip: ip, zone: .external, vlanCount: 2, vlanOuter: 100, vlanInner: 20)
        XCTAssertEqual(qinq.vlans, [100, 20])
        XCTAssertEqual(qinq.innermostVLAN, 20)
    }

    func testBatchResolvesOnlyHostFindingEvents() {
        let a = HostAddress(ip: IPAddress("10.20.0.5")!, zone: ZoneRef(zone: 0))
        let f = HostFinding(
            rule: .dualHomedHost, severity: .high, timestampMicros: 7, mac: MACAddress(rawValue: 0x0200_0000_0001),
            address: a, addresses: [a])
        let events = [
            EngineEvent(hostFinding: 0, frame: 3), EngineEvent(hostFinding: 1),
            EngineEvent(
                kind: .flowStarted,
                flow: FlowEntry(
                    key: FlowKey(addressA: a.ip, addressB: a.ip, portA: 0, portB: 0, proto: 6, vlans: 0))),
        ]
        let policy = Policy(PolicyConfig(zones: []))
        events.withUnsafeBufferPointer { ev in
            let batch = EventBatch(
                events: ev, frames: UnsafeBufferPointer(start: nil, count: 0), linkType: .ethernet, policy: policy,
                hostFindings: [f])
            XCTAssertEqual(batch.hostFinding(of: ev[0]), f)
            XCTAssertEqual(ev[0].frame, 3)
            XCTAssertFalse(ev[0].concernsViolation)
            XCTAssertNil(batch.hostFinding(of: ev[1]))  // index past the findings
            XCTAssertNil(batch.hostFinding(of: ev[2]))  // a flow event
        }
    }
}
