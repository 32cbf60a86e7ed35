import Foundation
import XCTest
import ZonesepTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// softflowd's IPFIX export of the demonstration (the committed fixture's first run: messages of
/// sequence 18, 44 and 62) with its second message cut at 700 of 1376 bytes on the way, as the review
/// sent it (REVIEW-140 F3). Before, the summary said "1 sequence gap, 7 records lost" for a datagram that
/// arrived and 22 records dropped; now the 8 whole records of the cut set are judged, the other 14 are
/// `truncated_records`, and there is no gap.
extension CollectTests {
    /// The first softflowd run of the fixture, its second message cut at 700 bytes.
    func cutSoftflowdRun() throws -> [[UInt8]] {
        let datagrams = try fixtureDatagrams("softflowd-ipfix.pcap")
        var run = datagrams.filter { $0.sourcePort == datagrams[0].sourcePort }.prefix(3).map(\.payload)
        XCTAssertEqual(run.map(\.count), [1344, 1376, 928])
        run[1] = Array(run[1].prefix(700))
        return run
    }

    func testADatagramCutOnTheWayIsCountedAsCutNotAsAGap() throws {
        let datagrams = try cutSoftflowdRun()
        let run = try collect(extra: ["--stats-interval", "0"]) { c in
            try Self.send(datagrams.map { (0, $0) }, to: c.port)
        }
        let e = try exporter(run.summary)
        XCTAssertEqual(JSONLines.int(e["records"]), 62 - 14, "18 + 12 + 18 flow records read")
        XCTAssertEqual(JSONLines.int(e["truncated_records"]), 14)
        XCTAssertEqual(JSONLines.int(e["sequence_gaps"]), 0)
        XCTAssertEqual(JSONLines.int(e["missed_records"]), 0)
        XCTAssertEqual(e["decode_failures"] as? [String: Int], ["length-mismatch": 1, "set-truncated": 1])
        XCTAssertEqual(JSONLines.int(run.summary["records"]), 62 - 14, "the cut set's 8 whole records judged")

        let text = try collectText(datagrams).stdout
        XCTAssertTrue(
            text.contains(
                "14 records lost in export datagrams that arrived cut short (truncated_records): they were not judged"),
            text)
        XCTAssertTrue(text.contains(", 14 records lost in datagrams cut short"), text)
        XCTAssertFalse(text.contains("sequence gaps"), text)
    }

    /// pmacct's NetFlow v9 export with its fourth packet (a flowset of 6 records) cut at 300 of 444 bytes:
    /// its 3 whole records are judged and 3 counted as `truncated_records`; before, the flowset was dropped
    /// whole and nothing said how many records it took.
    func testANetFlowV9PacketCutOnTheWayIsReadToTheCut() throws {
        let fixture = try fixtureDatagrams("pmacct-v9.pcap")
        var datagrams = fixture.map(\.payload)
        XCTAssertEqual(datagrams[3].count, 444)
        let whole = try collect(extra: ["--stats-interval", "0"]) { c in
            try Self.send(datagrams.map { (0, $0) }, to: c.port)
        }
        datagrams[3] = Array(datagrams[3].prefix(300))
        let run = try collect(extra: ["--stats-interval", "0"]) { c in
            try Self.send(datagrams.map { (0, $0) }, to: c.port)
        }
        let e = try exporter(run.summary)
        XCTAssertEqual(JSONLines.int(e["records"]), (JSONLines.int(try exporter(whole.summary)["records"]) ?? 0) - 3)
        XCTAssertEqual(JSONLines.int(e["truncated_records"]), 3)
        XCTAssertEqual(e["decode_failures"] as? [String: Int], ["set-truncated": 1])
        let text = try collectText(datagrams).stdout
        XCTAssertTrue(
            text.contains(
                "3 records lost in export datagrams that arrived cut short (truncated_records): they were not judged"),
            text)
    }

    /// Runs `zonesep collect` with its text output, sends `datagrams` from one port, stops it: its stdout and
    /// stderr.
    func collectText(_ datagrams: [[UInt8]]) throws -> (stdout: String, stderr: String) {
        let port = UInt16(20_000 + Int(getpid() % 10_000) + Int.random(in: 0..<10_000))
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("zonesep-collect-cut-\(UUID())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let (outURL, errURL) = (scratch.appendingPathComponent("stdout"), scratch.appendingPathComponent("stderr"))
        for u in [outURL, errURL] { _ = FileManager.default.createFile(atPath: u.path, contents: nil) }
        let p = Process()
        p.executableURL = try Harness.zonesep()
        p.arguments = [
            "collect", "--config", "zones.conf", "--listen", "udp://127.0.0.1:\(port)", "--stats-interval", "0",
        ]
        p.currentDirectoryURL = root
        p.standardOutput = try FileHandle(forWritingTo: outURL)
        p.standardError = try FileHandle(forWritingTo: errURL)
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let stderr = { String(decoding: (try? Data(contentsOf: errURL)) ?? Data(), as: UTF8.self) }
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline, p.isRunning, !stderr().contains("collecting") { usleep(50_000) }
        try Self.send(datagrams.map { (0, $0) }, to: port)
        usleep(1_000_000)
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, stderr())
        return (String(decoding: try Data(contentsOf: outURL), as: UTF8.self), stderr())
    }
}
