import Foundation
import XCTest
import ZonesepTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// `zonesep collect --listen udp://0.0.0.0:P --listen udp://[::]:P`: the documented way to receive both
/// families on one port. A dual-stack `[::]` socket also held IPv4 port P, so the pair clashed and collect
/// blamed "another program"; and a `--listen` given twice, or a wildcard beside an address of its family,
/// must be refused with a message naming both values rather than that one.
final class CollectListenBothFamiliesTests: LiveTestCase {
    func arguments(_ listens: [String]) throws -> [String] {
        ["collect", "--config", root.appendingPathComponent("zones.conf").path]
            + listens.flatMap { ["--listen", $0] } + ["--output", "json", "--stats-interval", "0"]
    }

    /// Sends `count` datagrams (not an export: each counts as a datagram of its sender) to `port` on `to`,
    /// from a socket of `to`'s family.
    func send(_ count: Int, to loopback: String, port: UInt16) throws {
        let v6 = loopback.contains(":")
        let fd = socket(v6 ? AF_INET6 : AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw TestSupportFailure("socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var storage = sockaddr_storage()
        let length: Int
        if v6 {
            length = MemoryLayout<sockaddr_in6>.size
            withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { a in
                    a.pointee.sin6_family = sa_family_t(AF_INET6)
                    a.pointee.sin6_port = port.bigEndian
                    _ = inet_pton(AF_INET6, loopback, &a.pointee.sin6_addr)
                }
            }
        } else {
            length = MemoryLayout<sockaddr_in>.size
            withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { a in
                    a.pointee.sin_family = sa_family_t(AF_INET)
                    a.pointee.sin_port = port.bigEndian
                    _ = inet_pton(AF_INET, loopback, &a.pointee.sin_addr)
                }
            }
        }
        let junk: [UInt8] = [0, 99, 0, 0]
        for _ in 0..<count {
            let sent = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, junk, junk.count, 0, $0, socklen_t(length))
                }
            }
            XCTAssertEqual(sent, junk.count, "sendto \(loopback): \(String(cString: strerror(errno)))")
        }
    }

    func testWildcardsOfBothFamiliesOnOnePortStartAndEachReceivesItsOwn() throws {
        let port = try Loopback.freePort(SOCK_DGRAM)
        for (index, listens) in [
            ["udp://0.0.0.0:\(port)", "udp://[::]:\(port)"], ["udp://[::]:\(port)", "udp://0.0.0.0:\(port)"],
        ].enumerated() {
            let daemon = try LiveDaemon(
                zonesep, try arguments(listens), scratch: scratch, name: "collect\(index)")
            self.daemon = daemon
            try daemon.waitForStderr("collecting")
            try send(2, to: "127.0.0.1", port: port)
            try send(3, to: "::1", port: port)
            usleep(500_000)
            daemon.signal(SIGTERM)
            let outcome = daemon.waitForExit(timeout: 30)
            XCTAssertTrue(outcome.exitedNormally && outcome.status == 0, "\(listens): \(outcome.brief)")
            let summary = outcome.stdoutLines.last.flatMap(JSONLines.object)
            var datagrams: [String: Int] = [:]
            for e in summary?["exporters"] as? [[String: Any]] ?? [] {
                datagrams[e["exporter"] as? String ?? "?"] = JSONLines.int(e["datagrams"])
            }
            XCTAssertEqual(datagrams, ["127.0.0.1": 2, "::1": 3], "\(listens): \(String(describing: summary))")
        }
    }

    /// Runs collect with `listens` and checks it stops at once with status 2 and `message` on stderr.
    func expectRefused(_ listens: [String], _ message: String, file: StaticString = #filePath, line: UInt = #line)
        throws
    {
        let outcome = try Harness.run(zonesep, try arguments(listens), timeout: 10)
        XCTAssertFalse(outcome.timedOut, "\(listens) started: \(outcome.brief)", file: file, line: line)
        XCTAssertTrue(outcome.exitedNormally && outcome.status == 2, outcome.brief, file: file, line: line)
        XCTAssertTrue(outcome.stderrText.contains(message), outcome.stderrText, file: file, line: line)
        XCTAssertFalse(outcome.stderrText.contains("another program"), outcome.stderrText, file: file, line: line)
    }

    func testADuplicateOrOverlappingListenIsRefusedNamingBothValues() throws {
        let port = try Loopback.freePort(SOCK_DGRAM)
        try expectRefused(
            ["udp://127.0.0.1:\(port)", "udp://127.0.0.1:\(port)"],
            "--listen udp://127.0.0.1:\(port) is given twice: give it once")
        try expectRefused(
            ["udp://[::]:\(port)", "udp://[::0]:\(port)"],
            "--listen udp://[::]:\(port) and --listen udp://[::0]:\(port) are the same address and port")
        try expectRefused(
            ["udp://127.0.0.1:\(port)", "udp://0.0.0.0:\(port)"],
            "--listen udp://127.0.0.1:\(port) and --listen udp://0.0.0.0:\(port) overlap: udp://0.0.0.0:\(port) "
                + "already receives on every IPv4 address at port \(port)")
        try expectRefused(
            ["udp://[::]:\(port)", "udp://0.0.0.0:\(port + 1)", "udp://[::1]:\(port)"],
            "--listen udp://[::]:\(port) and --listen udp://[::1]:\(port) overlap")
    }
}
