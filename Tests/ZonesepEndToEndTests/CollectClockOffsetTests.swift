import Foundation
import XCTest

/// An exporter's clock against the collector's (review 72, F13): a router whose clock was never set sends
/// NetFlow v5 dated 2025-01-01, and its record times (by which exceptions expire and flows join) follow
/// that clock. The offset between its datagrams' export time and their arrival is kept per exporter, said
/// once on stderr past 5 minutes, and shown in the stats, the summary and the metrics.
extension CollectTests {
    /// A NetFlow v5 datagram exported at `unixSecs` with uptime 600 s, of one TCP SYN record
    /// 10.30.8.15:50000 -> 192.0.2.80:443 (the e-Tax flow of the `etax-direct` exception, expired in
    /// June 2026) that started 5 s before the export.
    static func v5Packet(unixSecs: UInt64, sequence: UInt64) -> [UInt8] {
        let uptime: UInt64 = 600_000
        let header = be([(5, 2), (1, 2), (uptime, 4), (unixSecs, 4), (0, 4), (sequence, 4), (0, 1), (0, 1), (0, 2)])
        let record = be([
            (0x0a1e_080f, 4), (0xc000_0250, 4), (0, 4), (0, 2), (0, 2), (1, 4), (60, 4), (uptime - 5000, 4),
            (uptime - 4000, 4), (50000, 2), (443, 2), (0, 1), (0x02, 1), (6, 1), (0, 1), (0, 2), (0, 2), (0, 1),
            (0, 1), (0, 2),
        ])
        return header + record
    }

    func testAnExporterClockFarFromArrivalIsWarnedOnceAndReported() throws {
        let curl = try XCTUnwrap(Tools.find("curl"), "curl is not installed")
        let unset: UInt64 = 1_735_689_600  // 2025-01-01T00:00:00Z
        var scrape = ""
        let sent = Date().timeIntervalSince1970
        let run = try collect(extra: ["--metrics", "127.0.0.1:0"]) { c in
            try Self.send(
                [Self.v5Packet(unixSecs: unset, sequence: 0), Self.v5Packet(unixSecs: unset + 1, sequence: 1)],
                to: c.port)
            usleep(1_300_000)  // the metrics are refreshed once a second
            let line = c.stderr.split(separator: "\n").first { $0.contains("metrics at http://127.0.0.1:") } ?? ""
            let url = String(line[(line.range(of: "http://")?.lowerBound ?? line.endIndex)...])
            let outcome = try Harness.run(curl, ["-sS", "--max-time", "5", url], timeout: 20)
            XCTAssertEqual(outcome.status, 0, outcome.brief)
            scrape = outcome.stdoutText
        }
        // The offset: export time minus arrival, some 700 days behind (within the test's own seconds).
        let expected = Double(unset) - sent
        let exporter = try XCTUnwrap((run.summary["exporters"] as? [[String: Any]])?.first)
        let offset = Double(try XCTUnwrap(JSONLines.int(exporter["clock_offset_seconds"]), "\(exporter)"))
        XCTAssertEqual(offset, expected, accuracy: 30, "\(exporter)")
        // Said once on stderr, naming the exporter, its export time and the offset.
        let warnings = run.stderr.split(separator: "\n").filter { $0.contains("behind arrival") }
        XCTAssertEqual(warnings.count, 1, run.stderr)
        XCTAssertTrue(
            warnings.first?.contains(
                "warning: exporter 127.0.0.1 (netflow-v5): export time 2025-01-01T00:00:00.000000Z, clock ") == true,
            run.stderr)
        XCTAssertTrue(warnings.first?.contains("clock_offset_seconds -") == true, run.stderr)
        // The gauge, per exporter.
        let gauge = scrape.split(separator: "\n").first {
            $0.hasPrefix("zonesep_export_clock_offset_seconds{exporter=\"127.0.0.1\"} ")
        }
        let value = try XCTUnwrap(gauge.flatMap { $0.split(separator: " ").last }.flatMap { Double($0) }, scrape)
        XCTAssertEqual(value, expected, accuracy: 30)
        // Verdict timing is the record's, as documented: the record, dated 2024-12-31, is allowed by the
        // exception that had not yet expired then; the warning is what tells the operator.
        XCTAssertEqual(run.alerts.count, 0, "\(run.alerts)")
    }

    /// An exporter on time is reported with an offset of a few seconds at most, and not warned about.
    func testAnExporterOnTimeIsNotWarned() throws {
        let now = UInt64(Date().timeIntervalSince1970)
        let run = try collect(extra: []) { c in
            try Self.send([Self.v5Packet(unixSecs: now, sequence: 0)], to: c.port)
        }
        let exporter = try XCTUnwrap((run.summary["exporters"] as? [[String: Any]])?.first)
        let offset = try XCTUnwrap(JSONLines.int(exporter["clock_offset_seconds"]), "\(exporter)")
        XCTAssertLessThanOrEqual(abs(offset), 5, "\(exporter)")
        XCTAssertFalse(run.stderr.contains("arrival (clock_offset_seconds"), run.stderr)
        // The same record judged at today's date: the exception has expired.
        XCTAssertEqual(run.alerts.map { $0["rule"] as? String }, ["security-cloud-bypass"])
    }
}
