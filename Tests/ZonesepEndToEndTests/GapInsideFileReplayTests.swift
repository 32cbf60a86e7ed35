import Foundation
import XCTest
import ZonesepTestSupport

/// A hole of over a minute inside one capture file (a sensor that stopped, captures merged with mergecap) is
/// a gap in coverage, as the same packets in two files are: the summary lists it in the file's `gaps`, and
/// the audit report counts it, shows it and counts it among its limits.
final class GapInsideFileReplayTests: ScratchDirectoryTestCase {
    let t0: Int64 = 1_781_481_600_000_000  // 2026-06-15T00:00:00Z, 09:00 JST
    let hole: Int64 = 90 * 60_000_000

    /// An allowed LGWAN-internal datagram at `micros`.
    func frame(_ i: Int) -> [UInt8] {
        let udp: [UInt8] = [0x9c, 0x40, 0, 53, 0, 8, 0, 0]
        let ip = PcapBytes.ipv4(17, id: UInt16(i), [10, 20, 3, 4], [10, 20, 1, 53], payload: udp.count)
        return [2, 0, 0, 0x20, 1, 0x35, 2, 0, 0, 0x20, 3, 4, 0x08, 0x00] + ip + udp
    }

    /// 50 datagrams a second apart from `start`, written as classic pcap into `name`.
    func write(_ name: String, _ starts: [Int64]) throws -> String {
        var pcap = PcapBytes()
        var i = 0
        for start in starts {
            for k in 0..<50 {
                pcap.append(frame(i), micros: start + Int64(k) * 1_000_000)
                i += 1
            }
        }
        let path = scratch.appendingPathComponent(name)
        try pcap.data.write(to: path)
        return path.path
    }

    func testAHoleInsideOneFileIsTheGapTwoFilesShow() throws {
        let resume = t0 + 49_000_000 + hole
        let gapRow = "<span class=\"en\">gaps in coverage over 1 min</span></th><td class=\"num\">1</td>"
        let gapTimes = "2026-06-15 09:00:49 – 2026-06-15 10:30:49 JST"

        let one = try write("one.pcap", [t0, resume])
        let run = try Harness.run(
            zonesep, ["replay", "--config", "zones.conf", "--output", "json", one], timeout: 60, in: root)
        XCTAssertEqual(run.status, 0, run.brief)
        let (_, summaryObject, problems) = JSONLines.replay(run)
        XCTAssertEqual(problems, [])
        let files = try XCTUnwrap(try XCTUnwrap(summaryObject)["files"] as? [[String: Any]])
        let gaps = try XCTUnwrap(files.first?["gaps"] as? [[String: Any]], "\(files)")
        XCTAssertEqual(gaps.map { $0["from"] as? String }, ["2026-06-15T00:00:49.000000Z"])
        XCTAssertEqual(gaps.map { $0["to"] as? String }, ["2026-06-15T01:30:49.000000Z"])
        XCTAssertNil(files.first?["gaps_not_listed"], "written only above 0")
        // Said on stderr, and in the text summary, as the other limits are.
        let said =
            "\(one): 1 stretch of over 1 min with no packet inside the file (the longest listed from "
            + "2026-06-15T00:00:49.000000Z to 2026-06-15T01:30:49.000000Z)"
        XCTAssertTrue(run.stderrText.contains(said), run.stderrText)
        let text = try Harness.run(zonesep, ["replay", "--config", "zones.conf", one], timeout: 60, in: root)
        XCTAssertTrue(text.stdoutText.contains(said), text.stdoutText)

        let merged = try reportBothWays([one])
        XCTAssertTrue(merged.contains(gapRow), merged)
        XCTAssertTrue(merged.contains(gapTimes), merged)
        XCTAssertTrue(merged.contains("data-limited=\"true\""), "a 90-minute hole is no complete capture")
        XCTAssertTrue(merged.contains("取得の空白 1 gaps in coverage"), "the first page's limit line")

        let split = try reportBothWays([try write("a.pcap", [t0]), try write("b.pcap", [resume])])
        XCTAssertTrue(split.contains(gapRow), split)
        XCTAssertTrue(split.contains(gapTimes), split)
        XCTAssertTrue(split.contains("data-limited=\"true\""))

        let md = try reportBothWays([one], format: "md")
        XCTAssertTrue(md.contains("取得されていない時間 gap in coverage"), md)
    }
}
