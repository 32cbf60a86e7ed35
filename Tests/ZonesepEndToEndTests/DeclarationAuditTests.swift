import Foundation
import XCTest
import ZonesepTestSupport

/// The audit of the policy's own declarations on a capture written here: an exception used by three flows,
/// one never used, one expiring within 30 days of the last packet, one already expired that two flows still
/// ask for, and a gateway; the summary's counts, and the same in `zonesep report` of the saved run.
final class DeclarationAuditTests: XCTestCase {
    static let zonesConf =
        ZonesText.sensor("declaration-audit") + ZonesText.zone("lgwan", "10.20.0.0/16") + "\n"
        + ZonesText.zone("internet", "10.30.0.0/16") + """

            # Every frame below carries the one MAC pair: the core switch's (the replies from outside come
            # through it), declared so the host rules leave it alone.
            [[routers]]
            name = "core"
            macs = ["02:00:00:00:00:01"]

            [[gateways]]
            name = "cloud"
            addresses = ["203.0.113.10"]

            [[exceptions]]
            name = "used"
            from = ["10.30.0.0/16"]
            to = ["198.51.100.0/24"]
            ports = ["udp/3478"]
            approved = "No.1"
            expires = 2027-03-31

            [[exceptions]]
            name = "unused"
            from = ["10.30.0.0/16"]
            to = ["192.0.2.0/24"]
            ports = ["tcp/22"]
            approved = "No.2"
            expires = 2027-03-31

            [[exceptions]]
            name = "expiring"
            from = ["10.30.0.0/16"]
            to = ["198.51.100.77"]
            ports = ["udp/5000"]
            approved = "No.3"
            expires = 2026-07-01

            [[exceptions]]
            name = "expired"
            from = ["10.30.0.0/16"]
            to = ["198.51.100.88"]
            ports = ["udp/6000"]
            approved = "No.4"
            expires = 2026-06-01

            """

    /// An Ethernet/IPv4/UDP frame with `payload` bytes of payload.
    static func udp(_ src: [UInt8], _ sport: UInt16, _ dst: [UInt8], _ dport: UInt16, payload: Int) -> [UInt8] {
        func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xff)] }
        let ip = PcapBytes.ipv4(17, id: 1, src, dst, payload: 8 + payload)
        let udp = be16(sport) + be16(dport) + be16(UInt16(8 + payload)) + [0, 0]
        let eth: [UInt8] = [2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00]
        return eth + ip + udp + [UInt8](repeating: 0x61, count: payload)
    }

    func testUsedUnusedExpiringAndExpiredDeclarationsAreCounted() throws {
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("zonesep-decl-\(UUID().uuidString)")
        try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? fm.removeItem(at: dir) }
        let conf = dir.appendingPathComponent("zones.conf")
        try Self.zonesConf.write(to: conf, atomically: true, encoding: .utf8)

        // 2026-06-15T00:00:00Z, one frame a second.
        let t0: Int64 = 1_781_481_600_000_000
        var frames: [[UInt8]] = []
        let host: [UInt8] = [10, 30, 1, 1]
        for i in 0..<3 {  // "used": three flows, a request and a reply each
            frames.append(Self.udp(host, 40001 + UInt16(i), [198, 51, 100, 5], 3478, payload: 100))
            frames.append(Self.udp([198, 51, 100, 5], 3478, host, 40001 + UInt16(i), payload: 200))
        }
        frames.append(Self.udp(host, 40010, [198, 51, 100, 77], 5000, payload: 10))  // "expiring"
        for i in 0..<2 {  // "expired": two flows, each a violation now
            frames.append(Self.udp(host, 40020 + UInt16(i), [198, 51, 100, 88], 6000, payload: 10))
        }
        frames.append(Self.udp(host, 40030, [203, 0, 113, 10], 53, payload: 30))  // the gateway
        let capture = dir.appendingPathComponent("decl.pcap")
        var pcap = PcapBytes()
        for (i, frame) in frames.enumerated() { pcap.append(frame, micros: t0 + Int64(i) * 1_000_000) }
        try pcap.data.write(to: capture)

        let zonesep = try Harness.zonesep()
        let outcome = try Harness.run(
            zonesep, ["replay", "--config", conf.path, "--output", "json", capture.path], timeout: 60)
        XCTAssertEqual(outcome.status, 1, outcome.brief)
        let (alerts, summaryObject, problems) = JSONLines.replay(outcome)
        XCTAssertEqual(problems, [])
        XCTAssertEqual(alerts.map { $0.object["rule"] as? String }, ["security-cloud-bypass", "security-cloud-bypass"])
        let summary = try XCTUnwrap(summaryObject)
        let list = try XCTUnwrap(summary["declarations"] as? [[String: Any]])
        XCTAssertEqual(list.map { $0["name"] as? String }, ["cloud", "used", "unused", "expiring", "expired"])
        var by: [String: [String: Any]] = [:]
        for d in list { by[d["name"] as? String ?? ""] = d }

        let used = try XCTUnwrap(by["used"])
        XCTAssertEqual(used["type"] as? String, "exception")
        XCTAssertEqual(JSONLines.int(used["flows"]), 3)
        XCTAssertEqual(JSONLines.int(used["packets"]), 6)
        // Each request 14 + 20 + 8 + 100 bytes, each reply 14 + 20 + 8 + 200.
        XCTAssertEqual(JSONLines.int(used["bytes"]), 3 * (142 + 242))
        XCTAssertEqual(used["first_seen"] as? String, "2026-06-15T00:00:00.000000Z")
        XCTAssertEqual(used["last_seen"] as? String, "2026-06-15T00:00:05.000000Z")
        XCTAssertEqual(used["unused"] as? Bool, false)
        XCTAssertEqual(used["expiring"] as? Bool, false)
        XCTAssertEqual(used["expires"] as? String, "2027-03-31T15:00:00.000000Z")

        let unused = try XCTUnwrap(by["unused"])
        XCTAssertEqual(JSONLines.int(unused["flows"]), 0)
        XCTAssertEqual(unused["unused"] as? Bool, true)
        XCTAssertTrue(JSONLines.isNull(unused["first_seen"]) && JSONLines.isNull(unused["last_seen"]))
        XCTAssertEqual(unused["expiring"] as? Bool, false)

        let expiring = try XCTUnwrap(by["expiring"])
        XCTAssertEqual(JSONLines.int(expiring["flows"]), 1)
        XCTAssertEqual(JSONLines.int(expiring["bytes"]), 52)
        XCTAssertEqual(expiring["expiring"] as? Bool, true)
        XCTAssertEqual(expiring["expired"] as? Bool, false)

        let expired = try XCTUnwrap(by["expired"])
        XCTAssertEqual(JSONLines.int(expired["flows"]), 0)
        XCTAssertEqual(expired["unused"] as? Bool, true)
        XCTAssertEqual(expired["expired"] as? Bool, true)
        XCTAssertEqual(expired["expiring"] as? Bool, false)
        XCTAssertEqual(JSONLines.int(expired["flows_after_expiry"]), 2)

        let cloud = try XCTUnwrap(by["cloud"])
        XCTAssertEqual(cloud["type"] as? String, "gateway")
        XCTAssertEqual(JSONLines.int(cloud["flows"]), 1)
        XCTAssertNil(cloud["expires"], "only exceptions have an expiry")

        // The saved run's report shows the same table.
        let saved = dir.appendingPathComponent("run.jsonl")
        try outcome.stdout.write(to: saved)
        let md = dir.appendingPathComponent("report.md")
        let report = try Harness.run(
            zonesep, ["report", saved.path, "--config", conf.path, "-o", md.path, "--report-format", "md"],
            timeout: 60)
        XCTAssertEqual(report.status, 0, report.brief)
        let text = try String(contentsOf: md, encoding: .utf8)
        let rows = text.split(separator: "\n").filter { $0.hasPrefix("| exception") || $0.hasPrefix("| gateway") }
        func row(_ name: String) -> String { String(rows.first { $0.contains("| \(name) ") } ?? "") }
        XCTAssertTrue(row("used").contains("| 3 "), row("used"))
        XCTAssertTrue(row("unused").contains("unused"), row("unused"))
        XCTAssertTrue(row("expiring").contains("expiring"), row("expiring"))
        XCTAssertTrue(row("expired").contains("expired, 2 flows after expiry"), row("expired"))
        XCTAssertTrue(row("cloud").contains("| 1 "), row("cloud"))
    }
}
