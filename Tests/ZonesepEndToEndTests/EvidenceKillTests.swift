import Foundation
import XCTest
import ZonesepTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// `replay` killed part-way (`kill -9`, the OOM killer): the evidence files still open get no hash, but
/// each keeps its pcap header, written when it was opened (operations.md, *What survives a crash*); only
/// the packets still in memory are lost. A file left empty by a kill would be no pcap file at all.
final class EvidenceKillTests: ScratchDirectoryTestCase {
    /// The file header libpcap writes for Ethernet, microseconds, snapshot length 262,144.
    let header: [UInt8] = [0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 1, 0, 0, 0]

    func testFilesOpenWhenTheReplayIsKilledKeepTheirHeader() throws {
        let capture = try writeViolatingSYNs(flows: 60_000)
        let evidence = scratch.appendingPathComponent("evidence")
        let d = try LiveDaemon(
            zonesep,
            [
                "replay", "--config", root.appendingPathComponent("zones.conf").path, "--output", "json",
                "--evidence", evidence.path, capture.path,
            ], scratch: scratch, name: "replay")
        defer { d.killIfRunning() }
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline,
            (try? FileManager.default.contentsOfDirectory(atPath: evidence.path).count) ?? 0 < 100
        {
            usleep(20_000)
        }
        d.signal(SIGKILL)
        let outcome = d.waitForExit(timeout: 30)
        XCTAssertFalse(outcome.exitedNormally, "killed: \(outcome.brief)")

        let names = try FileManager.default.contentsOfDirectory(atPath: evidence.path)
        XCTAssertGreaterThanOrEqual(names.count, 100)
        var headerless: [String] = []
        var headerOnly = 0
        for name in names {
            let bytes = [UInt8](try Data(contentsOf: evidence.appendingPathComponent(name)))
            if bytes.count < header.count || Array(bytes.prefix(header.count)) != header {
                headerless.append("\(name) (\(bytes.count) bytes)")
            } else if bytes.count == header.count {
                headerOnly += 1
            }
        }
        // The kill may land between the creation of a file and the write of its header: one file at most,
        // the one being opened then (one thread opens them, one at a time).
        XCTAssertLessThanOrEqual(headerless.count, 1, "files without their header: \(headerless.prefix(5))")
        XCTAssertGreaterThan(headerOnly, 50, "files open at the kill, their packets still in memory")
    }
}
