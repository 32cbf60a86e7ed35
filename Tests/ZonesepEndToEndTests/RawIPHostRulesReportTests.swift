import Foundation
import XCTest
import ZonesepTestSupport

/// The demonstration's classic pcap captures with their Ethernet headers (and VLAN tags) stripped, written
/// as raw IP (link type 101, a router's or firewall's capture): the flow rules judge the same flows, but no
/// frame shows a MAC, so the host rules can judge no device. The summary counts those packets
/// (`coverage.host_rules_no_mac`) and the audit report must not say that no device stood in two tiers
/// (REVIEW-130 F3).
final class RawIPHostRulesReportTests: ScratchDirectoryTestCase {
    /// The IP packets of classic pcap `data` (Ethernet) without their Ethernet header and tags, as raw IP;
    /// frames with no IP (ARP, ...) are left out.
    static func rawIP(_ data: Data) throws -> (pcap: PcapBytes, packets: Int) {
        XCTAssertEqual(Array(data.prefix(4)), [0xd4, 0xc3, 0xb2, 0xa1], "a little-endian microsecond pcap")
        XCTAssertEqual(data.count > 20 ? data[data.startIndex + 20] : 0, 1, "Ethernet")
        var out = PcapBytes(linkType: 101)
        var packets = 0
        for (micros, frame, wire) in PcapBytes.records(of: data) {
            var header = 12
            var type = Int(frame[header]) << 8 | Int(frame[header + 1])
            while type == 0x8100 || type == 0x88a8 {
                header += 4
                type = Int(frame[header]) << 8 | Int(frame[header + 1])
            }
            header += 2
            guard type == 0x0800 || type == 0x86dd else { continue }
            out.append(Array(frame[header...]), micros: micros, wireLength: wire - header)
            packets += 1
        }
        return (out, packets)
    }

    func replay(_ captures: [URL], report: URL) throws -> (summary: [String: Any], html: String) {
        let outcome = try Harness.run(
            zonesep,
            [
                "replay", "--config", root.appendingPathComponent("zones.conf").path, "--output", "json", "--report",
                report.path,
            ] + captures.map(\.path), timeout: 120)
        XCTAssertTrue(outcome.exitedNormally, outcome.brief)
        let summary = try XCTUnwrap(JSONLines.replay(outcome).summary)
        return (summary, try String(contentsOf: report, encoding: .utf8))
    }

    func testRawIPCopyOfTheDemoSaysTheHostRulesJudgedNothing() throws {
        let names = ["span-2330.pcap", "span-0015.pcap"]
        let originals = names.map { root.appendingPathComponent("captures").appendingPathComponent($0) }
        var copies: [URL] = []
        var ipPackets = 0
        for (name, original) in zip(names, originals) {
            let (pcap, packets) = try Self.rawIP(try Data(contentsOf: original))
            let copy = scratch.appendingPathComponent("raw-" + name)
            try pcap.data.write(to: copy)
            copies.append(copy)
            ipPackets += packets
        }
        XCTAssertGreaterThan(ipPackets, 100)

        // The demonstration itself: every IP packet showed its MAC, and the host rules found its devices.
        let (demo, demoHTML) = try replay(originals, report: scratch.appendingPathComponent("demo.html"))
        let demoCoverage = try XCTUnwrap(demo["coverage"] as? [String: Any])
        XCTAssertEqual(JSONLines.int(demoCoverage["host_rules_no_mac"]), 0)
        XCTAssertTrue(demoHTML.contains("class=\"device\""), "the demonstration's devices")
        XCTAssertFalse(demoHTML.contains("limits-note no-mac"))

        // Said on stderr and in the text summary too, where the demonstration says nothing of it.
        let said = "\(Self.grouped(ipPackets)) of \(Self.grouped(ipPackets)) IP packets showed no source MAC address"
        let text = try Harness.run(
            zonesep, ["replay", "--config", root.appendingPathComponent("zones.conf").path] + copies.map(\.path),
            timeout: 120)
        XCTAssertTrue(text.stderrText.contains(said), text.stderrText)
        XCTAssertTrue(text.stdoutText.contains(said + " (no Ethernet header"), text.stdoutText)
        let plain = try Harness.run(
            zonesep, ["replay", "--config", root.appendingPathComponent("zones.conf").path] + originals.map(\.path),
            timeout: 120)
        XCTAssertFalse(plain.stderrText.contains("showed no source MAC"), plain.stderrText)

        // The report as replay writes it and as `zonesep report` rebuilds it from the saved run: the same bytes.
        let html = try reportBothWays(copies.map(\.path))
        let saved = try String(contentsOf: scratch.appendingPathComponent("saved.jsonl"), encoding: .utf8)
        let raw = try XCTUnwrap(saved.split(separator: "\n").compactMap(JSONLines.object).last)
        XCTAssertEqual(raw["event_type"] as? String, "summary")
        XCTAssertEqual(JSONLines.int(raw["ip_packets"]), ipPackets)
        let coverage = try XCTUnwrap(raw["coverage"] as? [String: Any])
        XCTAssertEqual(JSONLines.int(coverage["host_rules_no_mac"]), ipPackets, "no IP packet showed a MAC")
        XCTAssertEqual(JSONLines.int(raw["flows"]), JSONLines.int(demo["flows"]), "the flows are judged all the same")

        XCTAssertFalse(html.contains("class=\"device\""))
        XCTAssertFalse(html.contains("No device stood in two tiers"), "no all-clear for devices it could not see")
        XCTAssertTrue(html.contains("so the host rules judged nothing"))
        XCTAssertTrue(html.contains("data-limited=\"true\""))
        // Named among the limits, on the first page and in §9.
        XCTAssertTrue(html.contains("MACのないIPパケット \(Self.grouped(ipPackets)) IP packets without a MAC (host rules)"))
        XCTAssertTrue(
            html.contains("IP packets without a source MAC</span></th><td class=\"num\">\(Self.grouped(ipPackets))"))
        let md = try reportBothWays(copies.map(\.path), format: "md")
        XCTAssertTrue(md.contains("| MACのないIPパケット IP packets without a source MAC | \(ipPackets) |\n"), md)
    }

    /// 1204 → "1,204", as the report writes counts.
    static func grouped(_ n: Int) -> String {
        let digits = Array(String(n))
        var out = ""
        for (i, d) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(d)
        }
        return out
    }
}
