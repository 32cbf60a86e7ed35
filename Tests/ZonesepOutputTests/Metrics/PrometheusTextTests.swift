import XCTest

@testable import ZonesepOutput

final class PrometheusTextTests: XCTestCase {
    /// What the daemon publishes, in miniature: labelled counters, a gauge, a timestamp, awkward label values.
    static let sample: [MetricFamily] = {
        var packets = MetricFamily("zonesep_packets_total", .counter, help: "Packets captured and judged.")
        packets.add([.init("worker", "0")], .count(1027))
        packets.add([.init("worker", "1")], .count(UInt64.max))
        var alerts = MetricFamily("zonesep_alerts_total", .counter, help: "Alerts by rule and severity.")
        alerts.add([.init("rule", "mynumber-isolation"), .init("severity", "critical")], .count(3))
        var up = MetricFamily("zonesep_capture_up", .gauge, help: "1 while the capture\nis open.")
        up.add([.init("interface", "eth\"1\\\n")], .count(1))
        return [
            packets, alerts, up,
            MetricFamily(
                "zonesep_last_packet_timestamp_seconds", .gauge, help: "Packet time.", value: .number(1_796_503_707.25)),
            MetricFamily("zonesep_flows_active", .gauge, help: "Unused: no samples."),
        ]
    }()

    func testRendersTheExpositionFormat() {
        XCTAssertEqual(
            PrometheusText.render(Self.sample),
            """
            # HELP zonesep_packets_total Packets captured and judged.
            # TYPE zonesep_packets_total counter
            zonesep_packets_total{worker="0"} 1027
            zonesep_packets_total{worker="1"} 18446744073709551615
            # HELP zonesep_alerts_total Alerts by rule and severity.
            # TYPE zonesep_alerts_total counter
            zonesep_alerts_total{rule="mynumber-isolation",severity="critical"} 3
            # HELP zonesep_capture_up 1 while the capture\\nis open.
            # TYPE zonesep_capture_up gauge
            zonesep_capture_up{interface="eth\\"1\\\\\\n"} 1
            # HELP zonesep_last_packet_timestamp_seconds Packet time.
            # TYPE zonesep_last_packet_timestamp_seconds gauge
            zonesep_last_packet_timestamp_seconds 1796503707.25

            """)
    }

    func testNumbers() {
        XCTAssertEqual(PrometheusText.format(.number(1_796_503_707)), "1796503707")
        XCTAssertEqual(PrometheusText.format(.number(0.5)), "0.5")
        XCTAssertEqual(PrometheusText.format(.number(-2)), "-2")
        XCTAssertEqual(PrometheusText.format(.number(.nan)), "NaN")
        XCTAssertEqual(PrometheusText.format(.number(.infinity)), "+Inf")
        XCTAssertEqual(PrometheusText.format(.number(-.infinity)), "-Inf")
        XCTAssertEqual(PrometheusText.format(.number(1e300)), "1e+300")
        XCTAssertEqual(PrometheusText.format(.count(0)), "0")
    }

    /// Prometheus's own checker (promtool, Debian's `prometheus`) reads what zonesep writes without an error
    /// or a lint complaint, escaped labels included; and it is a real check: a broken text is refused.
    func testPromtoolAcceptsIt() throws {
        let promtool = try ExternalTool.find("promtool", package: "prometheus")
        let good = try ExternalTool.run(promtool, ["check", "metrics"], input: PrometheusText.render(Self.sample))
        XCTAssertEqual(good.status, 0, good.stdout + good.stderr)
        XCTAssertEqual(good.stdout + good.stderr, "", "no lint complaint")

        let unescaped = "# HELP a_total x\n# TYPE a_total counter\na_total{b=\"x\ny\"} 1\n"
        XCTAssertNotEqual(try ExternalTool.run(promtool, ["check", "metrics"], input: unescaped).status, 0)
    }
}
