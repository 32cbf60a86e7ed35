import Foundation
import XCTest
import ZonesepTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// `zonesep collect` on a UDP port something else already receives on: it must refuse to start (status 2,
/// the address and the reason on stderr), not share the port. On Linux two sockets sharing a UDP port
/// (both with SO_REUSEADDR) get the datagrams one of them only, so a second collector, or one started
/// beside rsyslog, would silently blind the first.
final class CollectPortInUseTests: LiveTestCase {
    func arguments(_ port: UInt16) throws -> [String] {
        [
            "collect", "--config", root.appendingPathComponent("zones.conf").path, "--listen",
            "udp://127.0.0.1:\(port)", "--output", "json", "--stats-interval", "0",
        ]
    }

    /// Runs a second collector on `port` and checks it stops at once with status 2, naming the address.
    func expectRefused(_ port: UInt16, file: StaticString = #filePath, line: UInt = #line) throws {
        let outcome = try Harness.run(zonesep, try arguments(port), timeout: 10)
        XCTAssertFalse(outcome.timedOut, "it started on a port already held: \(outcome.brief)", file: file, line: line)
        XCTAssertTrue(outcome.exitedNormally && outcome.status == 2, outcome.brief, file: file, line: line)
        XCTAssertTrue(
            outcome.stderrText.contains(
                "--listen udp://127.0.0.1:\(port): cannot listen there: Address already in use"),
            outcome.stderrText, file: file, line: line)
        XCTAssertEqual(outcome.stdout, Data(), "nothing on stdout", file: file, line: line)
    }

    func testASecondCollectorOnTheSamePortIsRefusedAndTheFirstKeepsItsDatagrams() throws {
        let port = try Loopback.freePort(SOCK_DGRAM)
        let first = try LiveDaemon(zonesep, try arguments(port), scratch: scratch, name: "first")
        daemon = first
        try first.waitForStderr("collecting")
        try expectRefused(port)

        // The first collector still receives everything sent to the port.
        let (fd, _) = try Loopback.bound(SOCK_DGRAM)
        defer { close(fd) }
        for _ in 0..<3 {
            let junk: [UInt8] = [0, 99, 0, 0]
            let sent = Loopback.send(junk, from: fd, to: port)
            XCTAssertEqual(sent, junk.count)
        }
        usleep(500_000)
        first.signal(SIGTERM)
        let outcome = first.waitForExit(timeout: 30)
        XCTAssertTrue(outcome.exitedNormally && outcome.status == 0, outcome.brief)
        let summary = outcome.stdoutLines.last.flatMap(JSONLines.object)
        XCTAssertEqual(summary?["event_type"] as? String, "summary")
        let exporters = summary?["exporters"] as? [[String: Any]]
        XCTAssertEqual(exporters?.count, 1, "\(String(describing: summary))")
        XCTAssertEqual(JSONLines.int(exporters?.first?["datagrams"]), 3, "every datagram reached the first collector")
    }

    /// A port another program holds, with SO_REUSEADDR as rsyslog's imudp sets it, on the wildcard address.
    func testAPortAnotherProgramHoldsIsRefused() throws {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        XCTAssertTrue(bound, String(cString: strerror(errno)))
        try expectRefused(UInt16(bigEndian: a.sin_port))
    }
}
