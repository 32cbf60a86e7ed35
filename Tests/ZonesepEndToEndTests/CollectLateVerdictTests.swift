import Foundation
import XCTest
import ZonesepTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A long flow's later records judge it again, as `replay` judges a flow's later packets: a record that runs
/// past the expiry of the exception that allowed the flow raises the rule's alert then (unless another
/// declaration allows it), and a record that carries another MAC for a side a conduit names raises
/// `conduit-mac-mismatch`. Before, `collect` judged a flow at its first record alone, and a connection
/// allowed by an exception stayed allowed in every later record, long after the exception expired.
extension CollectTests {
    /// 'vendor-remote-maintenance' of zones.conf (10.30.9.0/24 to 192.0.2.200 tcp/22) expires at
    /// 2026-06-15 JST: through the end of that day, until 2026-06-15T15:00:00Z: in ms.
    static let maintenanceExpiry: UInt64 = 1_781_535_600_000

    /// A record of an IPFIX template without MACs: 10.30.9.5:`port` to 192.0.2.200:22, ms times.
    struct Late {
        var port: UInt64
        var flags: UInt64
        var start: UInt64
        var end: UInt64
    }

    /// An IPFIX message (template and data) of `records`, exported at `exportTime` (s).
    static func maintenance(_ records: [Late], exportTime: UInt64, sequence: UInt64) -> [UInt8] {
        let fields: [(UInt64, UInt64)] = [(8, 4), (12, 4), (7, 2), (11, 2), (4, 1), (6, 1), (152, 8), (153, 8)]
        let template = exportSet(
            2, be([(257, 2), (UInt64(fields.count), 2)] + fields.flatMap { [($0.0, 2), ($0.1, 2)] }))
        let data = records.flatMap { r in
            be([
                (0x0a1e_0905, 4), (0xc000_02c8, 4), (r.port, 2), (22, 2), (6, 1), (r.flags, 1), (r.start, 8),
                (r.end, 8),
            ])
        }
        return ipfixMessage(exportTime: exportTime, sequence: sequence, template, exportSet(257, data))
    }

    /// The summary's `declarations` entry of exception `name`.
    static func exception(_ name: String, in summary: [String: Any]) -> [String: Any]? {
        (summary["declarations"] as? [[String: Any]])?.first {
            $0["type"] as? String == "exception" && $0["name"] as? String == name
        }
    }

    /// Sends record `r` of the maintenance session to the collector on `port`, as its exporter would 10 s
    /// after the record's end.
    static func sendMaintenance(_ r: Late, sequence: UInt64, to port: UInt16) throws {
        try send(maintenance([r], exportTime: r.end / 1000 + 10, sequence: sequence), from: "127.0.0.1", to: port)
    }

    /// Writes `text` over `conf`, sends the collector SIGHUP, and waits until it says it reloaded.
    static func reload(_ c: Running, _ conf: URL, to text: String) throws {
        try text.write(to: conf, atomically: true, encoding: .utf8)
        kill(c.pid, SIGHUP)
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, !c.stderr.contains("reloaded") { usleep(50_000) }
        XCTAssertTrue(c.stderr.contains("reloaded \(conf.path)"), c.stderr)
    }

    /// The flow records of `file`, by source port.
    static func flowsByPort(_ file: URL) throws -> [Int: [String: Any]] {
        let flows = try String(contentsOf: file, encoding: .utf8).split(separator: "\n").compactMap(JSONLines.object)
        return Dictionary(flows.map { (JSONLines.int($0["src_port"]) ?? 0, $0) }) { a, _ in a }
    }

    /// Maintenance sessions exported as two records: one whose second record starts after the expiry (alert
    /// dated by that record's start, the first packet after the expiry), one whose second record straddles
    /// it (dated by its end: the record does not tell when its first packet after the expiry came), and one
    /// whose last record ended before it (allowed); and a session of one record straddling the expiry.
    func testARecordAfterTheExceptionExpiredRaisesTheAlertThen() throws {
        let x = Self.maintenanceExpiry
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zonesep-collect-expiry-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let flowsFile = dir.appendingPathComponent("flows.jsonl")
        let run = try collect(extra: ["--flows", flowsFile.path, "--stats-interval", "0"]) { c in
            let first = [51001, 51002, 51003].map { Late(port: $0, flags: 0x02, start: x - 600_000, end: x - 300_000) }
            try Self.send(
                Self.maintenance(first, exportTime: x / 1000 - 290, sequence: 0), from: "127.0.0.1", to: c.port)
            let second = [
                Late(port: 51001, flags: 0x10, start: x + 30_000, end: x + 60_000),
                Late(port: 51002, flags: 0x10, start: x - 300_000, end: x - 1),
                Late(port: 51003, flags: 0x10, start: x - 60_000, end: x + 45_000),
                // A session whose first record already straddles the expiry: judged at its start, then again.
                Late(port: 51004, flags: 0x02, start: x - 20_000, end: x + 50_000),
            ]
            try Self.send(
                Self.maintenance(second, exportTime: x / 1000 + 70, sequence: 3), from: "127.0.0.1", to: c.port)
        }
        let byPort = Dictionary(run.alerts.map { (JSONLines.int($0["src_port"]) ?? 0, $0) }) { a, _ in a }
        XCTAssertEqual(run.alerts.count, 3, "\(run.alerts)")
        XCTAssertEqual(byPort[51001]?["rule"] as? String, "security-cloud-bypass")
        XCTAssertEqual(byPort[51001]?["timestamp"] as? String, "2026-06-15T15:00:30.000000Z", "the record's start")
        XCTAssertEqual(byPort[51003]?["rule"] as? String, "security-cloud-bypass")
        XCTAssertEqual(byPort[51003]?["timestamp"] as? String, "2026-06-15T15:00:45.000000Z", "the record's end")
        XCTAssertEqual(byPort[51004]?["timestamp"] as? String, "2026-06-15T15:00:50.000000Z", "its one record's end")
        XCTAssertNil(byPort[51002], "its last record ended before the expiry")
        XCTAssertEqual(
            JSONLines.int(
                ((run.summary["alerts"] as? [String: Any])?["by_rule"] as? [String: Any])?["security-cloud-bypass"]),
            3, "\(run.summary)")
        let maintenance = try XCTUnwrap(Self.exception("vendor-remote-maintenance", in: run.summary), "\(run.summary)")
        XCTAssertEqual(JSONLines.int(maintenance["flows_after_expiry"]), 3, "\(maintenance)")
        XCTAssertEqual(JSONLines.int(maintenance["flows"]), 4, "it allowed all four until the expiry")
        XCTAssertEqual(maintenance["expired"] as? Bool, true)

        let flows = try Self.flowsByPort(flowsFile)
        XCTAssertEqual(flows.count, 4, "\(flows)")
        XCTAssertEqual(flows[51001]?["verdict"] as? String, "security-cloud-bypass")
        XCTAssertEqual(flows[51001]?["start"] as? String, "2026-06-15T14:50:00.000000Z", "the flow's first record")
        XCTAssertEqual(flows[51003]?["verdict"] as? String, "security-cloud-bypass")
        XCTAssertTrue(flows[51002]?["verdict"] is NSNull, "\(flows)")
        XCTAssertEqual(
            (flows[51002]?["allowed_by"] as? [String: Any])?["name"] as? String, "vendor-remote-maintenance")
    }

    /// zones.conf with `extra` inserted before its first conduit (`before`: true) or appended, in `dir`; and
    /// the shipped file's text.
    func config(in dir: URL, _ extra: String, before: Bool = false) throws -> (URL, String) {
        let conf = dir.appendingPathComponent("zones.conf")
        let original = try String(contentsOf: root.appendingPathComponent("zones.conf"), encoding: .utf8)
        let edited =
            before
            ? original.replacingOccurrences(of: "[[conduits]]\n", with: extra + "[[conduits]]\n") : original + extra
        XCTAssertNotEqual(edited, original)
        try edited.write(to: conf, atomically: true, encoding: .utf8)
        return (conf, original)
    }

    /// A renewal of the maintenance exception added after it (a new approval, the old entry left): the
    /// session's record after the old one's expiry is allowed by the renewal, and credited to it.
    func testARenewalAllowsTheRecordAfterTheExpiry() throws {
        let x = Self.maintenanceExpiry
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zonesep-collect-renewal-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let (conf, _) = try config(
            in: dir,
            """

            [[exceptions]]
            name = "vendor-remote-maintenance-renewed"
            from = ["10.30.9.0/24"]
            to = ["192.0.2.200"]
            ports = ["tcp/22"]
            approved = "CISO承認 2026-06-14 第33号"
            expires = 2026-06-30

            """)
        let run = try collect(config: conf.path, extra: ["--stats-interval", "0"]) { c in
            try Self.sendMaintenance(
                Late(port: 51001, flags: 0x02, start: x - 600_000, end: x - 300_000), sequence: 0, to: c.port)
            try Self.sendMaintenance(
                Late(port: 51001, flags: 0x10, start: x + 30_000, end: x + 60_000), sequence: 1, to: c.port)
        }
        XCTAssertEqual(run.alerts.count, 0, "\(run.alerts)")
        let old = try XCTUnwrap(Self.exception("vendor-remote-maintenance", in: run.summary), "\(run.summary)")
        let renewed = try XCTUnwrap(Self.exception("vendor-remote-maintenance-renewed", in: run.summary))
        XCTAssertEqual(JSONLines.int(old["flows_after_expiry"]), 0, "\(old)")
        XCTAssertEqual(JSONLines.int(renewed["flows"]), 1, "the one that allowed it last: \(renewed)")
        XCTAssertEqual(JSONLines.int(old["flows"]), 0, "\(old)")
    }

    /// A SIGHUP that changes zones.conf (a conduit added before the others: every declaration's index
    /// moves) between a session's two records does not exempt it: the exception of that name in the file
    /// now in force expires, and the record after it raises the alert.
    func testAReloadBetweenTheRecordsDoesNotExemptTheFlow() throws {
        let x = Self.maintenanceExpiry
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zonesep-collect-xreload-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let (conf, original) = try config(
            in: dir,
            """
            [[conduits]]
            name = "spare-link"
            from = { addresses = ["10.10.1.6"] }
            to = { addresses = ["172.20.9.9"] }
            ports = ["tcp/443"]


            """, before: true)
        let edited = try String(contentsOf: conf, encoding: .utf8)
        try original.write(to: conf, atomically: true, encoding: .utf8)
        let run = try collect(config: conf.path, extra: ["--stats-interval", "0"]) { c in
            try Self.sendMaintenance(
                Late(port: 51001, flags: 0x02, start: x - 600_000, end: x - 300_000), sequence: 0, to: c.port)
            try Self.reload(c, conf, to: edited)
            try Self.sendMaintenance(
                Late(port: 51001, flags: 0x10, start: x + 30_000, end: x + 60_000), sequence: 1, to: c.port)
        }
        XCTAssertEqual((run.summary["reloads"] as? [[String: Any]])?.count, 1, "\(run.summary)")
        XCTAssertEqual(run.alerts.count, 1, "\(run.alerts)")
        XCTAssertEqual(run.alerts.first?["rule"] as? String, "security-cloud-bypass")
        XCTAssertEqual(run.alerts.first?["timestamp"] as? String, "2026-06-15T15:00:30.000000Z")
        let maintenance = try XCTUnwrap(Self.exception("vendor-remote-maintenance", in: run.summary), "\(run.summary)")
        XCTAssertEqual(JSONLines.int(maintenance["flows_after_expiry"]), 1, "\(maintenance)")
    }

    /// A SIGHUP that withdraws the maintenance exception between a session's two records, both before its
    /// expiry (the CISO's way to end an approval now), ends the session's allowance: its next record raises
    /// the rule's alert, dated by its start (REVIEW-148 F2: it stayed allowed for good, by no declaration,
    /// even past the date). Renamed instead (a new approval number), the renamed entry allows it and is
    /// credited with it.
    func testAReloadThatWithdrawsOrRenamesTheExceptionEndsOrMovesTheAllowance() throws {
        let x = Self.maintenanceExpiry
        let original = try String(contentsOf: root.appendingPathComponent("zones.conf"), encoding: .utf8)
        let line =
            "name = \"vendor-remote-maintenance\"           # 保守業者 remote maintenance of the 財務会計 package, today only\n"
        XCTAssertTrue(original.contains(line))
        let renamed = original.replacingOccurrences(of: line, with: "name = \"vendor-remote-maintenance-no32\"\n")
        let removed = original.replacingOccurrences(
            of: "[[exceptions]]\n" + line + "from = [\"10.30.9.0/24\"]\nto = [\"192.0.2.200\"]\nports = [\"tcp/22\"]\n"
                + "approved = \"CISO承認 2026-06-12 第31号\"\nexpires = 2026-06-15\n\n", with: "")
        XCTAssertNotEqual(removed, original)
        for (name, edited) in [("removed", removed), ("renamed", renamed)] {
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zonesep-collect-\(name)-\(UUID())")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: dir) }
            let conf = dir.appendingPathComponent("zones.conf")
            try original.write(to: conf, atomically: true, encoding: .utf8)
            let run = try collect(config: conf.path, extra: ["--stats-interval", "0"]) { c in
                try Self.sendMaintenance(
                    Late(port: 51001, flags: 0x02, start: x - 900_000, end: x - 800_000), sequence: 0, to: c.port)
                try Self.reload(c, conf, to: edited)
                try Self.sendMaintenance(
                    Late(port: 51001, flags: 0x10, start: x - 200_000, end: x - 100_000), sequence: 1, to: c.port)
            }
            XCTAssertEqual((run.summary["reloads"] as? [[String: Any]])?.count, 1, "\(name): \(run.summary)")
            if name == "removed" {
                XCTAssertEqual(run.alerts.count, 1, "\(run.alerts)")
                XCTAssertEqual(run.alerts.first?["rule"] as? String, "security-cloud-bypass")
                XCTAssertEqual(run.alerts.first?["timestamp"] as? String, "2026-06-15T14:56:40.000000Z")
                XCTAssertNil(Self.exception("vendor-remote-maintenance", in: run.summary))
            } else {
                XCTAssertEqual(run.alerts.count, 0, "\(run.alerts)")
                let entry = try XCTUnwrap(Self.exception("vendor-remote-maintenance-no32", in: run.summary))
                XCTAssertEqual(JSONLines.int(entry["flows"]), 1, "credited to the renamed entry: \(entry)")
            }
        }
    }

    /// An IPFIX message of conduit records 10.10.1.5:`port` to 172.20.9.9:443 with MACs (the source's
    /// `mac`, the destination's the core switch's), ms times.
    static func conduitRecords(
        _ records: [(port: UInt64, mac: UInt64, flags: UInt64, start: UInt64, end: UInt64)], exportTime: UInt64,
        sequence: UInt64
    ) -> [UInt8] {
        let fields: [(UInt64, UInt64)] =
            [(8, 4), (12, 4), (7, 2), (11, 2), (4, 1), (6, 1), (152, 8), (153, 8), (56, 6), (80, 6)]
        let template = exportSet(
            2, be([(258, 2), (UInt64(fields.count), 2)] + fields.flatMap { [($0.0, 2), ($0.1, 2)] }))
        let data = records.flatMap { r in
            be([
                (0x0a0a_0105, 4), (0xac14_0909, 4), (r.port, 2), (443, 2), (6, 1), (r.flags, 1), (r.start, 8),
                (r.end, 8), (r.mac, 6), (0x0200_0000_0001, 6),
            ])
        }
        return ipfixMessage(exportTime: exportTime, sequence: sequence, template, exportSet(258, data))
    }

    /// Two conduit sessions first exported from the registered MAC (checked, allowed); a later record of one
    /// carries another MAC (a device answering for the address since): `conduit-mac-mismatch`, dated by
    /// that record's end, showing the new MAC. The other's later record carries the core switch's MAC (a
    /// declared router: the routed hop's record), which is no other device.
    func testARecordFromAnotherMACThanTheOneCheckedRaisesAMismatch() throws {
        let t = Self.farT0ms - 600_000
        let registered: UInt64 = 0x0200_0a0a_0105
        let rogue: UInt64 = 0x0200_5e10_9905
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zonesep-collect-chmac-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let flowsFile = dir.appendingPathComponent("flows.jsonl")
        let run = try collect(extra: ["--flows", flowsFile.path, "--stats-interval", "0"]) { c in
            try Self.send(
                Self.conduitRecords(
                    [(51000, registered, 0x02, t, t + 60_000), (51001, registered, 0x02, t, t + 60_000)],
                    exportTime: Self.farT0 - 500, sequence: 0), from: "127.0.0.1", to: c.port)
            try Self.send(
                Self.conduitRecords(
                    [
                        (51000, rogue, 0x10, t + 60_000, t + 120_000),
                        (51001, 0x0200_0000_0001, 0x10, t + 60_000, t + 120_000),
                    ],
                    exportTime: Self.farT0 - 400, sequence: 2), from: "127.0.0.1", to: c.port)
        }
        XCTAssertEqual(run.alerts.count, 1, "\(run.alerts)")
        let a = try XCTUnwrap(run.alerts.first)
        XCTAssertEqual(a["rule"] as? String, "conduit-mac-mismatch")
        XCTAssertEqual(JSONLines.int(a["src_port"]), 51000)
        XCTAssertEqual(a["src_mac"] as? String, "02:00:5e:10:99:05", "the new MAC")
        XCTAssertEqual(a["timestamp"] as? String, "2026-11-19T23:52:00.000000Z", "the later record's end")
        XCTAssertNil(a["mac_check"], "the record had MACs")
        let flows = try Self.flowsByPort(flowsFile)
        XCTAssertEqual(flows[51000]?["verdict"] as? String, "conduit-mac-mismatch")
        XCTAssertEqual(flows[51000]?["src_mac"] as? String, "02:00:5e:10:99:05")
        XCTAssertTrue(flows[51001]?["verdict"] is NSNull, "\(flows)")
        XCTAssertEqual(flows[51001]?["src_mac"] as? String, "02:00:0a:0a:01:05", "the MAC checked")
        let conduit = (run.summary["declarations"] as? [[String: Any]])?.first {
            $0["name"] as? String == "intermediate-server"
        }
        XCTAssertEqual(JSONLines.int(conduit?["flows"]), 1, "\(run.summary)")
    }
}
