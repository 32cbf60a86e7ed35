import XCTest
import ZonesepCapture
import ZonesepCore
import ZonesepOutput
import ZonesepTestSupport

@testable import ZonesepRuntime

/// `watch --workers N`: the workers' sessions share the evidence writer and its open files (1,024 at most), so which
/// file reached the limit first depended on how the workers interleaved, and that file was cut there. A
/// long flow on one worker and a scan of 1,100 ports on another now give the long flow's file all its
/// packets, with the same hash, whatever the order the two workers' batches came in.
final class EvidenceOpenFileLimitSessionsTests: XCTestCase {
    /// 2026-06-15T04:00:00Z in µs.
    static let t0: Int64 = 1_781_496_000_000_000
    static let mac: [UInt8] = [2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00]

    /// Packet `n` of flow 10.10.1.1:40000 → 10.30.0.9:443 (mynumber → internet), its payload saying which.
    static func longFlow(_ n: Int) -> SinkCombinationTests.Frame {
        let tcp: [UInt8] =
            [0x9c, 0x40, 0x01, 0xbb, 0, 0, UInt8(n >> 8), UInt8(n & 0xff), 0, 0, 0, 1]
            + [0x50, n == 0 ? 0x02 : 0x18, 0xff, 0xff, 0, 0, 0, 0] + [UInt8](repeating: UInt8(n & 0xff), count: 10)
        let bytes = mac + PcapBytes.ipv4(6, id: UInt16(n), [10, 10, 1, 1], [10, 30, 0, 9], payload: tcp.count) + tcp
        return .init(time: t0 + Int64(n < 3 ? n : n + 1_100) * 1000, bytes: bytes, wireLength: bytes.count)
    }

    /// SYN `i` of a scan from 10.10.2.2 of 10.30.0.9's ports 1000…2099, between the long flow's third and
    /// fourth packets.
    static func scan(_ i: Int) -> SinkCombinationTests.Frame {
        let bytes =
            mac + PcapBytes.ipv4(6, id: UInt16(i), [10, 10, 2, 2], [10, 30, 0, 9], payload: 20)
            + PcapBytes.tcpSYN(50_000, UInt16(1000 + i))
        return .init(time: t0 + Int64(3 + i) * 1000, bytes: bytes, wireLength: bytes.count)
    }

    /// The long flow's evidence (file, hash, packets read back with libpcap) when session 0 gets its
    /// packets and session 1 the scan's, fed as `order` says: (session, frames) in turn.
    func longFlowsEvidence(_ order: [(Int, [SinkCombinationTests.Frame])], in dir: URL) throws -> (
        file: String, sha256: String, packets: [[UInt8]]
    ) {
        let evidence = dir.appendingPathComponent("evidence")
        let summary = try EvidenceWorkers.run(
            sessions: 2, in: dir, batch: 16, feeding: order.map { (session: $0.0, frames: $0.1) })
        XCTAssertEqual(summary.violations.count, 1_101)
        let v = try XCTUnwrap(summary.violations.first { $0.alert.srcPort == 40000 })
        let file = try XCTUnwrap(v.evidenceFile)
        let pcap = try PcapFile(path: evidence.appendingPathComponent(file).path)
        var packets: [[UInt8]] = []
        while case .frame(let f) = pcap.next() { packets.append(Array(f.bytes)) }
        return (file, try XCTUnwrap(v.evidenceSHA256), packets)
    }

    func testALongFlowsFileDoesNotDependOnHowTheWorkersInterleave() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("zonesep-ev-limit-\(getpid())")
        try? FileManager.default.removeItem(at: base)
        defer { try? FileManager.default.removeItem(at: base) }
        let long = (0..<83).map(Self.longFlow)
        let scan = (0..<1_100).map(Self.scan)
        let orders: [[(Int, [SinkCombinationTests.Frame])]] = [
            // The long flow's worker ahead: all its packets before the scan opens a file.
            [(0, long), (1, scan)],
            // In time order: the scan's 1,100 files open between the long flow's third and fourth packets.
            [(0, Array(long[..<3])), (1, scan), (0, Array(long[3...]))],
            // The scan's worker ahead, then the long flow, then the rest of the scan.
            [(1, Array(scan[..<200])), (0, Array(long[..<3])), (1, Array(scan[200...])), (0, Array(long[3...]))],
        ]
        var hashes: Set<String> = []
        for (k, order) in orders.enumerated() {
            let e = try longFlowsEvidence(order, in: base.appendingPathComponent("order\(k)"))
            XCTAssertEqual(e.packets, long.map(\.bytes), "order \(k): every packet of the flow, in order")
            hashes.insert(e.sha256)
        }
        XCTAssertEqual(hashes.count, 1, "the same file whatever the order")
    }
}
