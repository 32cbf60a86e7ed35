import Foundation
import XCTest

/// The same export datagrams sent twice into a running collector (a network that duplicates, an export
/// capture replayed into it): before, the copies were read again, their packets added to the flows and,
/// once the flows had ended, judged and alerted again, with the copies counted as late datagrams or
/// restarts. Now each copy is counted in `duplicate_datagrams` and not read: softflowd's IPFIX export of
/// the demonstration (the committed fixture, as tcpdump kept it) gives the alerts and flow records of one
/// send, whether each datagram comes twice in a row or the whole export comes again.
extension CollectTests {
    /// Runs collect on `datagrams` (each with the index of the socket it is sent from, so that each of
    /// softflowd's runs keeps its source port): its alerts' keys, summary exporter and flow records.
    func collectWithFlows(_ datagrams: [(Int, [UInt8])]) throws -> (
        alerts: [String], exporter: [String: Any], flows: [String]
    ) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zonesep-collect-dup-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let flowsFile = dir.appendingPathComponent("flows.jsonl")
        let run = try collect(extra: ["--stats-interval", "0", "--flows", flowsFile.path]) { c in
            try Self.send(datagrams, to: c.port)
        }
        let flows = try String(contentsOf: flowsFile, encoding: .utf8).split(separator: "\n").map(String.init)
        return (run.alerts.map { Key($0).description }.sorted(), try exporter(run.summary), flows.sorted())
    }

    func testDatagramsSentTwiceAreJudgedOnce() throws {
        let fixture = try fixtureDatagrams("softflowd-ipfix.pcap")
        let ports = Array(Set(fixture.map(\.sourcePort))).sorted()
        let once = fixture.map { (ports.firstIndex(of: $0.sourcePort) ?? 0, $0.payload) }
        XCTAssertEqual(once.count, 6)

        let single = try collectWithFlows(once)
        XCTAssertGreaterThan(single.alerts.count, 10)
        XCTAssertGreaterThan(single.flows.count, 40)
        XCTAssertEqual(JSONLines.int(single.exporter["duplicate_datagrams"]), 0)

        for (name, datagrams) in [("each twice in a row", once.flatMap { [$0, $0] }), ("all again", once + once)] {
            let twice = try collectWithFlows(datagrams)
            XCTAssertEqual(twice.alerts, single.alerts, name)
            XCTAssertEqual(twice.flows, single.flows, name)
            let e = twice.exporter
            XCTAssertEqual(JSONLines.int(e["datagrams"]), 12, name)
            XCTAssertEqual(JSONLines.int(e["duplicate_datagrams"]), 6, name)
            XCTAssertEqual(JSONLines.int(e["records"]), JSONLines.int(single.exporter["records"]), name)
            for field in ["late_datagrams", "sequence_resets", "sequence_gaps"] {
                XCTAssertEqual(JSONLines.int(e[field]), 0, "\(name): \(field)")
            }
        }

        let text = try collectText(once.flatMap { [$0.1, $0.1] }).stdout
        XCTAssertTrue(
            text.contains("6 datagrams received twice (duplicate_datagrams): read once, their records judged once"),
            text)
        XCTAssertTrue(text.contains("12 datagrams, "), text)
        XCTAssertTrue(text.contains(", 6 datagrams received twice (read once)"), text)
    }

    /// pmacct's NetFlow v9 export with two datagrams swapped on the way: the late one's sequence number was
    /// never received, so it is read (late), not taken for a duplicate.
    func testASwappedPairIsLateNotDuplicate() throws {
        let fixture = try fixtureDatagrams("pmacct-v9.pcap")
        var datagrams = fixture.map { (0, $0.payload) }
        datagrams.swapAt(3, 4)
        let swapped = try collectWithFlows(datagrams)
        let inOrder = try collectWithFlows(fixture.map { (0, $0.payload) })
        XCTAssertEqual(JSONLines.int(swapped.exporter["duplicate_datagrams"]), 0)
        XCTAssertEqual(
            JSONLines.int(swapped.exporter["late_datagrams"]),
            (JSONLines.int(inOrder.exporter["late_datagrams"]) ?? 0) + 1)
        XCTAssertEqual(JSONLines.int(swapped.exporter["records"]), JSONLines.int(inOrder.exporter["records"]))
        XCTAssertEqual(swapped.alerts, inOrder.alerts)
    }
}
