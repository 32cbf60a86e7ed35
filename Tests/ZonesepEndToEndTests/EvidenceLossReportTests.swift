import Foundation
import XCTest
import ZonesepTestSupport

/// The demonstration replayed with `--evidence` on a disk that fills up: the audit report (`replay --report`
/// and `zonesep report` of the saved run, byte for byte the same) says of each violating flow whether its
/// evidence file is whole, with the hash its `evidence` record gives, cut short with no hash, or missing
/// with the reason its alert gives; and counts them among the limits of the audit.
final class EvidenceLossReportTests: ScratchDirectoryTestCase {
    /// The cells of one RFC 4180 row (quoted fields unquoted).
    func cells(_ row: Substring) -> [String] {
        var out: [String] = []
        var field = ""
        var quoted = false
        var chars = Array(row)[...]
        while let c = chars.popFirst() {
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" {
                        field.append("\"")
                        chars.removeFirst()
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == "," {
                out.append(field)
                field = ""
            } else {
                field.append(c)
            }
        }
        out.append(field)
        return out
    }

    func testTheReportSaysWhoseEvidenceIsWholeCutShortOrMissing() throws {
        let disk = try TinyDisk(kilobytes: 64)
        disk.fill()
        disk.free(bytes: 16 << 10)
        let evidence = disk.path + "/evidence"
        let csv = try reportBothWays(
            ["--evidence", evidence, "--evidence-packets", "20", "captures"], format: "csv")

        // What the run's own records say: each file's hash (or none), and each alert's reason for having none.
        let records = try String(contentsOf: scratch.appendingPathComponent("saved.jsonl"), encoding: .utf8)
            .split(separator: "\n").compactMap { JSONLines.object($0) }
        var files: [String: String?] = [:]
        for r in records where r["event_type"] as? String == "evidence" {
            files[try XCTUnwrap(r["file"] as? String)] = r["sha256"] as? String
        }
        var reasons: [String: [String]] = [:]
        for r in records where r["event_type"] as? String == "alert" {
            guard let id = r["flow_id"] as? String, let why = r["evidence_error"] as? String else { continue }
            reasons[id, default: []].append(why)
        }
        let whole = files.values.filter { $0 != nil }.count
        let incomplete = files.count - whole
        let missing = reasons.values.reduce(0) { $0 + $1.count }
        XCTAssertGreaterThan(whole, 0, "some files fitted")
        XCTAssertGreaterThan(incomplete + missing, 0, "and some did not")

        // The violations table: its last three columns are the evidence file, its SHA-256 and its status.
        let lines = csv.split(separator: "\r\n", omittingEmptySubsequences: false)
        let start = try XCTUnwrap(lines.firstIndex { $0.hasPrefix("# violations,") })
        let header = cells(lines[start + 1])
        XCTAssertEqual(Array(header.suffix(3)), ["証拠 evidence", "SHA-256", "証拠の状態 evidence status"])
        let flowColumn = try XCTUnwrap(header.firstIndex(of: "flow_id"))
        var rowsWithFile = 0
        var rowsWithoutFile = 0
        for line in lines[(start + 2)...] {
            if line.isEmpty { break }
            let row = cells(line)
            let (path, sha, status) = (row[row.count - 3], row[row.count - 2], row[row.count - 1])
            if !path.isEmpty {
                rowsWithFile += 1
                let recorded = try XCTUnwrap(files[path], "a file no evidence record names: \(line)")
                XCTAssertEqual(sha, recorded ?? "", String(line))
                XCTAssertEqual(status, recorded == nil ? "no hash: may be incomplete" : "whole", String(line))
            } else if !status.isEmpty {
                rowsWithoutFile += 1
                let why = reasons[row[flowColumn]] ?? []
                XCTAssertTrue(why.contains { status == "no file: " + $0 }, "\(line) against \(why)")
            }
        }
        XCTAssertEqual(rowsWithFile, files.count, "every file has its flow's row")
        XCTAssertEqual(rowsWithoutFile, missing, "every alert left without a file has its flow's row")

        // The limits: files cut short and alerts without a file, as the summary's delivery counts them.
        let summary = try XCTUnwrap(records.last)
        let counts = try XCTUnwrap((summary["delivery"] as? [String: Any])?["evidence"] as? [String: Any])
        XCTAssertEqual(JSONLines.int(counts["incomplete"]), incomplete)
        let notCreated = try XCTUnwrap(JSONLines.int(counts["not_created"]))
        XCTAssertEqual(notCreated, missing)
        XCTAssertTrue(csv.contains("不完全な証拠ファイル evidence files incomplete (no hash),\(incomplete)\r\n"), csv)
        XCTAssertTrue(csv.contains("証拠ファイルのない警報 alerts without an evidence file,\(notCreated)\r\n"), csv)
    }

    /// The HTML report of the same run marks the flows whose evidence was lost, both ways.
    func testTheHTMLReportMarksLostEvidenceBothWays() throws {
        let disk = try TinyDisk(kilobytes: 64)
        disk.fill()
        disk.free(bytes: 16 << 10)
        let html = try reportBothWays(["--evidence", disk.path + "/evidence", "--evidence-packets", "20", "captures"])
        XCTAssertTrue(html.contains("evidence incomplete or missing"))
        XCTAssertTrue(html.contains("証拠の一部が失われました"))
    }

    /// A flow replayed again into the same directory while the disk is full: this run's replacement is not
    /// kept and the earlier run's whole file stays at its name. The report says that file was kept, not
    /// "no hash: may be incomplete" (nor "no file").
    func testAFailedReplacementIsReportedAsTheEarlierRunsFileKept() throws {
        let disk = try TinyDisk(kilobytes: 64)
        let t0: Int64 = 1_781_496_000_000_000
        var pcap = PcapBytes()
        for flow in 0..<3 {
            for k in 0..<30 {
                let udp: [UInt8] = [0x9c, 0x40, 0x13, 0x88, 0x01, 0x98, 0, 0] + [UInt8](repeating: 0x61, count: 400)
                let ip = PcapBytes.ipv4(
                    17, id: UInt16(k), [10, 10, 3, UInt8(10 + flow)], [10, 30, 3, 10], payload: udp.count)
                pcap.append(
                    [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00] + ip + udp,
                    micros: t0 + Int64(flow) * 1_000_000 + Int64(k) * 1000)
            }
        }
        let input = scratch.appendingPathComponent("three.pcap")
        try pcap.data.write(to: input)
        let evidence = disk.path + "/evidence"
        let first = try Harness.run(
            zonesep, ["replay", "--config", "zones.conf", "--output", "json", "--evidence", evidence, input.path],
            timeout: 60, in: root)
        XCTAssertEqual(first.status, 1, first.stderrText)
        disk.fill()
        disk.free(bytes: 8 << 10)
        let md = try reportBothWays(["--evidence", evidence, input.path], format: "md")
        let rows = md.split(separator: "\n").filter { $0.hasPrefix("| ") && $0.contains("| udp/5000 |") }
        XCTAssertEqual(rows.count, 3, md)
        for row in rows {
            XCTAssertFalse(row.contains("no hash: may be incomplete"), String(row))
            XCTAssertTrue(row.hasSuffix("| " + ReportTextKept.status + " |"), String(row))
        }
    }
}
