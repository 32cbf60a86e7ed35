import Foundation
import XCTest

#if canImport(Glibc)
    import Glibc
#endif

/// sFlow whose agent address is not the datagram's source (a relay forwarding switches' datagrams, or an
/// agent configured with another address), sent to `zonesep collect` over loopback. Sequence numbers were
/// kept per source address, port and sub-agent, so two agents behind one relay read as each other's gaps
/// and resets (1,995 datagrams "missed" of none lost); and the exporter row, keyed by the source address,
/// said 0 flows while the flows were counted under the agent address, which has no row.
extension CollectTests {
    /// An sFlow v5 datagram of `agent`, sub-agent 0, with one flow sample (1 in 1) of a TCP SYN from
    /// 10.10.1.`host` to 10.30.1.9:443: a My Number host to the Internet zone, mynumber-isolation.
    static func sflow(agent: UInt64, sequence: UInt64, host: UInt8) -> [UInt8] {
        let frame =
            be([(0x0200_0000_0002, 6), (0x0200_0000_0001, 6), (0x0800, 2)])
            + be([(0x4500_0028, 4), (0, 4), (0x4006_0000, 4), (0x0a0a_0100 | UInt64(host), 4), (0x0a1e_0109, 4)])
            + be([(40000 + UInt64(host), 2), (443, 2), (1, 4), (0, 4), (0x5002_ffff, 4), (0, 4)])
        let header = frame + [0, 0]  // 54 bytes, padded to 56
        let rawHeader =
            be([(1, 4), (UInt64(16 + header.count), 4), (1, 4), (UInt64(frame.count + 4), 4), (4, 4)])
            + be([(UInt64(frame.count), 4)]) + header
        let sample =
            be([(sequence, 4), (3, 4), (1, 4), (sequence, 4), (0, 4), (0, 4), (0, 4), (1, 4)]) + rawHeader
        return be([(5, 4), (1, 4), (agent, 4), (0, 4), (sequence, 4), (1000, 4), (1, 4)])
            + be([(1, 4), (UInt64(sample.count), 4)]) + sample
    }

    static let agent9: UInt64 = 0xc000_0209  // 192.0.2.9
    static let agent10: UInt64 = 0xc000_020a  // 192.0.2.10

    /// The reviewer's repro: agents 192.0.2.9 (101…105) and 192.0.2.10 (501…505) alternate from one
    /// socket, none lost; then 192.0.2.10 jumps to 508, two datagrams lost, which is still a gap.
    func testTwoAgentsBehindOneRelayKeepTheirOwnSequences() throws {
        var datagrams: [[UInt8]] = []
        for i: UInt64 in 1...5 {
            datagrams.append(Self.sflow(agent: Self.agent9, sequence: 100 + i, host: UInt8(i)))
            datagrams.append(Self.sflow(agent: Self.agent10, sequence: 500 + i, host: UInt8(10 + i)))
        }
        datagrams.append(Self.sflow(agent: Self.agent9, sequence: 106, host: 6))
        datagrams.append(Self.sflow(agent: Self.agent10, sequence: 508, host: 16))
        let run = try collect(extra: ["--stats-interval", "0"]) { c in try Self.send(datagrams, to: c.port) }
        let e = try exporter(run.summary)
        XCTAssertEqual(e["exporter"] as? String, "127.0.0.1")
        XCTAssertEqual(JSONLines.int(e["datagrams"]), 12, "\(e)")
        XCTAssertEqual(JSONLines.int(e["sequence_gaps"]), 1, "\(e)")
        XCTAssertEqual(JSONLines.int(e["missed_datagrams"]), 2, "\(e)")
        XCTAssertEqual(JSONLines.int(e["sequence_resets"]), 0, "\(e)")
        XCTAssertEqual(JSONLines.int(e["late_datagrams"]), 0, "\(e)")
        XCTAssertEqual(
            Set(run.alerts.compactMap { $0["exporter"] as? String }), ["192.0.2.9", "192.0.2.10"],
            "an alert names the agent")
    }

    /// The reviewer's repro: one agent, 192.0.2.9, sending from 127.0.0.1, two sampled SYNs. The row of
    /// 127.0.0.1 (the only one: statistics are kept per source address) counts the 2 flows, in the summary,
    /// the stats record, the metrics and the text summary, so the rows add up to `flows`.
    func testFlowsOfAnAgentBehindARelayCountInTheRowOfItsSource() throws {
        let curl = try XCTUnwrap(Tools.find("curl"), "curl is not installed")
        let datagrams = [
            Self.sflow(agent: Self.agent9, sequence: 1, host: 5), Self.sflow(agent: Self.agent9, sequence: 2, host: 6),
        ]
        var scrape = ""
        let run = try collect(extra: ["--metrics", "127.0.0.1:0"]) { c in
            try Self.send(datagrams, to: c.port)
            usleep(1_200_000)  // the metrics are refreshed once a second
            let line = c.stderr.split(separator: "\n").first { $0.contains("metrics at http://127.0.0.1:") } ?? ""
            let url = String(line[(line.range(of: "http://")?.lowerBound ?? line.endIndex)...])
            scrape = try Harness.run(curl, ["-sS", "--max-time", "5", url], timeout: 20).stdoutText
        }
        XCTAssertEqual(run.alerts.count, 2)
        XCTAssertEqual(Set(run.alerts.compactMap { $0["exporter"] as? String }), ["192.0.2.9"])
        XCTAssertEqual(JSONLines.int(run.summary["flows"]), 2)
        let e = try exporter(run.summary)
        XCTAssertEqual(e["exporter"] as? String, "127.0.0.1")
        XCTAssertEqual(JSONLines.int(e["flows"]), 2, "\(e)")
        let stats = try XCTUnwrap(run.records.last { $0["event_type"] as? String == "stats" })
        XCTAssertEqual(JSONLines.int(stats["flows"]), 2)
        XCTAssertEqual(JSONLines.int(try exporter(stats)["flows"]), 2, "\(stats)")
        XCTAssertEqual(Self.samples(scrape)["zonesep_export_flows_total{exporter=\"127.0.0.1\"}"], 2, scrape)

        // The text summary's exporter line.
        let port = UInt16(20_000 + Int(getpid() % 10_000) + Int.random(in: 0..<10_000))
        let p = Process()
        p.executableURL = try Harness.zonesep()
        p.arguments = [
            "collect", "--config", "zones.conf", "--listen", "udp://127.0.0.1:\(port)", "--stats-interval", "0",
        ]
        p.currentDirectoryURL = root
        let (out, err) = (Pipe(), Pipe())
        p.standardOutput = out
        p.standardError = err
        try p.run()
        var said = Data()
        while p.isRunning, !String(decoding: said, as: UTF8.self).contains("collecting") {
            said += err.fileHandleForReading.availableData
        }
        try Self.send(datagrams, to: port)
        usleep(500_000)
        kill(p.processIdentifier, SIGTERM)
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0)
        XCTAssertTrue(text.contains("exporter 127.0.0.1: 2 datagrams, 2 records, 2 flows,"), text)
    }

    /// pmacctd's sfprobe, configured with an agent address that is not the one it sends from (as a switch
    /// behind a relay appears), exporting the demonstration captures: the alerts name the agent, and the
    /// row of the source address counts every flow.
    func testPmacctSFlowWithAnotherAgentAddress() throws {
        let (alerts, summary) = try collect {
            try pmacctd(
                $0, plugin: "sfprobe",
                ["sfprobe_receiver[p]: 127.0.0.1:PORT", "sfprobe_agentip[p]: 192.0.2.9", "sampling_rate[p]: 1"])
        }
        XCTAssertGreaterThan(alerts.count, 20)
        XCTAssertEqual(Set(alerts.compactMap { $0["exporter"] as? String }), ["192.0.2.9"])
        let flows = try XCTUnwrap(JSONLines.int(summary["flows"]))
        XCTAssertGreaterThan(flows, 40)
        let e = try exporter(summary)
        XCTAssertEqual(e["exporter"] as? String, "127.0.0.1")
        XCTAssertEqual(JSONLines.int(e["flows"]), flows, "\(e)")
    }
}
