import Foundation
import XCTest
import ZonesepTestSupport

/// A conduit that names a MAC cannot check it at a flow's first packet when that packet shows no MAC (a
/// raw-IP capture merged with the SPAN capture, a bare-IP tunnel, a cooked capture's other side). The first later packet
/// of that side that shows its MAC checks it: a MAC the conduit does not name raises `conduit-mac-mismatch`
/// then. A flow whose MAC never shows is "allowed, MAC not verified": its flow record says
/// `"mac_check":"not-seen"`, its conduit's `mac_not_verified` counts it, and stderr, the text summary and the
/// audit report name it among the run's limits.
final class ConduitMACLateCheckTests: ScratchDirectoryTestCase {
    /// zones.conf's conduit 'intermediate-server': 10.10.1.5 (MAC 02:00:0a:0a:01:05) → 172.20.9.9 tcp/443.
    static let registered: [UInt8] = [2, 0, 0x0a, 0x0a, 1, 5]
    static let rogue: [UInt8] = [2, 0, 0x5e, 0, 0, 0x99]
    static let router: [UInt8] = [2, 0, 0, 0, 0, 1]
    static let t0: Int64 = 1_781_431_200_000_000  // 2026-06-14T10:00:00Z

    /// An IPv4 TCP segment with `flags` between the conduit's two ends (`outbound`: from 10.10.1.5:46000).
    static func segment(outbound: Bool, flags: UInt8, data: Int = 0) -> [UInt8] {
        let (src, dst): ([UInt8], [UInt8]) =
            outbound ? ([10, 10, 1, 5], [172, 20, 9, 9]) : ([172, 20, 9, 9], [10, 10, 1, 5])
        let (sport, dport): (UInt16, UInt16) = outbound ? (46000, 443) : (443, 46000)
        let tcp: [UInt8] =
            [UInt8(sport >> 8), UInt8(sport & 0xff), UInt8(dport >> 8), UInt8(dport & 0xff), 0, 0, 0, 1, 0, 0, 0, 0]
            + [0x50, flags, 0xff, 0xff, 0, 0, 0, 0]
        return PcapBytes.ipv4(6, id: 1, src, dst, payload: 20 + data) + tcp + [UInt8](repeating: 0x61, count: data)
    }

    /// The same segment in an Ethernet frame from MAC `sender` to MAC `receiver`.
    static func frame(outbound: Bool, flags: UInt8, sender: [UInt8], receiver: [UInt8], data: Int = 0) -> [UInt8] {
        receiver + sender + [0x08, 0x00] + segment(outbound: outbound, flags: flags, data: data)
    }

    /// `raw.pcap`: the SYN as a LINKTYPE_RAW sensor saw it at t0. `eth.pcap`: the SPAN port's copy of the SYN
    /// 1 µs later from `initiatorMAC`, the SYN-ACK from the router, and 100 bytes of data.
    func captures(initiatorMAC: [UInt8]) throws -> (raw: String, eth: String) {
        var raw = PcapBytes(linkType: 101)
        raw.append(Self.segment(outbound: true, flags: 0x02), micros: Self.t0)
        var eth = PcapBytes(linkType: 1)
        eth.append(
            Self.frame(outbound: true, flags: 0x02, sender: initiatorMAC, receiver: Self.router), micros: Self.t0 + 1)
        eth.append(
            Self.frame(outbound: false, flags: 0x12, sender: Self.router, receiver: initiatorMAC),
            micros: Self.t0 + 1_000)
        eth.append(
            Self.frame(outbound: true, flags: 0x18, sender: initiatorMAC, receiver: Self.router, data: 100),
            micros: Self.t0 + 2_000)
        let r = scratch.appendingPathComponent("raw.pcap")
        let e = scratch.appendingPathComponent("eth.pcap")
        try raw.data.write(to: r)
        try eth.data.write(to: e)
        return (r.path, e.path)
    }

    func replay(_ inputs: [String], extra: [String] = []) throws -> (ProcessOutcome, [[String: Any]]) {
        let flows = scratch.appendingPathComponent("flows-\(inputs.count)-\(extra.count).jsonl")
        let outcome = try Harness.run(
            zonesep, ["replay", "--config", "zones.conf", "--output", "json", "--flows", flows.path] + extra + inputs,
            timeout: 60, in: root)
        XCTAssertTrue(outcome.exitedNormally, outcome.brief)
        let records = try String(contentsOf: flows, encoding: .utf8).split(separator: "\n").map {
            try XCTUnwrap(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        return (outcome, records)
    }

    func conduit(_ summary: [String: Any]?) throws -> [String: Any] {
        let declarations = try XCTUnwrap(summary?["declarations"] as? [[String: Any]])
        return try XCTUnwrap(declarations.first { $0["name"] as? String == "intermediate-server" })
    }

    /// REVIEW-73 #2 (b): the raw SYN came first, so the wrong MAC one packet later went unchecked and the run
    /// exited 0, crediting the conduit.
    func testWrongMACAfterARawFirstPacketRaisesTheMismatchAtThatPacket() throws {
        let (raw, eth) = try captures(initiatorMAC: Self.rogue)
        let (outcome, records) = try replay([raw, eth])
        XCTAssertEqual(outcome.status, 1, outcome.brief)
        let (alerts, summary, problems) = JSONLines.replay(outcome)
        XCTAssertEqual(problems, [])
        XCTAssertEqual(alerts.count, 1, outcome.stdoutText)
        let a = try XCTUnwrap(alerts.first?.object)
        XCTAssertEqual(a["rule"] as? String, "conduit-mac-mismatch")
        XCTAssertEqual(a["timestamp"] as? String, "2026-06-14T10:00:00.000001Z", "dated by the packet that showed it")
        XCTAssertEqual(a["src_mac"] as? String, "02:00:5e:00:00:99")
        XCTAssertEqual(records.count, 1)
        XCTAssertEqual(records.first?["verdict"] as? String, "conduit-mac-mismatch")
        XCTAssertEqual(records.first?["start"] as? String, "2026-06-14T10:00:00.000000Z")
        XCTAssertEqual(records.first?["flow_id"] as? String, a["flow_id"] as? String)
        XCTAssertNil(records.first?["mac_check"])
        let c = try conduit(summary)
        XCTAssertEqual(JSONLines.int(c["flows"]), 0, "the conduit allowed nothing")
        XCTAssertEqual(JSONLines.int(c["mac_not_verified"]), 0)
    }

    /// The registered MAC one packet later: verified late, allowed, nothing to report.
    func testRightMACAfterARawFirstPacketIsVerified() throws {
        let (raw, eth) = try captures(initiatorMAC: Self.registered)
        let (outcome, records) = try replay([raw, eth])
        XCTAssertEqual(outcome.status, 0, outcome.brief)
        let (alerts, summary, _) = JSONLines.replay(outcome)
        XCTAssertEqual(alerts.count, 0)
        XCTAssertEqual(records.first?["src_mac"] as? String, "02:00:0a:0a:01:05", "the MAC it was verified with")
        XCTAssertNil(records.first?["mac_check"])
        let c = try conduit(summary)
        XCTAssertEqual(JSONLines.int(c["flows"]), 1)
        XCTAssertEqual(JSONLines.int(c["mac_not_verified"]), 0)
        XCTAssertFalse(outcome.stderrText.contains("MAC was not verified"), outcome.stderrText)
    }

    /// The raw capture alone: the conduit allows the flow, and every output says its MAC was not verified.
    func testAFlowWhoseMACNeverShowsIsAllowedButMarkedCountedAndALimit() throws {
        let (raw, _) = try captures(initiatorMAC: Self.rogue)
        let html = scratch.appendingPathComponent("report.html")
        let (outcome, records) = try replay([raw], extra: ["--report", html.path])
        XCTAssertEqual(outcome.status, 0, outcome.brief)
        let (alerts, summary, _) = JSONLines.replay(outcome)
        XCTAssertEqual(alerts.count, 0)
        let r = try XCTUnwrap(records.first)
        XCTAssertEqual((r["allowed_by"] as? [String: Any])?["name"] as? String, "intermediate-server")
        XCTAssertEqual(r["mac_check"] as? String, "not-seen")
        let c = try conduit(summary)
        XCTAssertEqual(JSONLines.int(c["flows"]), 1)
        XCTAssertEqual(JSONLines.int(c["mac_not_verified"]), 1)
        let line =
            "1 flow allowed by conduits whose MAC was not verified (intermediate-server: 1): the conduit names a MAC "
            + "the capture did not show for that side"
        XCTAssertTrue(outcome.stderrText.contains("zonesep: warning: " + line), outcome.stderrText)

        let text = try Harness.run(zonesep, ["replay", "--config", "zones.conf", raw], timeout: 60, in: root)
        XCTAssertTrue(text.stdoutText.contains("MAC not verified: " + line), text.stdoutText)

        let page = try String(contentsOf: html, encoding: .utf8)
        XCTAssertTrue(page.contains("data-verdict=\"clean\""), "nothing violated")
        XCTAssertTrue(page.contains("data-limited=\"true\""), "a conduit's MAC was not verified")
        XCTAssertTrue(page.contains("conduit flows, MAC not verified"), "the limits name it")
        // `report` on the saved run reads the count back.
        let saved = scratch.appendingPathComponent("saved.jsonl")
        try outcome.stdout.write(to: saved)
        let again = scratch.appendingPathComponent("again.html")
        let report = try Harness.run(
            zonesep, ["report", saved.path, "--config", "zones.conf", "-o", again.path], timeout: 60, in: root)
        XCTAssertEqual(report.status, 0, report.brief)
        XCTAssertEqual(try Data(contentsOf: again), try Data(contentsOf: html), "report ≠ replay --report")
    }
}
