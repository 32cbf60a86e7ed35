import Foundation
import XCTest

/// `--flows FILE` on the demonstration captures: one record per flow, agreeing with the summary's flow count
/// and zone matrix, and with every alert (the alerted flow's record carries the alert's rule).
final class FlowRecordsTests: XCTestCase {
    static let flowKeys = [
        "timestamp", "event_type", "proto", "src_ip", "src_port", "dest_ip", "dest_port", "src_zone", "dest_zone",
        "initiator", "vlan", "src_mac", "dest_mac", "flow_id", "sensor", "start", "end", "end_reason",
        "packets_toserver", "packets_toclient", "bytes_toserver", "bytes_toclient", "verdict", "allowed_by",
    ]

    func testDemonstrationFlowRecordsAgreeWithTheSummaryAndTheAlerts() throws {
        let root = try Harness.repositoryRoot()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zonesep-flows-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let flowsFile = dir.appendingPathComponent("flows.jsonl")
        let outcome = try Harness.run(
            try Harness.zonesep(),
            [
                "replay", "--config", root.appendingPathComponent("zones.conf").path, "--output", "json",
                "--flows", flowsFile.path, root.appendingPathComponent("captures").path,
            ], timeout: 120, in: root)
        XCTAssertEqual(outcome.status, 1, outcome.brief)
        let (alerts, summaryObject, problems) = JSONLines.replay(outcome)
        XCTAssertEqual(problems, [])
        let summary = try XCTUnwrap(summaryObject)

        let text = try String(contentsOf: flowsFile, encoding: .utf8)
        let lines = text.split(separator: "\n")
        var records: [[String: Any]] = []
        for line in lines {
            let o = try XCTUnwrap(JSONLines.object(line), "not JSON: \(line)")
            XCTAssertEqual(o["event_type"] as? String, "flow", String(line))
            XCTAssertEqual(Set(o.keys), Set(Self.flowKeys), String(line))
            var cursor = line.startIndex
            for key in Self.flowKeys {
                guard let r = line.range(of: "\"\(key)\":", range: cursor..<line.endIndex) else {
                    XCTFail("field \(key) missing or out of order: \(line)")
                    break
                }
                cursor = r.upperBound
            }
            XCTAssertTrue(
                ["idle", "closed", "evicted", "end-of-capture"].contains(o["end_reason"] as? String ?? ""),
                String(line))
            let start = o["start"] as? String ?? ""
            let end = o["end"] as? String ?? ""
            XCTAssertTrue(!start.isEmpty && start <= end, String(line))
            let packets =
                (JSONLines.int(o["packets_toserver"]) ?? 0) + (JSONLines.int(o["packets_toclient"]) ?? 0)
            XCTAssertGreaterThan(packets, 0, String(line))
            // A flow with a verdict was not allowed by anything.
            if !JSONLines.isNull(o["verdict"]) { XCTAssertTrue(JSONLines.isNull(o["allowed_by"]), String(line)) }
            records.append(o)
        }

        // One record per flow.
        XCTAssertEqual(records.count, JSONLines.int(summary["flows"]))
        // The matrix's flow cells are the records counted per (initiator zone, responder zone).
        var perPair: [String: Int] = [:]
        for r in records {
            perPair["\(r["src_zone"] as? String ?? "?")>\(r["dest_zone"] as? String ?? "?")", default: 0] += 1
        }
        var matrixPairs: [String: Int] = [:]
        let matrix = summary["matrix"] as? [String: Any]
        for cell in matrix?["flows"] as? [[String: Any]] ?? [] {
            matrixPairs["\(cell["src_zone"] as? String ?? "?")>\(cell["dest_zone"] as? String ?? "?")"] =
                JSONLines.int(cell["flows"])
        }
        XCTAssertFalse(matrixPairs.isEmpty)
        XCTAssertEqual(perPair, matrixPairs)

        // Every alert's flow has a record with the alert's rule; and as many records have a verdict as alerts.
        var byFlow: [String: [[String: Any]]] = [:]
        for r in records {
            byFlow[(r["flow_id"] as? String ?? "") + "@" + (r["start"] as? String ?? ""), default: []].append(r)
        }
        // A host finding's alert concerns a device, not a flow: it has no flow_id and no flow record of its own.
        let hostAlerts = alerts.filter { $0.object["addresses"] != nil }
        XCTAssertEqual(hostAlerts.count, 5)
        XCTAssertTrue(hostAlerts.allSatisfy { $0.object["flow_id"] == nil })
        let flowAlerts = alerts.filter { $0.object["addresses"] == nil }
        XCTAssertEqual(flowAlerts.count, 22)
        for (line, a) in flowAlerts {
            let key = (a["flow_id"] as? String ?? "") + "@" + (a["timestamp"] as? String ?? "")
            let matches = byFlow[key] ?? []
            XCTAssertEqual(matches.count, 1, "one record for the alert's flow: \(line)")
            XCTAssertEqual(matches.first?["verdict"] as? String, a["rule"] as? String, String(line))
            XCTAssertEqual(matches.first?["src_ip"] as? String, a["src_ip"] as? String, String(line))
        }
        XCTAssertEqual(records.filter { !JSONLines.isNull($0["verdict"]) }.count, flowAlerts.count)

        // Allowed flows name what allowed them: the demonstration's conduit, sanitisation path and gateway.
        let allowedTypes = Set(records.compactMap { ($0["allowed_by"] as? [String: Any])?["type"] as? String })
        XCTAssertTrue(allowedTypes.isSuperset(of: ["conduit", "sanitisation", "gateway"]), "\(allowedTypes)")
        let conduit = records.first {
            ($0["allowed_by"] as? [String: Any])?["name"] as? String == "intermediate-server"
        }
        XCTAssertEqual(conduit?["src_zone"] as? String, "mynumber")
        XCTAssertEqual(conduit?["dest_port"].flatMap(JSONLines.int), 443)
    }

    /// `--flows-rotate size:N` rotates the flows file between whole records, like the alerts file: every
    /// flow is in exactly one of the files. Misuse of the options is refused before anything is read.
    func testFlowsFileRotatesBySizeAndOptionsAreChecked() throws {
        let root = try Harness.repositoryRoot()
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("zonesep-flows-\(UUID().uuidString)")
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: dir) }
        let flowsFile = dir.appendingPathComponent("flows.jsonl")
        let zonesep = try Harness.zonesep()
        let conf = root.appendingPathComponent("zones.conf").path
        let captures = root.appendingPathComponent("captures").path
        let outcome = try Harness.run(
            zonesep,
            [
                "replay", "--config", conf, "--output", "json", "--flows", flowsFile.path, "--flows-rotate", "size:4K",
                captures,
            ], timeout: 120)
        XCTAssertEqual(outcome.status, 1, outcome.brief)
        let summary = try XCTUnwrap(JSONLines.replay(outcome).summary)
        let files = try fm.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("flows.jsonl") }
        XCTAssertGreaterThan(files.count, 2, "53 records of about 600 bytes in files of 4 KiB: \(files)")
        var total = 0
        for f in files {
            let data = try Data(contentsOf: dir.appendingPathComponent(f))
            XCTAssertLessThanOrEqual(data.count, 4096, f)
            XCTAssertEqual(data.last, 0x0a, "\(f) ends with a whole line")
            for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
                XCTAssertEqual(JSONLines.object(line)?["event_type"] as? String, "flow", String(line))
                total += 1
            }
        }
        XCTAssertEqual(total, JSONLines.int(summary["flows"]))

        let alone = try Harness.run(
            zonesep, ["replay", "--config", conf, "--flows-rotate", "day", captures], timeout: 60)
        XCTAssertEqual(alone.status, 2)
        XCTAssertTrue(alone.stderrText.contains("--flows-rotate needs --flows FILE"), alone.stderrText)
        let same = dir.appendingPathComponent("same.jsonl").path
        let shared = try Harness.run(
            zonesep, ["replay", "--config", conf, "--flows", same, "--alerts", same, captures], timeout: 60)
        XCTAssertEqual(shared.status, 2)
        XCTAssertTrue(shared.stderrText.contains("different files"), shared.stderrText)
    }
}
