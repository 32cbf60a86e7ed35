import Foundation
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// A sampled export's verdict misses every flow none of whose packets was sampled. The sampling rate
/// scaled the counters but was reported nowhere, so a 1-in-100 export read as a complete one; now each
/// exporter's rate is in the summary, the stats record, the metrics and the text summary's warning.
extension CollectTests {
    /// A NetFlow v5 datagram whose header says 1 in `interval` packets (mode 1), with one LGWAN-internal
    /// TCP record of 2 packets.
    static func sampledV5(interval: UInt64, sequence: UInt64 = 0) -> [UInt8] {
        let uptime: UInt64 = 600_000
        let header = be([
            (5, 2), (1, 2), (uptime, 4), (farT0, 4), (0, 4), (sequence, 4), (0, 1), (0, 1),
            (1 << 14 | interval, 2),
        ])
        let record = be([
            (0x0a14_0101, 4), (0x0a14_0201, 4), (0, 4), (0, 2), (0, 2), (2, 4), (200, 4), (uptime - 5000, 4),
            (uptime - 4000, 4), (40000, 2), (443, 2), (0, 1), (0x1b, 1), (6, 1), (0, 1), (0, 2), (0, 2), (0, 1),
            (0, 1), (0, 2),
        ])
        return header + record
    }

    func testTheSamplingRateIsReportedPerExporter() throws {
        let curl = try XCTUnwrap(Tools.find("curl"), "curl is not installed")
        var scrape = ""
        let run = try collect(extra: ["--metrics", "127.0.0.1:0"]) { c in
            try Self.send([Self.sampledV5(interval: 100)], to: c.port)
            usleep(1_200_000)  // the metrics are refreshed once a second
            let line = c.stderr.split(separator: "\n").first { $0.contains("metrics at http://127.0.0.1:") } ?? ""
            let url = String(line[(line.range(of: "http://")?.lowerBound ?? line.endIndex)...])
            scrape = try Harness.run(curl, ["-sS", "--max-time", "5", url], timeout: 20).stdoutText
        }
        let exporter = try XCTUnwrap((run.summary["exporters"] as? [[String: Any]])?.first)
        XCTAssertEqual(JSONLines.int(exporter["sampling_rate"]), 100, "\(exporter)")
        XCTAssertEqual(JSONLines.int(exporter["sampled_records"]), 1, "\(exporter)")
        let stats = run.records.last { $0["event_type"] as? String == "stats" }
        let statsExporter = (stats?["exporters"] as? [[String: Any]])?.first
        XCTAssertEqual(JSONLines.int(statsExporter?["sampling_rate"]), 100, "\(String(describing: stats))")
        let samples = Self.samples(scrape)
        XCTAssertEqual(samples["zonesep_export_sampling_rate{exporter=\"127.0.0.1\"}"], 100, scrape)
        XCTAssertEqual(samples["zonesep_export_sampled_records_total{exporter=\"127.0.0.1\"}"], 1, scrape)

        // The text summary says what sampling leaves unverified.
        let p = Process()
        p.executableURL = try Harness.zonesep()
        let port = UInt16(20_000 + Int(getpid() % 10_000) + Int.random(in: 0..<10_000))
        p.arguments = [
            "collect", "--config", "zones.conf", "--listen", "udp://127.0.0.1:\(port)", "--stats-interval", "0",
        ]
        p.currentDirectoryURL = root
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // It listens once it says so on stderr; read the first line of it.
        var said = Data()
        while p.isRunning, !String(decoding: said, as: UTF8.self).contains("collecting") {
            said += err.fileHandleForReading.availableData
        }
        try Self.send([Self.sampledV5(interval: 100)], to: port)
        usleep(500_000)
        kill(p.processIdentifier, SIGTERM)
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        XCTAssertTrue(
            text.contains(
                "samples 1 in 100 packets (1 sampled records): flows with no sampled packet were not verified"), text)
    }
}
