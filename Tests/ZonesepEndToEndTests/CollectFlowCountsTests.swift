import Foundation
import XCTest

/// A flow's packets and bytes in `--flows` (REVIEW-72 F22): routers along one path report the same packets,
/// so each direction counts the records of the first exporter that reported it, not the sum of all; and
/// IPFIX totals (packetTotalCount, octetTotalCount), which each record of a long flow repeats, are the
/// largest reported, not added.
extension CollectTests {
    /// The flows a collector wrote to `--flows` while `export` sent to it.
    func collectedFlows(_ export: (Running) throws -> Void) throws -> [[String: Any]] {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("zonesep-collect-counts-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let flowsFile = dir.appendingPathComponent("flows.jsonl")
        _ = try collect(extra: ["--flows", flowsFile.path, "--stats-interval", "0"], export)
        return try String(contentsOf: flowsFile, encoding: .utf8).split(separator: "\n").compactMap(JSONLines.object)
    }

    func testTheSameFlowFromFourExportersIsCountedOnce() throws {
        let secs = Self.farT0
        let flows = try collectedFlows { c in
            // Four routers on one path each report the same 1-packet, 60-byte SYN.
            for source in ["127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.10"] {
                try Self.send(Self.v5SYNs(ports: [51000], unixSecs: secs), from: source, to: c.port)
            }
        }
        XCTAssertEqual(flows.count, 1, "\(flows)")
        let f = try XCTUnwrap(flows.first)
        XCTAssertEqual(JSONLines.int(f["packets_toserver"]), 1, "\(f)")
        XCTAssertEqual(JSONLines.int(f["bytes_toserver"]), 60, "\(f)")
        XCTAssertEqual(f["exporter"] as? String, "127.0.0.1", "\(f)")
    }

    func testIPFIXTotalCountsAreNotAdded() throws {
        let secs = Self.farT0
        // A long flow exported at two active timeouts with total counters: 10 packets / 1000 bytes, then
        // 20 / 2000 in all.
        let fields: [(UInt64, UInt64)] = [
            (8, 4), (12, 4), (7, 2), (11, 2), (4, 1), (6, 1), (86, 8), (85, 8), (152, 8), (153, 8),
        ]
        let template = Self.exportSet(
            2, Self.be([(256, 2), (UInt64(fields.count), 2)] + fields.flatMap { [($0.0, 2), ($0.1, 2)] }))
        let t = secs * 1000
        func record(_ packets: UInt64, _ bytes: UInt64, _ end: UInt64) -> [UInt8] {
            Self.be([
                (0x0a14_0101, 4), (0x0a14_0201, 4), (40000, 2), (443, 2), (6, 1), (0x1a, 1), (packets, 8),
                (bytes, 8), (t - 120_000, 8), (end, 8),
            ])
        }
        // Each message from a socket of its own (a session of its own): each carries the template.
        let flows = try collectedFlows { c in
            try Self.send(
                Self.ipfixMessage(
                    exportTime: secs, sequence: 0, template, Self.exportSet(256, record(10, 1000, t - 60_000))),
                from: "127.0.0.1", to: c.port)
            try Self.send(
                Self.ipfixMessage(exportTime: secs, sequence: 0, template, Self.exportSet(256, record(20, 2000, t))),
                from: "127.0.0.1", to: c.port)
        }
        XCTAssertEqual(flows.count, 1, "\(flows)")
        let f = try XCTUnwrap(flows.first)
        XCTAssertEqual(JSONLines.int(f["packets_toserver"]), 20, "\(f)")
        XCTAssertEqual(JSONLines.int(f["bytes_toserver"]), 2000, "\(f)")
    }
}
