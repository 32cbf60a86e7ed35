import Foundation
import XCTest
import ZonesepTestSupport

/// What a file's own times say about it, on stderr and in the summary's `files[].note`: packets stamped
/// earlier than the packet before them (the merge by time takes each file to be in order), and packets
/// stamped before 2000 (a sensor whose clock was not set: judged then, when an expired exception may still
/// allow them). Both were silent.
final class FileTimeNotesReplayTests: ScratchDirectoryTestCase {
    static let ethernet: [UInt8] = [2, 0, 0, 0, 0, 1, 2, 0, 0, 0x20, 3, 4, 0x08, 0x00]

    /// A classic pcap file of one SYN per time, `src` → `dst`:`port` from source ports 40000 on.
    func write(_ name: String, _ times: [Int64], _ src: [UInt8], _ dst: [UInt8], port: UInt16) throws -> String {
        var pcap = PcapBytes()
        for (i, t) in times.enumerated() {
            let ip = PcapBytes.ipv4(6, id: UInt16(i), src, dst, payload: 20)
            pcap.append(Self.ethernet + ip + PcapBytes.tcpSYN(UInt16(40000 + i), port), micros: t)
        }
        let path = scratch.appendingPathComponent(name).path
        try pcap.data.write(to: URL(fileURLWithPath: path))
        return path
    }

    func replay(_ path: String) throws -> (run: ProcessOutcome, alerts: Int, file: [String: Any]) {
        let run = try Harness.run(
            zonesep, ["replay", "--config", root.appendingPathComponent("zones.conf").path, "--output", "json", path],
            timeout: 120)
        let (alerts, summary, problems) = JSONLines.replay(run)
        XCTAssertEqual(problems, [])
        let files = try XCTUnwrap(summary?["files"] as? [[String: Any]], run.brief)
        XCTAssertEqual(files.count, 1)
        return (run, alerts.count, files[0])
    }

    /// 2026-06-15T01:00:00Z.
    static let now: Int64 = 1_781_485_200_000_000

    func testPacketsStampedBeforeThePacketBeforeThemAreNamed() throws {
        // lgwan mail, allowed: 10.20.3.4 → 10.20.5.10:25.
        let times = [0, 10_000_000, 9_700_000, 10_500_000, 10_499_999, 11_000_000].map { Self.now + $0 }
        let shuffled = try write("steps-back.pcap", times, [10, 20, 3, 4], [10, 20, 5, 10], port: 25)
        let (run, alerts, file) = try replay(shuffled)
        XCTAssertEqual(run.status, 0, run.brief)
        XCTAssertEqual(alerts, 0)
        let note =
            "2 of 6 packets are stamped earlier than the packet just before in the file (by up to 0.3 s): the "
            + "replay takes each file to be in time order (files are merged by time), so flows and verdicts near "
            + "those packets may differ from what the capture's own order would give"
        XCTAssertEqual(file["note"] as? String, note)
        XCTAssertTrue(run.stderrText.contains("zonesep: warning: \(shuffled): \(note)\n"), run.stderrText)

        let ordered = try write("ordered.pcap", times.sorted(), [10, 20, 3, 4], [10, 20, 5, 10], port: 25)
        let (plain, _, plainFile) = try replay(ordered)
        XCTAssertTrue(JSONLines.isNull(plainFile["note"]), "\(plainFile)")
        XCTAssertFalse(plain.stderrText.contains("stamped"), plain.stderrText)
    }

    /// The demo's `etax-direct` exception expired on 2026-06-14: stamped 1970, the connection is allowed by
    /// it, and the run says why that is not to be trusted; stamped now, it is a violation.
    func testPacketsStampedBefore2000AreNamed() throws {
        let at1970 = try write("booted.pcap", [5_000_000], [10, 30, 8, 15], [192, 0, 2, 80], port: 443)
        let (run, alerts, file) = try replay(at1970)
        XCTAssertEqual(run.status, 0, run.brief)
        XCTAssertEqual(alerts, 0, "the expired exception allows it in 1970")
        let note =
            "1 of 1 packet is stamped before 2000-01-01T00:00:00.000000Z (the earliest at "
            + "1970-01-01T00:00:05.000000Z), as by a sensor whose clock was not set: they are judged at that "
            + "time, when an exception that has expired since may still allow them"
        XCTAssertEqual(file["note"] as? String, note)
        XCTAssertTrue(run.stderrText.contains("zonesep: warning: \(at1970): \(note)\n"), run.stderrText)
        // The report gives it as a note, a limit of the audit, not as records cut.
        let html = try reportBothWays([at1970])
        XCTAssertTrue(html.contains("<span class=\"badge warn\">注記 note</span> " + note), "the files table")
        XCTAssertTrue(html.contains("<div class=\"mono\">\(at1970): \(note)</div>"), "the limits")
        XCTAssertTrue(html.contains("data-limited=\"true\""))

        let stampedNow = try write("set.pcap", [Self.now], [10, 30, 8, 15], [192, 0, 2, 80], port: 443)
        let (violation, raised, nowFile) = try replay(stampedNow)
        XCTAssertEqual(violation.status, 1, violation.brief)
        XCTAssertEqual(raised, 1)
        XCTAssertTrue(JSONLines.isNull(nowFile["note"]), "\(nowFile)")
    }
}
