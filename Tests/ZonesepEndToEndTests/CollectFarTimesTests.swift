import Foundation
import XCTest
import ZonesepTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Export records whose times no RFC 3339 text can hold, sent to `zonesep collect` over loopback. An
/// exporter's 64-bit times can say any year: collect judged such records and wrote `10000-01-01T…Z` in
/// alerts, flow records and its stats (or, where the value wrapped in 64 bits, judged them in 1970), and
/// the record past 9999 moved record time so far on that every open flow ended as idle, so a flow's next
/// record alerted again. Now they are counted against their exporter (`timestamp-out-of-range`, as replay
/// counts such packets), not judged, and what was found before them stands.
extension CollectTests {
    /// 2026-11-20T00:00:00Z, in seconds and in milliseconds.
    static let farT0: UInt64 = 1_795_132_800
    static var farT0ms: UInt64 { farT0 * 1000 }
    /// 10000-01-01T00:00:00Z in milliseconds.
    static let year10000ms: UInt64 = 253_402_300_800_000

    /// Big-endian bytes of `values`, each written in `width` bytes.
    static func be(_ values: [(UInt64, Int)]) -> [UInt8] {
        values.flatMap { v, width in (0..<width).reversed().map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) } }
    }

    /// An IPFIX or NetFlow v9 set: id, length, body.
    static func exportSet(_ id: UInt16, _ body: [UInt8]) -> [UInt8] {
        be([(UInt64(id), 2), (UInt64(body.count + 4), 2)]) + body
    }

    /// A template of the 5-tuple, TCP flags and two 8-byte time fields `times`.
    static func timesTemplate(_ id: UInt16, _ times: (UInt64, UInt64), setID: UInt16) -> [UInt8] {
        let fields: [(UInt64, UInt64)] = [(8, 4), (12, 4), (7, 2), (11, 2), (4, 1), (6, 1), (times.0, 8), (times.1, 8)]
        return exportSet(
            setID, be([(UInt64(id), 2), (UInt64(fields.count), 2)] + fields.flatMap { [($0.0, 2), ($0.1, 2)] }))
    }

    /// A TCP record from 10.20.3.`host` (port 40000 + host) to 10.30.7.8:445, an LGWAN host's SMB to the
    /// Internet zone (sanitisation-bypass under the shipped zones.conf), with raw time values.
    static func timesRecord(host: UInt8, flags: UInt8 = 0x02, _ start: UInt64, _ end: UInt64) -> [UInt8] {
        be([
            (0x0a14_0300 | UInt64(host), 4), (0x0a1e_0708, 4), (40000 + UInt64(host), 2), (445, 2), (6, 1),
            (UInt64(flags), 1), (start, 8), (end, 8),
        ])
    }

    static func ipfixMessage(exportTime: UInt64, sequence: UInt64, _ sets: [UInt8]...) -> [UInt8] {
        let body = sets.flatMap { $0 }
        return be([(10, 2), (UInt64(16 + body.count), 2), (exportTime, 4), (sequence, 4), (1, 4)]) + body
    }

    static func netflowV9Packet(unixSecs: UInt64, _ sets: [UInt8]...) -> [UInt8] {
        be([(9, 2), (UInt64(sets.count), 2), (100_000, 4), (unixSecs, 4), (0, 4), (7, 4)]) + sets.flatMap { $0 }
    }

    /// Sends `datagrams` in order from one socket to 127.0.0.1:`port`.
    static func send(_ datagrams: [[UInt8]], to port: UInt16) throws {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw CocoaError(.fileWriteUnknown) }
        defer { close(fd) }
        for d in datagrams {
            let sent = Loopback.send(d, from: fd, to: port)
            XCTAssertEqual(sent, d.count, "sendto: \(String(cString: strerror(errno)))")
            usleep(20_000)
        }
    }

    func testRecordsTimedOutsideYears0000To9999AreCountedNotJudged() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zonesep-collect-far-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let flowsFile = dir.appendingPathComponent("flows.jsonl")
        let t0 = Self.farT0ms
        let y10k = Self.year10000ms
        // IPFIX: flow A (host 1), then four records whose times cannot be written: past 9999 (host 2), a
        // 64-bit value that wrapped to 1969 (host 3), an end past 9999 (host 4), a delta that puts the start
        // 146,000 years before 1970 (host 5). A minute on, A's next record and a new flow B (host 6).
        let first = Self.ipfixMessage(
            exportTime: Self.farT0 + 1, sequence: 0, Self.timesTemplate(256, (152, 153), setID: 2),
            Self.timesTemplate(257, (158, 159), setID: 2),
            Self.exportSet(
                256,
                Self.timesRecord(host: 1, t0, t0 + 500) + Self.timesRecord(host: 2, y10k, y10k)
                    + Self.timesRecord(host: 3, .max, .max) + Self.timesRecord(host: 4, t0, y10k)),
            Self.exportSet(257, Self.timesRecord(host: 5, 1 << 62, 1 << 62)))
        let second = Self.ipfixMessage(
            exportTime: Self.farT0 + 62, sequence: 5,
            Self.exportSet(
                256,
                Self.timesRecord(host: 1, flags: 0x10, t0 + 60_000, t0 + 60_500)
                    + Self.timesRecord(host: 6, t0 + 61_000, t0 + 61_000)))
        // NetFlow v9 with IPFIX's absolute time fields (as Cisco's NSEL sends them): host 7 past 9999, host 8
        // in 2026.
        let v9 = Self.netflowV9Packet(
            unixSecs: Self.farT0 + 3, Self.timesTemplate(300, (152, 153), setID: 0),
            Self.exportSet(300, Self.timesRecord(host: 7, y10k, y10k) + Self.timesRecord(host: 8, t0 + 2000, t0 + 2000))
        )

        let run = try collect(extra: ["--flows", flowsFile.path, "--stats-interval", "0"]) { c in
            try Self.send([first, v9, second], to: c.port)
        }
        let stdout = run.records
        // Only the flows of 2026 are judged, each once.
        XCTAssertEqual(
            run.alerts.compactMap { $0["src_ip"] as? String }.sorted(), ["10.20.3.1", "10.20.3.6", "10.20.3.8"],
            "\(run.alerts)")
        XCTAssertEqual(Set(run.alerts.compactMap { $0["flow_id"] as? String }).count, run.alerts.count)
        XCTAssertEqual(
            run.alerts.compactMap { $0["timestamp"] as? String }.sorted(),
            ["2026-11-20T00:00:00.000000Z", "2026-11-20T00:00:02.000000Z", "2026-11-20T00:01:01.000000Z"])

        // The summary and the closing stats record count them against the exporter, by name.
        XCTAssertEqual(JSONLines.int(run.summary["records"]), 4)
        XCTAssertEqual(JSONLines.int(run.summary["flows"]), 3)
        let stats = try XCTUnwrap(stdout.last { $0["event_type"] as? String == "stats" })
        XCTAssertEqual(stats["timestamp"] as? String, "2026-11-20T00:01:01.000000Z", "the latest record time")
        for (name, record) in [("summary", run.summary), ("stats", stats)] {
            let exporters = record["exporters"] as? [[String: Any]] ?? []
            XCTAssertEqual(exporters.count, 1, name)
            let e = exporters.first ?? [:]
            XCTAssertEqual(JSONLines.int(e["records"]), 4, "\(name): records handed on")
            let failures = e["decode_failures"] as? [String: Any] ?? [:]
            XCTAssertEqual(failures.count, 1, "\(name): \(failures)")
            XCTAssertEqual(JSONLines.int(failures["timestamp-out-of-range"]), 5, "\(name): \(failures)")
        }

        // The flow records: A's two records are one flow, and every time has a four-digit year.
        let flowText = try String(contentsOf: flowsFile, encoding: .utf8)
        let flows = flowText.split(separator: "\n").compactMap(JSONLines.object)
        XCTAssertEqual(flows.compactMap { $0["src_ip"] as? String }.sorted(), ["10.20.3.1", "10.20.3.6", "10.20.3.8"])
        let a = try XCTUnwrap(flows.first { $0["src_ip"] as? String == "10.20.3.1" })
        XCTAssertEqual(a["start"] as? String, "2026-11-20T00:00:00.000000Z")
        XCTAssertEqual(a["end"] as? String, "2026-11-20T00:01:00.500000Z")
        // Every record time (the stats record's `wall_time` is the clock's, not a record's, and the exceptions'
        // `expires` in the summary's `declarations` are zones.conf's).
        let recordTimes = stdout.map { record in
            var o = record.filter { $0.key != "wall_time" }
            if let ds = o["declarations"] as? [[String: Any]] {
                o["declarations"] = ds.map { $0.filter { $0.key != "expires" } }
            }
            return o
        }
        let stdoutText = String(decoding: try JSONSerialization.data(withJSONObject: recordTimes), as: UTF8.self)
        let time = try NSRegularExpression(pattern: "\"(-?[0-9]+)-[0-9]{2}-[0-9]{2}T[0-9:.]+Z\"")
        for text in [stdoutText, flowText] {
            let years = time.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap {
                Range($0.range(at: 1), in: text).map { String(text[$0]) }
            }
            XCTAssertGreaterThan(years.count, 0)
            XCTAssertEqual(years.filter { $0 != "2026" }, [], "times other than the records' own year")
        }
    }
}
