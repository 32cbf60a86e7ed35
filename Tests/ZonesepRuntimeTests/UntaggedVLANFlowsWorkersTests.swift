import XCTest
import ZonesepCore
import ZonesepOutput

@testable import ZonesepRuntime

/// `watch --workers N`: each worker counts the untagged flows of its own matrix, and the merged summary
/// (`SummaryMerge`) says what one session over every frame says.
final class UntaggedVLANFlowsWorkersTests: XCTestCase {
    func testWorkersSummariesMergeToOneSessionsCount() throws {
        let dir = try HostRulesCaptureTests.captures()
        defer { try? FileManager.default.removeItem(at: dir) }
        let policy = try HostRulesCaptureTests.policy(dir)
        let frames = try HostRulesCaptureTests.frames(dir.appendingPathComponent("host-native-vlan.pcap"))
        let one = HostRulesCaptureTests.run(frames, policy: policy).sessions[0].finish(files: [])
        let lgwan = ZoneRef(zone: 1)
        let internet = ZoneRef(zone: 3)
        XCTAssertEqual(
            one.untaggedVLANFlows,
            UntaggedVLANFlows(total: 5, zones: [.init(zone: lgwan, flows: 3), .init(zone: internet, flows: 3)]))
        // Three workers, each a flow's frames together (as the kernel spreads them by host pair): each sees
        // part of the untagged flows.
        let sessions = HostRulesCaptureTests.run(
            frames, policy: policy, sessions: 3, spread: { $0 < 3 ? 0 : $0 < 7 ? 1 : 2 }
        ).sessions
        let parts = sessions.map { $0.finish(files: []) }
        XCTAssertTrue(parts.allSatisfy { $0.untaggedVLANFlows.total < 5 })
        let merged = try XCTUnwrap(SummaryMerge.merge(parts, files: []))
        XCTAssertEqual(merged.untaggedVLANFlows, one.untaggedVLANFlows)
    }
}
