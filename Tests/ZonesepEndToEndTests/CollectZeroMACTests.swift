import Foundation
import XCTest
import ZonesepTestSupport

/// An all-zero MAC (00:00:00:00:00:00) in a flow record's MAC field is what some exporters write where they
/// could not fill it: it is read as no MAC in the record, not as a device. Read as a MAC, it raised a
/// critical `conduit-mac-mismatch` ("seen initiator 00:00:00:00:00:00") at a conduit flow's first record
/// and at a later one (REVIEW-148 F12d), and fed the host rules a device that every such record shared.
extension CollectTests {
    /// A NetFlow v9 packet of conduit records 10.10.1.5:`port` → 172.20.9.9:443 with IN_SRC_MAC (56) and
    /// IN_DST_MAC (80), the destination the core switch's; times are uptimes, 1 s and 0.9 s before the
    /// header's 100 s.
    static func v9ConduitRecords(_ records: [(port: UInt64, mac: UInt64)], unixSecs: UInt64) -> [UInt8] {
        let fields: [(UInt64, UInt64)] =
            [(8, 4), (12, 4), (7, 2), (11, 2), (4, 1), (6, 1), (22, 4), (21, 4), (56, 6), (80, 6)]
        let template = exportSet(
            0, be([(260, 2), (UInt64(fields.count), 2)] + fields.flatMap { [($0.0, 2), ($0.1, 2)] }))
        let data = records.flatMap { r in
            be([
                (0x0a0a_0105, 4), (0xac14_0909, 4), (r.port, 2), (443, 2), (6, 1), (0x02, 1), (99_000, 4),
                (99_100, 4), (r.mac, 6), (0x0200_0000_0001, 6),
            ])
        }
        return netflowV9Packet(unixSecs: unixSecs, template, exportSet(260, data))
    }

    func testAnAllZeroMACIsNoMACInTheRecord() throws {
        let t = Self.farT0ms - 600_000
        let registered: UInt64 = 0x0200_0a0a_0105
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zonesep-collect-zeromac-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let flowsFile = dir.appendingPathComponent("flows.jsonl")
        let run = try collect(extra: ["--flows", flowsFile.path, "--stats-interval", "0"]) { c in
            // IPFIX: 51000 checked at its first record, then a record with a zero MAC; 51001 zero at its first
            // record, then no more.
            try Self.send(
                Self.conduitRecords(
                    [(51000, registered, 0x02, t, t + 60_000), (51001, 0, 0x02, t, t + 60_000)],
                    exportTime: Self.farT0 - 500, sequence: 0), from: "127.0.0.1", to: c.port)
            try Self.send(
                Self.conduitRecords(
                    [(51000, 0, 0x10, t + 60_000, t + 120_000)], exportTime: Self.farT0 - 400, sequence: 2),
                from: "127.0.0.1", to: c.port)
            // NetFlow v9 from a second exporter: a flow whose one record has a zero MAC.
            try Self.send(Self.v9ConduitRecords([(52000, 0)], unixSecs: Self.farT0), from: "127.0.0.2", to: c.port)
        }
        XCTAssertEqual(run.alerts.count, 0, "\(run.alerts)")
        let flows = try Self.flowsByPort(flowsFile)
        XCTAssertEqual(flows.count, 3, "\(flows)")
        XCTAssertTrue(flows[51000]?["verdict"] is NSNull, "\(flows)")
        XCTAssertEqual(flows[51000]?["src_mac"] as? String, "02:00:0a:0a:01:05", "the MAC checked")
        for port in [51001, 52000] {
            let f = try XCTUnwrap(flows[port], "\(flows)")
            XCTAssertTrue(f["verdict"] is NSNull, "\(f)")
            XCTAssertTrue(f["src_mac"] is NSNull, "no MAC in the record: \(f)")
            XCTAssertEqual(f["mac_check"] as? String, "not-in-record", "\(f)")
        }
        XCTAssertEqual(JSONLines.int(run.summary["conduit_mac_not_verified"]), 2, "\(run.summary)")
        XCTAssertEqual(
            JSONLines.int((run.summary["host_table"] as? [String: Any])?["records_with_mac"]), 1,
            "the one record with a source MAC: \(run.summary)")
    }
}
