import Foundation
import XCTest
import ZonesepCapture
import ZonesepConfig
import ZonesepCore
import ZonesepOutput

@testable import ZonesepRuntime

/// A reload that renames or removes zones does not rewrite what was already judged: a flow judged before it
/// keeps, in its flow record, the zones it was judged with, and the matrix keeps the earlier cells under the
/// old names, so that counting flow records by (src_zone, dest_zone) still gives the matrix's flow cells
/// (docs/output.md). The demonstration's captures, reloaded at midnight packet time with `lgwan` renamed
/// and `lgwan-wan` removed.
final class ReloadHistoryTests: XCTestCase {
    /// 2026-06-15T00:00:00Z: an lgwan-external flow (23:59:50 to 00:00:05) and a long lgwan→internet one are
    /// open across it.
    static let reloadAt: Int64 = 1_781_481_600_000_000

    struct Run {
        var records: [[String: Any]]
        var summary: [String: Any]
    }

    func run(reloadingTo second: Policy?, first: Policy) throws -> Run {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("reload-\(UUID().uuidString).jsonl")
            .path
        defer { unlink(path) }
        let (frames, linkType) = try SinkCombinationTests.frames()
        let sink = try FlowFileSink(path: path, rotation: .none)
        let session = Session(policy: first, maxFlows: 1 << 16, sinks: [sink])
        let split = try XCTUnwrap(frames.firstIndex { $0.time >= Self.reloadAt })
        session.process(Array(frames[..<split]), inBatchesOf: 16, linkType: linkType) { _ in }
        if let second { session.replacePolicy(second) }
        session.process(Array(frames[split...]), inBatchesOf: 16, linkType: linkType) { _ in }
        let summary = session.finish(files: [])
        sink.close()
        let records = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(summary.jsonBytes())) as? [String: Any])
        return Run(records: records, summary: json)
    }

    static func zones(_ r: [String: Any]) -> String { "\(r["src_zone"] ?? "?")→\(r["dest_zone"] ?? "?")" }
    static func key(_ r: [String: Any]) -> String { "\(r["flow_id"] ?? "")|\(r["start"] ?? "")" }

    func testARenamedAndARemovedZoneKeepTheirNamesForWhatWasJudgedBefore() throws {
        let first = try SinkCombinationTests.policy()
        var edited = first.config
        edited.zones = edited.zones.compactMap { z in
            switch z.id {
            case "lgwan-wan": return nil
            case "lgwan":
                return Zone(id: "lgwan-honcho", kind: z.kind, label: z.label, networks: z.networks, vlans: z.vlans)
            default: return z
            }
        }
        let second = Policy(edited.keepingRetiredZones(of: first.config))
        XCTAssertEqual(
            second.config.zones.map(\.id), ["mynumber", "lgwan-honcho", "internet", "lgwan", "lgwan-wan"],
            "the retired zones come after the declared ones")
        let reloaded = try run(reloadingTo: second, first: first)
        let reference = try run(reloadingTo: nil, first: first)

        // Flows started before the reload: the same zones and verdict as in a run without it.
        let judgedBefore = Dictionary(
            reference.records.filter { ($0["start"] as? String ?? "") < "2026-06-15T00:00:00" }.map {
                (Self.key($0), $0)
            }, uniquingKeysWith: { a, _ in a })
        var spanning = 0
        for r in reloaded.records {
            guard let before = judgedBefore[Self.key(r)] else { continue }
            XCTAssertEqual(Self.zones(r), Self.zones(before), "\(r)")
            XCTAssertEqual(r["verdict"] as? String, before["verdict"] as? String, "\(r)")
            if (r["end"] as? String ?? "") >= "2026-06-15T00:00:00" { spanning += 1 }
        }
        XCTAssertEqual(
            reloaded.records.filter { judgedBefore[Self.key($0)] != nil }.count, judgedBefore.count,
            "every flow judged before has its record")
        XCTAssertGreaterThanOrEqual(spanning, 2, "flows open across the reload, with an lgwan end")
        // Flows started after it are named by the new map.
        let after = reloaded.records.filter { judgedBefore[Self.key($0)] == nil }
        XCTAssertTrue(after.contains { Self.zones($0).contains("lgwan-honcho") }, "\(after.map(Self.zones))")
        XCTAssertFalse(after.contains { Self.zones($0).contains("lgwan→") || Self.zones($0).hasSuffix("→lgwan") })

        // The flow records, counted by zones, are the matrix's flow cells.
        var counted: [String: Int] = [:]
        for r in reloaded.records { counted[Self.zones(r), default: 0] += 1 }
        let matrix = try XCTUnwrap(reloaded.summary["matrix"] as? [String: Any])
        let cells = try XCTUnwrap(matrix["flows"] as? [[String: Any]])
        var fromMatrix: [String: Int] = [:]
        for c in cells { fromMatrix[Self.zones(c)] = (c["flows"] as? NSNumber)?.intValue }
        XCTAssertEqual(counted, fromMatrix)
        XCTAssertNotNil(fromMatrix["mynumber→lgwan-wan"], "the removed zone's cells before the reload are kept")

        // Host findings raised before the reload name the zones they were raised with, in the summary too.
        func findingsBefore(_ run: Run) -> [String] {
            (run.summary["host_findings"] as? [[String: Any]] ?? []).filter {
                ($0["timestamp"] as? String ?? "") < "2026-06-15T00:00:00"
            }.map { f in
                let addresses = (f["addresses"] as? [[String: Any]] ?? []).map {
                    "\($0["ip"] ?? "") \($0["zone"] ?? "")"
                }
                return "\(f["rule"] ?? "") \(f["src_ip"] ?? "") \(f["src_zone"] ?? "") \(addresses)"
            }
        }
        XCTAssertGreaterThan(findingsBefore(reference).count, 0, "the demonstration's host findings")
        XCTAssertEqual(findingsBefore(reloaded), findingsBefore(reference))
    }
}

extension ReloadHistoryTests {
    /// A reload that moves every declaration (a conduit first, the sanitisation paths and exceptions in
    /// reverse order): a flow judged before it is named in its record by the declaration that allowed it,
    /// with that declaration's `mac_check`, and credited to it in the summary's `declarations`, as in a run
    /// without the reload (REVIEW-82 M2: its index into the old policy's declarations was read under the new).
    func testAReloadThatMovesDeclarationsNamesAndCreditsTheOnesThatAllowed() throws {
        let first = try SinkCombinationTests.policy()
        var edited = first.config
        edited.conduits.insert(
            Conduit(
                name: "spare-link", from: [IPPrefix("10.10.250.1")!], fromMAC: MACAddress("02:00:0a:0a:fa:01"),
                to: [IPPrefix("172.20.250.1")!], ports: [.tcp(443...443)]), at: 0)
        edited.sanitisation.reverse()
        edited.exceptions.reverse()
        let second = Policy(edited.keepingRetiredZones(of: first.config))
        XCTAssertNotEqual(second.declarations.map(\.name), first.declarations.map(\.name))
        let reloaded = try run(reloadingTo: second, first: first)
        let reference = try run(reloadingTo: nil, first: first)

        func allowed(_ r: [String: Any]) -> String {
            let a = r["allowed_by"] as? [String: Any]
            return "\(a?["type"] ?? "-") \(a?["name"] ?? "-") \(a?["mac_check"] ?? "-")"
        }
        let before = Dictionary(
            reference.records.filter { ($0["start"] as? String ?? "") < "2026-06-15T00:00:00" }.map {
                (Self.key($0), allowed($0))
            }, uniquingKeysWith: { a, _ in a })
        var spanning = 0
        for r in reloaded.records {
            guard let was = before[Self.key(r)] else { continue }
            XCTAssertEqual(allowed(r), was, "\(r)")
            if (r["end"] as? String ?? "") >= "2026-06-15T00:00:00" && r["allowed_by"] is [String: Any] {
                spanning += 1
            }
        }
        XCTAssertGreaterThanOrEqual(spanning, 1, "a flow allowed by a declaration open across the reload")

        func credits(_ run: Run) -> [String] {
            (run.summary["declarations"] as? [[String: Any]] ?? []).map {
                "\($0["type"] ?? "") \($0["name"] ?? ""): \($0["flows"] ?? "") flows, \($0["packets"] ?? "") packets, "
                    + "MAC not verified \($0["mac_not_verified"] ?? "-")"
            }.sorted()
        }
        XCTAssertTrue(credits(reference).contains { !$0.contains(": 0 flows") }, "\(credits(reference))")
        XCTAssertEqual(
            credits(reloaded).filter { !$0.hasPrefix("conduit spare-link") }, credits(reference),
            "the same flows credited to each declaration")
    }
}
