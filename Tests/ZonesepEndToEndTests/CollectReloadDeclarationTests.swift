import Foundation
import XCTest
import ZonesepTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// REVIEW-82 M2: a SIGHUP that puts a conduit without MACs before 'intermediate-server' while two of its
/// flows wait for their MAC (a core router's NetFlow v5 has none). The flows keep the conduit that allowed
/// them, and its pending MAC check: the switch's later record of a rogue MAC for one raises
/// `conduit-mac-mismatch`, and the other's record names the conduit with `"mac_check":"not-in-record"`.
/// Before, the flow's index into the old declarations was read under the new map: the record named the new
/// conduit, and the late check, made on it, found no MAC to check.
extension CollectTests {
    func testAReloadKeepsTheConduitThatAllowedAFlowAndItsMACCheck() throws {
        let secs = Self.farT0
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zonesep-collect-reload-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let conf = dir.appendingPathComponent("zones.conf")
        let original = try String(contentsOf: root.appendingPathComponent("zones.conf"), encoding: .utf8)
        try original.write(to: conf, atomically: true, encoding: .utf8)
        let spare = """
            [[conduits]]
            name = "spare-link"
            from = { addresses = ["10.10.1.6"] }
            to = { addresses = ["172.20.9.9"] }
            ports = ["tcp/443"]


            """
        let edited = original.replacingOccurrences(of: "[[conduits]]\n", with: spare + "[[conduits]]\n")
        XCTAssertNotEqual(edited, original)
        let flowsFile = dir.appendingPathComponent("flows.jsonl")
        let run = try collect(config: conf.path, extra: ["--flows", flowsFile.path, "--stats-interval", "0"]) { c in
            try Self.send(Self.v5SYNs(ports: [51000, 51002], unixSecs: secs), from: "127.0.0.1", to: c.port)
            try edited.write(to: conf, atomically: true, encoding: .utf8)
            kill(c.pid, SIGHUP)
            let deadline = Date().addingTimeInterval(10)
            while Date() < deadline, !c.stderr.contains("reloaded") { usleep(50_000) }
            XCTAssertTrue(c.stderr.contains("reloaded \(conf.path)"), c.stderr)
            // And again with the file unchanged (logrotate's SIGHUP): no verdict changed, not listed.
            kill(c.pid, SIGHUP)
            let again = Date().addingTimeInterval(10)
            while Date() < again, c.stderr.components(separatedBy: "reloaded \(conf.path)").count < 3 {
                usleep(50_000)
            }
            XCTAssertEqual(c.stderr.components(separatedBy: "reloaded \(conf.path)").count, 3, c.stderr)
            try Self.send(
                Self.ipfixSYNs([(51000, 0x0200_5e10_9905)], unixSecs: secs), from: "127.0.0.2", to: c.port)
        }
        XCTAssertEqual(run.alerts.count, 1, "\(run.alerts)")
        XCTAssertEqual(run.alerts.first?["rule"] as? String, "conduit-mac-mismatch")
        XCTAssertEqual(JSONLines.int(run.alerts.first?["src_port"]), 51000)
        XCTAssertEqual(JSONLines.int(run.summary["conduit_mac_not_verified"]), 1, "\(run.summary)")
        // The summary lists the reload, from the original file's digest to the edited one's (coreutils' own).
        let reloads = try XCTUnwrap(run.summary["reloads"] as? [[String: Any]], "\(run.summary)")
        XCTAssertEqual(reloads.count, 1)
        XCTAssertEqual(reloads.first?["applied"] as? Bool, true)
        XCTAssertEqual(
            reloads.first?["previous_sha256"] as? String,
            try Coreutils.sha256sum(root.appendingPathComponent("zones.conf").path))
        XCTAssertEqual(reloads.first?["config_sha256"] as? String, try Coreutils.sha256sum(conf.path))
        XCTAssertTrue((reloads.first?["timestamp"] as? String)?.hasSuffix("Z") ?? false, "\(reloads)")
        // Said when it happened too, by a `reload` record (none for the unchanged file's SIGHUP).
        let told = run.records.filter { $0["event_type"] as? String == "reload" }
        XCTAssertEqual(told.count, 1, "\(told)")
        XCTAssertEqual(told.first?["applied"] as? Bool, true)
        XCTAssertEqual(told.first?["previous_sha256"] as? String, reloads.first?["previous_sha256"] as? String)
        XCTAssertEqual(told.first?["config_sha256"] as? String, reloads.first?["config_sha256"] as? String)
        XCTAssertEqual(told.first?["config"] as? String, conf.path)
        let flows = try String(contentsOf: flowsFile, encoding: .utf8).split(separator: "\n").compactMap(
            JSONLines.object)
        let byPort = Dictionary(uniqueKeysWithValues: flows.map { (JSONLines.int($0["src_port"]) ?? 0, $0) })
        XCTAssertEqual(byPort.count, 2)
        XCTAssertEqual(byPort[51000]?["verdict"] as? String, "conduit-mac-mismatch")
        XCTAssertTrue(byPort[51002]?["verdict"] is NSNull)
        XCTAssertEqual(
            (byPort[51002]?["allowed_by"] as? [String: Any])?["name"] as? String, "intermediate-server", "\(flows)")
        XCTAssertEqual(byPort[51002]?["mac_check"] as? String, "not-in-record")
    }
}
