import Foundation
import XCTest
import ZonesepCore
import ZonesepSavedRun

@testable import ZonesepOutput

/// The summary's `tunnels_breaking_policy`: written and read back as one schema, shown the same by the report
/// of the run and of its saved records, and merged across `watch`'s workers.
final class PolicyBreakingTunnelTests: XCTestCase {
    let policy = ReportFixture.policy()

    static func tunnel(_ src: String, _ flows: UInt64, at micros: Int64, type: String = "vxlan") -> PolicyBreakingTunnel
    {
        PolicyBreakingTunnel(
            type: type, src: IPAddress(src)!, dest: IPAddress("8.8.8.8")!, srcZone: "my", destZone: "external",
            rule: .mynumberIsolation, flows: flows, firstSeenMicros: micros)
    }

    func testReadBackTheyLimitTheReportAsTheRunsOwn() throws {
        var s = ReportFixture.summary(policy: policy)
        let clean = AuditReport(summary: s, provenance: ReportFixture.provenance)
        s.tunnelsBreakingPolicy = [
            Self.tunnel("10.10.3.3", 2, at: 1_780_272_000_000_000),
            Self.tunnel("10.10.3.4", 1, at: 1_780_272_001_000_000, type: "ipip"),
        ]
        s.tunnelsBreakingPolicyNotListed = 3
        guard case .summary(let r) = try JSONDecoder().decode(SavedRecord.self, from: Data(s.json().utf8)) else {
            return XCTFail("not read as a summary")
        }
        XCTAssertEqual(r.tunnelsBreakingPolicy?.count, 2)
        XCTAssertEqual(r.tunnelsBreakingPolicy?.first?.firstSeen, "2026-06-01T00:00:00.000000Z")
        XCTAssertEqual(r.tunnelsBreakingPolicyNotListed, 3)
        let format = AlertFormat(policy: policy)
        let lines = s.violations.map { format.json($0.alert) } + [s.json()]
        let read = try SavedRun.parse(
            Data((lines.joined(separator: "\n") + "\n").utf8), name: "run.jsonl", policy: policy,
            provenance: ReportFixture.provenance)
        let live = AuditReport(summary: s, provenance: ReportFixture.provenance)
        XCTAssertEqual(read.tunnelsBreakingPolicy, s.tunnelsBreakingPolicy)
        XCTAssertEqual(read.tunnelsBreakingPolicyNotListed, 3)
        XCTAssertEqual(live.tunnelsBreakingPolicyCount, 5)
        for f in [ReportFormat.html, .md, .csv] { XCTAssertEqual(f.render(read), f.render(live), "\(f)") }
        XCTAssertTrue(live.isLimited)
        // Each raised an alert: they are findings of the verdict, counted by the severity of the rule their ends
        // break where listed (both listed break mynumber-isolation), where the clean run has none.
        XCTAssertEqual(live.findingsTotal, clean.findingsTotal + 5)
        XCTAssertEqual(live.count(.critical), clean.count(.critical) + 2)
        XCTAssertEqual(live.tunnelsSeverity, .critical)
        XCTAssertNil(clean.tunnelsSeverity)
        XCTAssertTrue(ReportFormat.html.render(live).contains("data-tunnels=\"5\""))
        XCTAssertTrue(ReportFormat.html.render(clean).contains("data-tunnels=\"0\""))
        XCTAssertTrue(ReportFormat.md.render(live).contains("tunnels breaking the policy, not listed | 3 |"))
        XCTAssertFalse(ReportFormat.md.render(clean).contains("tunnel breaking the policy"))
        XCTAssertTrue(s.text().contains("5 tunnels whose own ends break the policy"))
        XCTAssertFalse(s.json().contains("\"tunnels_breaking_policy\":[]"))
        XCTAssertTrue(ReportFixture.summary(policy: policy).json().contains("\"tunnels_breaking_policy\":[],"))
    }

    func testWorkersPartsMergeIntoOneListInTheOrderFirstSeen() {
        let a = [Self.tunnel("10.10.0.1", 2, at: 20), Self.tunnel("10.10.0.2", 1, at: 30)]
        let b = [Self.tunnel("10.10.0.1", 5, at: 10), Self.tunnel("10.10.0.3", 1, at: 15)]
        let merged = PolicyBreakingTunnel.merge([(a, 1), (b, 2)])
        XCTAssertEqual(
            merged.listed.map { "\($0.src) \($0.flows) \($0.firstSeenMicros)" },
            [
                "10.10.0.1 7 10", "10.10.0.3 1 15", "10.10.0.2 1 30",
            ])
        XCTAssertEqual(merged.notListed, 3)
        // Past the list's limit, the latest are counted.
        let many = (0..<150).map { Self.tunnel("10.10.1.\($0)", 1, at: Int64($0)) }
        let capped = PolicyBreakingTunnel.merge([(Array(many.prefix(90)), 0), (Array(many.suffix(60)), 0)])
        XCTAssertEqual(capped.listed.count, 100)
        XCTAssertEqual(capped.listed.last?.src, IPAddress("10.10.1.99"))
        XCTAssertEqual(capped.notListed, 50)
    }
}
