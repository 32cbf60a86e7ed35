import Foundation
import XCTest

/// The Prometheus alerting rules docs/metrics.md gives operators, as Prometheus's own promtool reads and
/// evaluates them: a rule file that does not load, or a rule that never fires on what zonesep publishes,
/// would leave a blind sensor unnoticed.
final class DocumentedAlertRulesTests: ScratchDirectoryTestCase {
    /// The `groups:` block of docs/metrics.md.
    private func documentedRules() throws -> String {
        let text = try String(contentsOf: root.appendingPathComponent("docs/metrics.md"), encoding: .utf8)
        guard let start = text.range(of: "```yaml\ngroups:\n"),
            let end = text.range(of: "\n```", range: start.upperBound..<text.endIndex)
        else { throw HarnessError("docs/metrics.md has no ```yaml block of groups") }
        return "groups:\n" + text[start.upperBound..<end.lowerBound] + "\n"
    }

    /// Runs `promtool test rules` on the documented rules with `tests`, the test file's `tests:` list (each
    /// line indented as under it), and asserts that every case passes.
    private func evaluate(_ name: String, _ tests: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let tool = try promtool()
        let rules = scratch.appendingPathComponent("zonesep.rules.yml")
        try documentedRules().write(to: rules, atomically: true, encoding: .utf8)
        let test = scratch.appendingPathComponent(name)
        try "rule_files: [\(rules.path)]\nevaluation_interval: 1m\ntests:\n\(tests)"
            .write(to: test, atomically: true, encoding: .utf8)
        let outcome = try Harness.run(tool, ["test", "rules", test.path], timeout: 30)
        XCTAssertEqual(outcome.status, 0, outcome.brief, file: file, line: line)
    }

    private func promtool() throws -> URL {
        guard let tool = Tools.find("promtool") else {
            throw XCTSkip("promtool is not installed (apt-get install prometheus; scripts/test installs it)")
        }
        return tool
    }

    /// A mirror link that goes down (admin down, or no carrier) under an open capture, as zonesep publishes
    /// it (WatchOperationsTests.testLinkDownAndUpAreSaid scrapes the same): capture_up stays 1, link_up is 0.
    /// `ZonesepLinkDown` fires after its two minutes; `ZonesepCaptureDown` does not, the capture being open.
    func testTheDocumentedRulesLoadAndALinkDownFiresZonesepLinkDown() throws {
        let tool = try promtool()
        let rules = scratch.appendingPathComponent("zonesep.rules.yml")
        try documentedRules().write(to: rules, atomically: true, encoding: .utf8)
        let check = try Harness.run(tool, ["check", "rules", rules.path], timeout: 30)
        XCTAssertEqual(check.status, 0, check.brief)

        try evaluate(
            "zonesep.test.yml",
            """
              - interval: 1m
                input_series:
                  - series: 'zonesep_capture_up{worker="0"}'
                    values: '1x10'
                  - series: 'zonesep_link_up'
                    values: '1 1 0x8'
                  - series: 'zonesep_link_state{state="down"}'
                    values: '0 0 1x8'
                alert_rule_test:
                  - eval_time: 3m
                    alertname: ZonesepLinkDown
                    exp_alerts: []
                  - eval_time: 5m
                    alertname: ZonesepLinkDown
                    exp_alerts:
                      - exp_labels: {}
                        exp_annotations:
                          summary: "zonesep's mirror port on  is down or has no carrier: the sensor sees nothing"
                  - eval_time: 5m
                    alertname: ZonesepCaptureDown
                    exp_alerts: []

            """)
    }

    /// A mynumber host's tunnel to the Internet counts in `zonesep_tunnel_alerts_total`, not in
    /// `zonesep_alerts_total` (REVIEW-148 F5: the documented rule never fired for one): `ZonesepCriticalTunnel`
    /// fires on it, `ZonesepCriticalViolation` does not.
    func testACriticalTunnelFiresZonesepCriticalTunnel() throws {
        try evaluate(
            "zonesep.tunnel.test.yml",
            """
              - interval: 1m
                input_series:
                  - series: 'zonesep_tunnel_alerts_total{rule="mynumber-isolation",severity="critical"}'
                    values: '0 0 1 1 1'
                  - series: 'zonesep_alerts_total{rule="mynumber-isolation",severity="critical"}'
                    values: '0x4'
                alert_rule_test:
                  - eval_time: 3m
                    alertname: ZonesepCriticalTunnel
                    exp_alerts:
                      - exp_labels: {rule: mynumber-isolation, severity: critical}
                        exp_annotations:
                          summary: "a tunnel whose own ends break mynumber-isolation on "
                  - eval_time: 3m
                    alertname: ZonesepCriticalViolation
                    exp_alerts: []

            """)
    }
}
