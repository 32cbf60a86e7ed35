import Foundation
import XCTest
import ZonesepTestSupport

/// A port scan between the packets of a long violating flow: more violating flows than the evidence files
/// held open at once (1,024 at most, `EvidenceWriter.openFileBudget`). The long flow's file used to be
/// closed at the limit (`open-file-limit`, then 256) and
/// its later packets were saved nowhere and counted nowhere, while the report called the file whole. Its
/// file now holds every packet of the flow (read back with tshark), one record and one hash vouch for it,
/// and the report's `whole` is true.
final class EvidenceOpenFileLimitReplayTests: ScratchDirectoryTestCase {
    /// 2026-06-15T04:00:00Z in µs.
    let t0: Int64 = 1_781_496_000_000_000
    let mac: [UInt8] = [2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00]

    /// A TCP segment of flow 10.10.1.1:40000 → 10.30.0.9:443 (mynumber → internet) with 10 bytes of
    /// payload saying which packet it is.
    func longFlowPacket(_ n: Int) -> [UInt8] {
        let tcp: [UInt8] =
            [0x9c, 0x40, 0x01, 0xbb] + [0, 0, UInt8(n >> 8), UInt8(n & 0xff)] + [0, 0, 0, 1]
            + [0x50, n == 0 ? 0x02 : 0x18, 0xff, 0xff, 0, 0, 0, 0] + [UInt8](repeating: UInt8(n & 0xff), count: 10)
        return mac + PcapBytes.ipv4(6, id: UInt16(n), [10, 10, 1, 1], [10, 30, 0, 9], payload: tcp.count) + tcp
    }

    /// The long flow's first 3 packets, a SYN to each of 1,100 ports from another host, then 80 more packets
    /// of the long flow, a millisecond apart: no flow ends before the capture does.
    func writeCapture() throws -> (path: String, longFlowTimes: [Int64]) {
        var pcap = PcapBytes()
        var t = t0
        var times: [Int64] = []
        func long(_ n: Int) {
            pcap.append(longFlowPacket(n), micros: t)
            times.append(t)
            t += 1000
        }
        for n in 0..<3 { long(n) }
        for i in 0..<1_100 {
            let syn =
                mac + PcapBytes.ipv4(6, id: UInt16(i), [10, 10, 2, 2], [10, 30, 0, 9], payload: 20)
                + PcapBytes.tcpSYN(50_000, UInt16(1000 + i))
            pcap.append(syn, micros: t)
            t += 1000
        }
        for n in 3..<83 { long(n) }
        let url = scratch.appendingPathComponent("scan.pcap")
        try pcap.data.write(to: url)
        return (url.path, times)
    }

    func testALongFlowsEvidenceStaysWholeThroughAScanOfMoreFlowsThanOpenFiles() throws {
        let (input, times) = try writeCapture()
        let evidence = scratch.appendingPathComponent("evidence").path
        let md = try reportBothWays(["--evidence", evidence, input], format: "md")
        let lines = try String(contentsOf: scratch.appendingPathComponent("saved.jsonl"), encoding: .utf8)
            .split(separator: "\n").compactMap { JSONLines.object($0) }
        let alert = try XCTUnwrap(
            lines.first { $0["event_type"] as? String == "alert" && JSONLines.int($0["src_port"]) == 40000 })
        let flowID = try XCTUnwrap(alert["flow_id"] as? String)
        let records = lines.filter { $0["event_type"] as? String == "evidence" }
        XCTAssertEqual(records.count, 1_101, "one record a file")
        XCTAssertEqual(records.filter { $0["sha256"] is String }.count, 1_101)
        XCTAssertEqual(Set(records.compactMap { $0["closed"] as? String }), ["end-of-run"])
        let mine = records.filter { $0["flow_id"] as? String == flowID }
        XCTAssertEqual(mine.count, 1)
        let record = try XCTUnwrap(mine.first)
        XCTAssertEqual(JSONLines.int(record["packets"]), 83, "\(record)")
        XCTAssertNil(record["error"])
        XCTAssertNil(record["left_out"])
        let file = try XCTUnwrap(record["file"] as? String)
        let path = evidence + "/" + file

        // Every packet of the flow, in order, as the capture holds them.
        let tshark = try Tools.require("tshark", package: "tshark")
        let read = try Tools.run(
            tshark,
            ["-r", path, "-n", "-T", "fields", "-e", "frame.time_epoch", "-e", "tcp.srcport", "-e", "tcp.payload"],
            timeout: 60)
        XCTAssertEqual(read.status, 0, read.stderrText)
        let frames = read.stdoutText.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        XCTAssertEqual(frames.count, 83)
        XCTAssertEqual(frames.compactMap { $0.first.flatMap(DeliveryTests.micros(epoch:)) }, times)
        XCTAssertEqual(Set(frames.map { $0.count > 1 ? $0[1] : "" }), ["40000"])
        XCTAssertEqual(frames.last?.last, String(repeating: "52", count: 10), "packet 82's payload")

        let sum = try Tools.run(try Tools.require("sha256sum", package: "coreutils"), [path], timeout: 30)
        XCTAssertEqual(record["sha256"] as? String, String(sum.stdoutText.prefix(64)))

        // The summary: the violation's file and hash, nothing lost or left out.
        let summary = try XCTUnwrap(lines.last)
        let violation = try XCTUnwrap(
            (summary["violations"] as? [[String: Any]])?.first { $0["flow_id"] as? String == flowID })
        XCTAssertEqual(JSONLines.int(violation["packets"]), 83)
        let onFile = try XCTUnwrap(violation["evidence"] as? [String: Any])
        XCTAssertEqual(onFile["sha256"] as? String, record["sha256"] as? String)
        XCTAssertNil(onFile["left_out"])
        let counts = try XCTUnwrap((summary["delivery"] as? [String: Any])?["evidence"] as? [String: Any])
        XCTAssertEqual(JSONLines.int(counts["hashed"]), 1_101)
        XCTAssertEqual(JSONLines.int(counts["packets"]), 1_183)
        for key in ["lost_packets", "skipped_packets", "incomplete", "open"] {
            XCTAssertEqual(JSONLines.int(counts[key]), 0, key)
        }

        // The audit report's status of the flow.
        let row = md.split(separator: "\n").filter { $0.hasPrefix("| ") && $0.contains("| 10.10.1.1:40000 |") }
        XCTAssertEqual(row.count, 1, md)
        let cells = row.first?.split(separator: "|", omittingEmptySubsequences: false) ?? []
        XCTAssertEqual(cells.dropLast().last?.trimmingCharacters(in: .whitespaces), "whole", md)
    }
}
