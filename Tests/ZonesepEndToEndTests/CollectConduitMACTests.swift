import Foundation
import XCTest
import ZonesepTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A conduit flow first reported by an exporter without MAC fields (NetFlow v5: a core router) and then by
/// one with them (IPFIX from an access switch): the MAC the conduit names is checked when the record that
/// carries it arrives, so the switch's record of a wrong MAC raises `conduit-mac-mismatch` (REVIEW-72 F12).
/// A conduit flow whose MAC no record carried is "allowed, MAC not verified": its flow record says
/// `"mac_check":"not-in-record"`, and the stats, summary and metrics count it.
extension CollectTests {
    /// Sends `datagram` to 127.0.0.1:`port` from a socket bound to `source` (another loopback address: a
    /// second exporter).
    static func send(_ datagram: [UInt8], from source: String, to port: UInt16) throws {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw CocoaError(.fileWriteUnknown) }
        defer { close(fd) }
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        XCTAssertEqual(inet_pton(AF_INET, source, &local.sin_addr), 1)
        let bound = withUnsafePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        XCTAssertEqual(bound, 0, "bind \(source): \(String(cString: strerror(errno)))")
        let sent = Loopback.send(datagram, from: fd, to: port)
        XCTAssertEqual(sent, datagram.count, "sendto: \(String(cString: strerror(errno)))")
        usleep(50_000)
    }

    /// A NetFlow v5 datagram (no MAC fields) of SYN records 10.10.1.5:`port` → 172.20.9.9:443, the conduit
    /// 'intermediate-server' of zones.conf, each starting 1 s before the export time `unixSecs`.
    static func v5SYNs(ports: [UInt16], unixSecs: UInt64) -> [UInt8] {
        let uptime: UInt64 = 600_000
        let header = be([(5, 2), (UInt64(ports.count), 2), (uptime, 4), (unixSecs, 4), (0, 4), (0, 4), (0, 4)])
        return header
            + ports.flatMap { p in
                be([
                    (0x0a0a_0105, 4), (0xac14_0909, 4), (0, 4), (0, 2), (0, 2), (1, 4), (60, 4), (uptime - 1000, 4),
                    (uptime - 900, 4), (UInt64(p), 2), (443, 2), (0, 1), (0x02, 1), (6, 1), (0, 1), (0, 8),
                ])
            }
    }

    /// An IPFIX message whose records carry MACs (sourceMacAddress, destinationMacAddress): a SYN of the same
    /// flows from `mac` to the router 02:00:00:00:00:01, 50 ms into the v5 records' second.
    static func ipfixSYNs(_ flows: [(port: UInt16, mac: UInt64)], unixSecs: UInt64) -> [UInt8] {
        let fields: [(UInt64, UInt64)] =
            [(8, 4), (12, 4), (7, 2), (11, 2), (4, 1), (6, 1), (152, 8), (153, 8)]
            + [(56, 6), (80, 6)]
        let template = exportSet(
            2, be([(256, 2), (UInt64(fields.count), 2)] + fields.flatMap { [($0.0, 2), ($0.1, 2)] }))
        let start = (unixSecs - 1) * 1000 + 50
        let records = flows.flatMap { f in
            be([
                (0x0a0a_0105, 4), (0xac14_0909, 4), (UInt64(f.port), 2), (443, 2), (6, 1), (0x02, 1), (start, 8),
                (start + 100, 8), (f.mac, 6), (0x0200_0000_0001, 6),
            ])
        }
        return ipfixMessage(exportTime: unixSecs, sequence: 0, template, exportSet(256, records))
    }

    func testAConduitMACFirstCarriedByASecondExporterIsCheckedAndOneNeverCarriedIsCounted() throws {
        let secs = Self.farT0
        let rogue: UInt64 = 0x0200_5e10_9905
        let registered: UInt64 = 0x0200_0a0a_0105
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zonesep-collect-mac-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let flowsFile = dir.appendingPathComponent("flows.jsonl")
        let run = try collect(extra: ["--flows", flowsFile.path, "--stats-interval", "0"]) { c in
            // The core router reports three conduit flows without MACs; the switch then reports two of them,
            // one from a rogue MAC and one from the registered MAC; the third (51002) never shows its MAC.
            try Self.send(Self.v5SYNs(ports: [51000, 51001, 51002], unixSecs: secs), from: "127.0.0.1", to: c.port)
            try Self.send(
                Self.ipfixSYNs([(51000, rogue), (51001, registered)], unixSecs: secs), from: "127.0.0.2", to: c.port)
        }
        XCTAssertEqual(run.alerts.count, 1, "\(run.alerts)")
        let a = try XCTUnwrap(run.alerts.first)
        XCTAssertEqual(a["rule"] as? String, "conduit-mac-mismatch")
        XCTAssertEqual(JSONLines.int(a["src_port"]), 51000)
        XCTAssertEqual(a["src_mac"] as? String, "02:00:5e:10:99:05")
        XCTAssertEqual(a["exporter"] as? String, "127.0.0.2", "the exporter whose record showed the MAC")
        XCTAssertEqual(a["input"] as? String, "ipfix")
        XCTAssertNil(a["mac_check"], "the record had MACs")
        XCTAssertEqual(a["timestamp"] as? String, "2026-11-19T23:59:59.150000Z", "dated by that record")

        let stats = try XCTUnwrap(run.records.last { $0["event_type"] as? String == "stats" })
        for (name, record) in [("summary", run.summary), ("stats", stats)] {
            XCTAssertEqual(JSONLines.int(record["conduit_mac_not_verified"]), 1, "\(name): port 51002 only")
        }
        XCTAssertEqual(
            JSONLines.int(
                ((run.summary["alerts"] as? [String: Any])?["by_rule"] as? [String: Any])?["conduit-mac-mismatch"]),
            1, "\(run.summary)")

        let flows = try String(contentsOf: flowsFile, encoding: .utf8).split(separator: "\n").compactMap(
            JSONLines.object)
        XCTAssertEqual(flows.count, 3)
        let byPort = Dictionary(uniqueKeysWithValues: flows.map { (JSONLines.int($0["src_port"]) ?? 0, $0) })
        XCTAssertEqual(byPort[51000]?["verdict"] as? String, "conduit-mac-mismatch")
        XCTAssertNil(byPort[51000]?["mac_check"])
        XCTAssertEqual(byPort[51000]?["input"] as? String, "netflow-v5", "the flow's first record")
        XCTAssertTrue(byPort[51001]?["verdict"] is NSNull)
        XCTAssertEqual(byPort[51001]?["src_mac"] as? String, "02:00:0a:0a:01:05", "verified by the switch's record")
        XCTAssertNil(byPort[51001]?["mac_check"])
        XCTAssertEqual((byPort[51002]?["allowed_by"] as? [String: Any])?["name"] as? String, "intermediate-server")
        XCTAssertEqual(byPort[51002]?["mac_check"] as? String, "not-in-record")
    }

    /// REVIEW-72 F20: a switch template with the ingress source MAC alone (sourceMacAddress, no
    /// destinationMacAddress). The rogue MAC the record carried is the alert's `src_mac` and is named in its
    /// message, with no `mac_check` (the MAC the conduit names was in the record); the flow records keep it.
    func testARecordWithTheSourceMACAloneShowsTheMACItCarried() throws {
        let secs = Self.farT0
        let fields: [(UInt64, UInt64)] = [
            (8, 4), (12, 4), (7, 2), (11, 2), (4, 1), (6, 1), (152, 8), (153, 8), (56, 6),
        ]
        let template = Self.exportSet(
            2, Self.be([(256, 2), (UInt64(fields.count), 2)] + fields.flatMap { [($0.0, 2), ($0.1, 2)] }))
        let start = (secs - 60) * 1000
        let sources: [(port: UInt64, mac: UInt64)] = [(51000, 0x0200_0a0a_0105), (51001, 0x0200_5e10_9905)]
        var records: [UInt8] = []
        for (i, f) in sources.enumerated() {
            let t = start + UInt64(i) * 1000
            records += Self.be([
                (0x0a0a_0105, 4), (0xac14_0909, 4), (f.port, 2), (443, 2), (6, 1), (0x02, 1), (t, 8), (t + 10, 8),
                (f.mac, 6),
            ])
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zonesep-collect-smac-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let flowsFile = dir.appendingPathComponent("flows.jsonl")
        let run = try collect(extra: ["--flows", flowsFile.path, "--stats-interval", "0"]) { c in
            try Self.send(
                Self.ipfixMessage(exportTime: secs, sequence: 0, template, Self.exportSet(256, records)),
                from: "127.0.0.1", to: c.port)
        }
        XCTAssertEqual(run.alerts.count, 1, "\(run.alerts)")
        let a = try XCTUnwrap(run.alerts.first)
        XCTAssertEqual(a["rule"] as? String, "conduit-mac-mismatch")
        XCTAssertEqual(JSONLines.int(a["src_port"]), 51001)
        XCTAssertEqual(a["src_mac"] as? String, "02:00:5e:10:99:05", "the MAC the record carried")
        XCTAssertTrue(a["dest_mac"] is NSNull, "\(a)")
        XCTAssertNil(a["mac_check"], "the MAC the conduit names was in the record")
        let message = try XCTUnwrap(a["message"] as? String)
        XCTAssertTrue(message.contains("seen initiator 02:00:5e:10:99:05"), message)

        let flows = try String(contentsOf: flowsFile, encoding: .utf8).split(separator: "\n").compactMap(
            JSONLines.object)
        let byPort = Dictionary(uniqueKeysWithValues: flows.map { (JSONLines.int($0["src_port"]) ?? 0, $0) })
        XCTAssertEqual(byPort[51000]?["src_mac"] as? String, "02:00:0a:0a:01:05", "verified: \(flows)")
        XCTAssertNil(byPort[51000]?["mac_check"], "verified: \(flows)")
        XCTAssertEqual(
            (byPort[51000]?["allowed_by"] as? [String: Any])?["name"] as? String,
            "intermediate-server")
        XCTAssertEqual(byPort[51001]?["src_mac"] as? String, "02:00:5e:10:99:05", "\(flows)")
        XCTAssertEqual(byPort[51001]?["verdict"] as? String, "conduit-mac-mismatch")
        XCTAssertEqual(JSONLines.int(run.summary["conduit_mac_not_verified"]), 0, "\(run.summary)")
    }
}
