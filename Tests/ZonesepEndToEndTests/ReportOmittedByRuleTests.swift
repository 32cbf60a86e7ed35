import Foundation
import XCTest
import ZonesepTestSupport

/// Past the summary's list limit (100,000 violating flows) the flows left out are still counted by rule and
/// zone pair (`violations_omitted_by`), so that five Mynumber-tier breaches that came last are on the audit
/// report's first page as critical, not "rule not known".
final class ReportOmittedByRuleTests: ScratchDirectoryTestCase {
    /// Ethernet, IPv4, then `transport` (UDP to port 53, or a TCP SYN to 445).
    static func frame(_ src: [UInt8], _ dst: [UInt8], tcp sport: UInt16?) -> [UInt8] {
        let eth: [UInt8] = [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00]
        if let sport { return eth + PcapBytes.ipv4(6, id: 1, src, dst, payload: 20) + PcapBytes.tcpSYN(sport, 445) }
        return eth + PcapBytes.ipv4(17, id: 1, src, dst, payload: 8) + [0x9c, 0x40, 0, 53, 0, 8, 0, 0]
    }

    func testOmittedViolationsKeepTheirRulesSeveritiesAndZonePairs() throws {
        // 100,010 unregistered hosts ask the LGWAN DNS server, then five Mynumber PCs reach the Internet zone.
        var pcap = PcapBytes()
        var t: Int64 = 1_781_481_600_000_000
        for i in 0..<100_010 {
            let src: [UInt8] = [10, UInt8(99 + i / 60_000), UInt8((i / 250) % 240), UInt8(1 + i % 250)]
            pcap.append(Self.frame(src, [10, 20, 1, 53], tcp: nil), micros: t)
            t += 1000
        }
        for j in 0..<5 {
            pcap.append(Self.frame([10, 10, 2, UInt8(21 + j)], [10, 30, 1, 5], tcp: 50_000 + UInt16(j)), micros: t)
            t += 1000
        }
        let capture = scratch.appendingPathComponent("late-breaches.pcap")
        try pcap.data.write(to: capture)

        let run = try Harness.run(
            zonesep, ["replay", "--config", "zones.conf", "--output", "json", capture.path], timeout: 120, in: root)
        XCTAssertEqual(run.status, 1, run.brief)
        // The summary alone (the last line): a hundred thousand alerts are not this test's business.
        let out = run.stdout.dropLast()  // its final newline
        let last = out.lastIndex(of: UInt8(ascii: "\n")).map { out.index(after: $0) } ?? out.startIndex
        let summary = try XCTUnwrap(JSONSerialization.jsonObject(with: out[last...]) as? [String: Any])
        XCTAssertEqual(summary["event_type"] as? String, "summary")
        let omitted = try XCTUnwrap(JSONLines.int(summary["violations_omitted"]))
        XCTAssertEqual(omitted, 15, "the last to end: ten unregistered hosts and the five breaches")
        let groups = try XCTUnwrap(summary["violations_omitted_by"] as? [[String: Any]])
        XCTAssertEqual(
            groups.map {
                "\($0["rule"] ?? "") \($0["src_zone"] ?? "") → \($0["dest_zone"] ?? "") \($0["flows"] ?? "")"
            },
            ["mynumber-isolation mynumber → internet 5", "unzoned-host unzoned → lgwan 10"])
        // Each rule's alerts are its listed flows and its omitted ones.
        let listed = try XCTUnwrap(summary["violations"] as? [[String: Any]])
        let alerts = try XCTUnwrap((summary["alerts"] as? [String: Any])?["by_rule"] as? [String: Any])
        XCTAssertEqual(Set(alerts.keys), ["mynumber-isolation", "unzoned-host"])
        for (rule, count) in alerts {
            let inList = listed.filter { $0["rule"] as? String == rule }.count
            let left = groups.filter { $0["rule"] as? String == rule }.compactMap { JSONLines.int($0["flows"]) }
            XCTAssertEqual(JSONLines.int(count), inList + left.reduce(0, +), rule)
        }
    }

    /// The report of a saved run whose summary left five Mynumber-tier breaches out of its list: they count
    /// in the critical tally, their rule's row and their matrix cell, and no flow is "of no known rule". (A
    /// report of a real run past the limit lists 100,000 flows: too slow for the suite; the summary above is
    /// the writer's, this one the same record with the counts put in.)
    func testTheReportCountsOmittedViolationsUnderTheirRules() throws {
        let run = try Harness.run(
            zonesep, ["replay", "--config", "zones.conf", "--output", "json", "captures/span-2330.pcap"], timeout: 60,
            in: root)
        XCTAssertEqual(run.status, 1, run.brief)
        let lines = run.stdoutText.split(separator: "\n").map(String.init)
        let summary = try XCTUnwrap(lines.last { $0.contains("\"event_type\":\"summary\"") })
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(summary.utf8)) as? [String: Any])
        let listed = try XCTUnwrap(object["violations"] as? [[String: Any]])
        let critical = listed.filter { $0["rule"] as? String == "mynumber-isolation" }.count
        XCTAssertTrue(summary.contains("\"violations_omitted\":0,"), summary)
        let edited = lines.map {
            $0 == summary
                ? $0.replacingOccurrences(
                    of: "\"violations_omitted\":0,",
                    with: "\"violations_omitted\":5,\"violations_omitted_by\":[{\"rule\":\"mynumber-isolation\","
                        + "\"src_zone\":\"mynumber\",\"dest_zone\":\"internet\",\"flows\":5}],") : $0
        }
        let saved = scratch.appendingPathComponent("run.jsonl")
        try (edited.joined(separator: "\n") + "\n").write(to: saved, atomically: true, encoding: .utf8)
        func report(_ format: String) throws -> String { try self.report(ofSaved: saved, format: format) }
        let html = try report("html")
        let allCritical = critical + 5 + listed.filter { $0["rule"] as? String == "conduit-mac-mismatch" }.count
        XCTAssertTrue(html.contains("<div class=\"critical\"><b>\(allCritical)</b>"), "the critical tally counts them")
        XCTAssertTrue(html.contains("data-rule=\"mynumber-isolation\" data-count=\"\(critical + 5)\""))
        XCTAssertTrue(html.contains("data-not-listed=\"5\""), "their rule's row says five are not listed")
        XCTAssertFalse(html.contains("their rules are not known"), "every omitted flow's rule is known")
        XCTAssertTrue(html.contains("the counts by rule, severity and zone pair include them"))
        // The flow matrix's mynumber → internet cell: its violating flows, here and in the unedited run's report.
        func cellViolations(_ page: String) -> Int? {
            let start = "data-from=\"mynumber\" data-to=\"internet\" data-restricted=\"true\" data-value=\""
            guard let cell = page.range(of: start), let v = page[cell.upperBound...].range(of: "data-violations=\"")
            else { return nil }
            return Int(page[v.upperBound...].prefix { $0 != "\"" })
        }
        let before = try XCTUnwrap(cellViolations(try reportBothWays(["captures/span-2330.pcap"])))
        XCTAssertEqual(cellViolations(html), before + 5, "the matrix counts them in their cell")
        let md = try report("md")
        XCTAssertTrue(md.contains("| mynumber-isolation | critical |"), md)
        XCTAssertTrue(md.contains(" | \(critical + 5) |\n| sanitisation-bypass"), "the md rules table counts them")
        XCTAssertFalse(md.contains("rule not known"))
    }
}
