import Foundation
import XCTest
import ZonesepTestSupport

/// Packet times no RFC 3339 text can hold. A pcapng interface with a resolution of one second takes 64-bit
/// timestamps: 2^40 s is the year 36812, and 9.3 × 10^12 s, times 10^6 in 64 bits as libpcap computes it,
/// wraps to some 290,000 years before 1970. replay wrote such times as they came (`36812-02-20T…Z`), and
/// `zonesep report` then refused the run's own output. Now such a packet is counted as malformed
/// (`timestamp-out-of-range`) and not judged, every time written has four-digit years, and the saved run
/// gives its report.
final class FarTimestampTests: ScratchDirectoryTestCase {
    /// An LGWAN host's SYN to an Internet-zone server (sanitisation-bypass under the shipped zones.conf).
    static func syn(_ sport: UInt16) -> [UInt8] {
        let mac: [UInt8] = [0x02, 0, 0, 0x30, 0x07, 0x08, 0x02, 0, 0, 0x20, 0x01, 0x01]
        return mac + [0x08, 0x00] + PcapBytes.ipv4(6, id: sport, [10, 20, 1, 1], [10, 30, 7, 8], payload: 20)
            + PcapBytes.tcpSYN(sport, 445)
    }

    /// A file whose first packet has a far time is placed by its first packet that is kept: placed by the
    /// far time, its packets of 2026 were replayed after a later file's, and their flow's alert came after
    /// the run's end.
    func testAFileIsPlacedByItsFirstKeptTime() throws {
        let t0: UInt64 = 1_795_132_800  // 2026-11-20T00:00:00Z
        var a = PcapngBytes(secondsResolution: true)
        for (i, s) in [1 << 40, t0 + 100, t0 + 101].enumerated() { a.append(Self.syn(UInt16(41000 + i)), timestamp: s) }
        var b = PcapngBytes(secondsResolution: true)
        b.append(Self.syn(42000), timestamp: t0 + 200)
        let fileA = scratch.appendingPathComponent("a.pcapng")
        let fileB = scratch.appendingPathComponent("b.pcapng")
        try a.data.write(to: fileA)
        try b.data.write(to: fileB)
        let conf = root.appendingPathComponent("zones.conf").path

        let outcome = try Harness.run(
            zonesep, ["replay", "--config", conf, "--output", "json", fileB.path, fileA.path], timeout: 60)
        XCTAssertEqual(outcome.status, 1, outcome.brief)
        let (alerts, summary, problems) = JSONLines.replay(outcome)
        XCTAssertEqual(problems, [])
        XCTAssertEqual(
            alerts.compactMap { $0.object["timestamp"] as? String },
            ["2026-11-20T00:01:40.000000Z", "2026-11-20T00:01:41.000000Z", "2026-11-20T00:03:20.000000Z"],
            "alerts in packet time order")
        let s = try XCTUnwrap(summary)
        XCTAssertEqual(
            (s["files"] as? [[String: Any]])?.compactMap { $0["path"] as? String }, [fileA.path, fileB.path])
        XCTAssertEqual(s["timestamp"] as? String, "2026-11-20T00:03:20.000000Z")
    }

    func testTimesPastWhatRFC3339HoldsAreCountedNotJudgedAndTheRunGivesItsReport() throws {
        // Two flows at 2026-11-20T00:00:00Z and one second later, and between them a packet of each far time.
        let seconds: [UInt64] = [1_795_132_800, 1 << 40, 9_300_000_000_000, 1_795_132_801]
        var file = PcapngBytes(secondsResolution: true)
        for (i, s) in seconds.enumerated() { file.append(Self.syn(UInt16(40000 + i)), timestamp: s) }
        let capture = scratch.appendingPathComponent("far.pcapng")
        try file.data.write(to: capture)
        let conf = root.appendingPathComponent("zones.conf").path
        let flows = scratch.appendingPathComponent("flows.jsonl")

        let outcome = try Harness.run(
            zonesep, ["replay", "--config", conf, "--output", "json", "--flows", flows.path, capture.path], timeout: 60)
        XCTAssertEqual(outcome.status, 1, outcome.brief)
        let (alerts, summary, problems) = JSONLines.replay(outcome)
        XCTAssertEqual(problems, [])
        XCTAssertEqual(alerts.count, 2, "the two flows of 2026 alone are judged")
        let s = try XCTUnwrap(summary)
        XCTAssertEqual(JSONLines.int((s["anomalies"] as? [String: Any])?["timestamp-out-of-range"]), 2)
        XCTAssertEqual(JSONLines.int(s["packets"]), 4)
        let coverage = try XCTUnwrap(s["coverage"] as? [String: Any])
        XCTAssertEqual(JSONLines.int(coverage["malformed"]), 2)
        XCTAssertEqual(JSONLines.int(coverage["judged"]), 2)
        let f = try XCTUnwrap((s["files"] as? [[String: Any]])?.first)
        XCTAssertEqual(JSONLines.int(f["packets"]), 4)
        XCTAssertEqual(f["first_packet"] as? String, "2026-11-20T00:00:00.000000Z")
        XCTAssertEqual(f["last_packet"] as? String, "2026-11-20T00:00:01.000000Z")
        XCTAssertEqual(s["timestamp"] as? String, "2026-11-20T00:00:01.000000Z")
        XCTAssertTrue(
            outcome.stderrText.contains("2 of 4 packets have times outside years 0000-9999"), outcome.stderrText)

        // Every time in stdout and the flows file has a four-digit year.
        let flowText = try String(contentsOf: flows, encoding: .utf8)
        XCTAssertEqual(flowText.split(separator: "\n").count, 2)
        let time = try NSRegularExpression(pattern: "\"(-?[0-9]+)-[0-9]{2}-[0-9]{2}T[0-9:.]+Z\"")
        for text in [outcome.stdoutText, flowText] {
            let years = time.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap {
                Range($0.range(at: 1), in: text).map { String(text[$0]) }
            }
            XCTAssertGreaterThan(years.count, 0)
            XCTAssertEqual(years.filter { $0.count != 4 }, [], "times without a four-digit year")
        }

        // The saved run gives its report, which says what was not verified.
        let saved = scratch.appendingPathComponent("run.jsonl")
        try outcome.stdout.write(to: saved)
        let html = scratch.appendingPathComponent("report.html")
        let report = try Harness.run(
            zonesep, ["report", "--config", conf, saved.path, "-o", html.path], timeout: 60)
        XCTAssertEqual(report.status, 0, report.brief)
        let page = try String(contentsOf: html, encoding: .utf8)
        XCTAssertTrue(page.contains("timestamp-out-of-range"), "the report names the anomaly")
    }
}
