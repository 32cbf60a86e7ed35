import XCTest
import ZonesepCore

@testable import ZonesepOutput

/// The collector passes over a batch that carries no findings without reading its events; a batch that
/// carries some must still give each of its finding events' findings, in order, among any flow events,
/// up to the limit, and those past it counted.
final class HostFindingCollectorTests: XCTestCase {
    let policy = ReportFixture.policy()

    func finding(_ n: UInt64) -> HostFinding {
        let a = HostAddress(
            ip: IPAddress("10.30.8.\(n)")!, zone: ZoneRef(rawValue: 0), vlanCount: 1, vlanOuter: 120,
            evidence: .ipSource, firstSeenMicros: ReportFixture.t0 + Int64(n))
        // Every fifth a critical device in two tiers: the omitted ones are counted by rule and severity.
        return HostFinding(
            rule: n % 5 == 0 ? .dualHomedHost : .zoneVLANMismatch, severity: n % 5 == 0 ? .critical : .high,
            timestampMicros: a.firstSeenMicros,
            mac: MACAddress(rawValue: 0x0200_0000_0000 | n), address: a, addresses: [a])
    }

    func deliver(_ events: [EngineEvent], findings: [HostFinding], to sink: EventSink) {
        events.withUnsafeBufferPointer {
            sink.consume(
                EventBatch(
                    events: $0, frames: UnsafeBufferPointer(start: nil, count: 0), linkType: .ethernet,
                    policy: policy, hostFindings: findings))
        }
    }

    func testFindingsAmongFlowEventsAreCollectedAndBatchesWithoutAnyAddNothing() {
        let flow = EngineEvent(
            kind: .flowEnded,
            flow: FlowEntry(
                key: FlowKey(
                    addressA: IPAddress("10.10.0.1")!, addressB: IPAddress("10.20.0.1")!, portA: 1, portB: 2,
                    proto: 6, vlans: 0)))
        let collector = HostFindingCollector(limit: 3)
        // Flow events only; then a finding's event whose batch carries no findings (nothing to name).
        deliver([flow, flow], findings: [], to: collector)
        deliver([EngineEvent(hostFinding: 0)], findings: [], to: collector)
        XCTAssertEqual(collector.findings, [])
        // Findings among flow events, referred to out of their order in the batch's list.
        deliver(
            [flow, EngineEvent(hostFinding: 1), flow, EngineEvent(hostFinding: 0), flow],
            findings: [finding(1), finding(2)], to: collector)
        XCTAssertEqual(collector.findings, [finding(2), finding(1)])
        deliver([flow], findings: [], to: collector)
        deliver(
            [EngineEvent(hostFinding: 0), EngineEvent(hostFinding: 1), EngineEvent(hostFinding: 2)],
            findings: [finding(3), finding(4), finding(5)], to: collector)
        XCTAssertEqual(collector.findings, [finding(2), finding(1), finding(3)])
        XCTAssertEqual(collector.omitted, 2)
        XCTAssertEqual(
            collector.omittedBy.sorted.map { "\($0.group.rule.name) \($0.group.severity.rawValue) \($0.count)" },
            ["dual-homed-host critical 1", "zone-vlan-mismatch high 1"])
    }
}
