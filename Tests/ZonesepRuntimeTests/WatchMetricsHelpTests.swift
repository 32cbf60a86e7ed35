import XCTest
import ZonesepOutput

@testable import ZonesepRuntime

/// What the HELP lines of the packet and byte counters promise: every frame captured, judged or not (ARP,
/// a cut header), as the stats record's `packets`; not the packets judged, which the summary's coverage counts.
final class WatchMetricsHelpTests: XCTestCase {
    func testThePacketAndByteCountersSayFramesJudgedOrNot() {
        var a = WorkerSnapshot()
        a.packets = 15
        let text = PrometheusText.render(
            WatchMetrics.families(
                interface: "span0", sensor: "s", version: "test", workers: [a], link: .up,
                reloads: .init(startedWallMicros: 0), sinks: []))
        XCTAssertTrue(
            text.contains(
                "# HELP zonesep_packets_total Frames captured, judged or not (the summary's coverage says how many were judged).\n"
            ), text)
        XCTAssertTrue(
            text.contains("# HELP zonesep_bytes_total Bytes of the frames captured, judged or not (wire length).\n"),
            text)
        XCTAssertTrue(text.contains("zonesep_packets_total{worker=\"0\"} 15\n"), text)
    }
}
