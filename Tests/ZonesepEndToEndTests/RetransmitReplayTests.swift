import Foundation
import XCTest

/// The captures of scripts/make-retransmit-captures.py replayed end to end against zones.conf: one TCP
/// connection retransmitting around its handshake and its close must stay one flow with one alert, while a
/// new connection on the same ports, or a packet long after the close, is a new flow. Expected by hand.
final class RetransmitReplayTests: XCTestCase {
    /// What a replay of one file must give.
    struct Expected {
        /// Each alert as "time initiator" (seconds after 10:00 JST).
        var alerts: [String]
        var flows: Int
        var packetsAfterClose: Int
        /// Packets (and so frames) in the capture: every one counted in the matrix.
        var frames: Int
    }

    static let expected: [String: Expected] = [
        "retransmit-syn.pcap": Expected(alerts: ["0.000000 syn"], flows: 1, packetsAfterClose: 0, frames: 6),
        "retransmit-syn-busy.pcap": Expected(
            alerts: ["0.000000 syn"], flows: 201, packetsAfterClose: 0, frames: 205),
        "retransmit-syn-ack.pcap": Expected(alerts: ["0.000000 syn"], flows: 1, packetsAfterClose: 0, frames: 5),
        "retransmit-late-fin.pcap": Expected(alerts: ["0.000000 syn"], flows: 1, packetsAfterClose: 4, frames: 12),
        "retransmit-late-rst.pcap": Expected(alerts: ["0.000000 syn"], flows: 1, packetsAfterClose: 3, frames: 9),
        "retransmit-syn-after-rst.pcap": Expected(
            alerts: ["0.000000 syn"], flows: 1, packetsAfterClose: 0, frames: 6),
        "retransmit-new-syn-after-rst.pcap": Expected(
            alerts: ["0.000000 syn", "0.500000 syn"], flows: 2, packetsAfterClose: 0, frames: 4),
        "retransmit-reused.pcap": Expected(
            alerts: ["0.000000 syn", "30.000000 syn", "630.000000 inferred"], flows: 3, packetsAfterClose: 0,
            frames: 17),
    ]

    static func captures() throws -> URL {
        let root = try Harness.repositoryRoot()
        let out = FileManager.default.temporaryDirectory.appendingPathComponent(
            "zonesep-retransmit-\(UUID().uuidString)")
        let outcome = try Harness.run(
            URL(fileURLWithPath: "/usr/bin/python3"),
            [root.appendingPathComponent("scripts/make-retransmit-captures.py").path, "--out", out.path], timeout: 60)
        guard outcome.exitedNormally, outcome.status == 0 else {
            throw HarnessError("make-retransmit-captures.py: \(outcome.brief)")
        }
        return out
    }

    /// "SS.ffffff" after 2026-06-15T01:00:00Z (10:00 JST) of an RFC 3339 timestamp of that hour.
    static func offset(_ timestamp: String?) -> String {
        guard let t = timestamp, t.hasPrefix("2026-06-15T01:"), t.count == 27 else { return timestamp ?? "?" }
        let minutes = Int(t.dropFirst(14).prefix(2)) ?? 0
        let seconds = Int(t.dropFirst(17).prefix(2)) ?? 0
        return "\(minutes * 60 + seconds).\(t.dropFirst(20).prefix(6))"
    }

    func testOneConnectionOneAlertWhateverItRetransmits() throws {
        let dir = try Self.captures()
        defer { try? FileManager.default.removeItem(at: dir) }
        let conf = try Harness.repositoryRoot().appendingPathComponent("zones.conf")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".pcap") }
        XCTAssertEqual(Set(files), Set(Self.expected.keys), "the script's files and the expectations")
        for name in files.sorted() {
            let expected = try XCTUnwrap(Self.expected[name])
            let flowsFile = dir.appendingPathComponent(name + ".flows")
            let outcome = try Harness.run(
                try Harness.zonesep(),
                [
                    "replay", "--config", conf.path, "--output", "json", "--flows", flowsFile.path,
                    dir.appendingPathComponent(name).path,
                ], timeout: 60)
            XCTAssertEqual(outcome.status, 1, "\(name): \(outcome.brief)")
            let (alerts, summary, problems) = JSONLines.replay(outcome)
            XCTAssertEqual(problems, [], name)
            XCTAssertEqual(
                alerts.map {
                    "\(Self.offset($0.object["timestamp"] as? String)) \($0.object["initiator"] as? String ?? "?")"
                },
                expected.alerts, name)
            for a in alerts {
                XCTAssertEqual(a.object["rule"] as? String, "sanitisation-bypass", name)
                XCTAssertEqual(a.object["src_ip"] as? String, "10.20.3.4", name)
                XCTAssertEqual(JSONLines.int(a.object["dest_port"]), 445, name)
            }
            XCTAssertEqual(JSONLines.int(summary?["flows"]), expected.flows, name)
            let table = summary?["flow_table"] as? [String: Any]
            XCTAssertEqual(JSONLines.int(table?["packets_after_close"]), expected.packetsAfterClose, name)
            // No rule judged them: coverage counts them as not verified, not as judged.
            let coverage = summary?["coverage"] as? [String: Any]
            XCTAssertEqual(JSONLines.int(coverage?["judged"]), expected.frames - expected.packetsAfterClose, name)
            XCTAssertEqual(JSONLines.int(coverage?["not_verified"]), expected.packetsAfterClose, name)
            let reasons = coverage?["not_verified_by_reason"] as? [String: Any]
            XCTAssertEqual(
                JSONLines.int(reasons?["after-close"]),
                expected.packetsAfterClose > 0 ? expected.packetsAfterClose : nil,
                name)
            // Every packet is in the zone matrix, whether or not it joined a flow.
            let cells = (summary?["matrix"] as? [String: Any])?["packets"] as? [[String: Any]] ?? []
            XCTAssertEqual(cells.compactMap { JSONLines.int($0["packets"]) }.reduce(0, +), expected.frames, name)
            // The flow records hold the packets that joined a flow: all but those after a close.
            let records = try String(contentsOf: flowsFile, encoding: .utf8).split(separator: "\n").compactMap(
                JSONLines.object)
            XCTAssertEqual(records.count, expected.flows, name)
            let packets = records.map {
                (JSONLines.int($0["packets_toserver"]) ?? 0) + (JSONLines.int($0["packets_toclient"]) ?? 0)
            }
            XCTAssertEqual(packets.reduce(0, +), expected.frames - expected.packetsAfterClose, name)
            if name == "retransmit-syn-after-rst.pcap" {
                // The three SYNs and the three RSTs in one flow, closed by the last RST.
                XCTAssertEqual(JSONLines.int(records.first?["packets_toserver"]), 3, name)
                XCTAssertEqual(JSONLines.int(records.first?["packets_toclient"]), 3, name)
                XCTAssertEqual(records.first?["end_reason"] as? String, "closed", name)
            }
        }
    }

    /// The text summary names the packets that came after a close, and its coverage line counts them as
    /// not verified, by a reason of their own.
    func testTextSummaryCountsPacketsAfterClose() throws {
        let dir = try Self.captures()
        defer { try? FileManager.default.removeItem(at: dir) }
        let conf = try Harness.repositoryRoot().appendingPathComponent("zones.conf")
        let text = try Harness.run(
            try Harness.zonesep(),
            ["replay", "--config", conf.path, dir.appendingPathComponent("retransmit-late-fin.pcap").path], timeout: 60)
        XCTAssertEqual(text.status, 1, text.brief)
        XCTAssertTrue(
            text.stdoutText.range(of: #"TCP packets after close \(no new flow\) +4"#, options: .regularExpression)
                != nil,
            text.stdoutText)
        XCTAssertTrue(
            text.stdoutText.contains(
                "(8 IP packets judged, 0 frames without IP); NOT verified: 4 frames "
                    + "(packet of a TCP connection already closed: 4)"),
            text.stdoutText)
    }
}
