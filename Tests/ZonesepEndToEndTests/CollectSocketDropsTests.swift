import Foundation
import XCTest
import ZonesepTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Datagrams the kernel drops from collect's socket, and a receive buffer smaller than asked for. Before,
/// neither was said: 2,772 of 3,264 template datagrams vanished with nothing in the summary, the stats, the
/// metrics or stderr (a template-only datagram carries no sequence number that a gap could show).
extension CollectTests {
    /// With a receive buffer of 4 KiB, a burst overflows it: the kernel's count (SO_RXQ_OVFL) is in the
    /// summary's `sockets` and the metrics, and adds up with what arrived to what was sent.
    func testDatagramsTheKernelDropsAreCountedPerListenAddress() throws {
        let curl = try XCTUnwrap(Tools.find("curl"), "curl is not installed")
        let template = Self.timesTemplate(256, (152, 153), setID: 2)
        let message = Self.ipfixMessage(exportTime: Self.farT0, sequence: 0, template + [0, 0, 0, 0])
        let burst = [[UInt8]](repeating: message, count: 3000)
        var scrape = ""
        let run = try collect(extra: ["--buffer-size", "4096", "--metrics", "127.0.0.1:0"]) { c in
            let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            defer { close(fd) }
            func send(_ d: [UInt8]) { Loopback.send(d, from: fd, to: c.port) }
            for d in burst { send(d) }
            // The kernel tells its count with the next datagram the socket receives.
            usleep(300_000)
            send(burst[0])
            usleep(1_500_000)  // the metrics are refreshed once a second
            let line = c.stderr.split(separator: "\n").first { $0.contains("metrics at http://127.0.0.1:") } ?? ""
            let url = String(line[(line.range(of: "http://")?.lowerBound ?? line.endIndex)...])
            scrape = try Harness.run(curl, ["-sS", "--max-time", "5", url], timeout: 20).stdoutText
        }
        let sockets = try XCTUnwrap(run.summary["sockets"] as? [[String: Any]], "\(run.summary)")
        XCTAssertEqual(sockets.count, 1)
        XCTAssertEqual(sockets.first?["listen"] as? String, "udp://127.0.0.1:\(run.port)")
        let dropped = try XCTUnwrap(JSONLines.int(sockets.first?["dropped_datagrams"]))
        XCTAssertGreaterThan(dropped, 0, "a burst of 3,000 datagrams overflows 4 KiB")
        let received = JSONLines.int((run.summary["exporters"] as? [[String: Any]])?.first?["datagrams"]) ?? 0
        XCTAssertEqual(received + dropped, 3001, "every datagram sent arrived or is counted as dropped")
        let stats = run.records.last { $0["event_type"] as? String == "stats" }
        XCTAssertEqual((stats?["sockets"] as? NSArray), run.summary["sockets"] as? NSArray)
        let series = "zonesep_export_socket_dropped_datagrams_total{listen=\"udp://127.0.0.1:\(run.port)\"}"
        XCTAssertEqual(Self.samples(scrape)[series].map { Int($0) }, dropped, scrape)
        XCTAssertTrue(run.stderr.contains("--listen udp://127.0.0.1:\(run.port): the kernel dropped"), run.stderr)
        XCTAssertFalse(run.stderr.contains("net.core.rmem_max caps it"), "4 KiB was granted whole: \(run.stderr)")
    }

    /// A receive buffer larger than net.core.rmem_max allows is granted only in part, which stderr says at start.
    func testAReceiveBufferSmallerThanAskedForIsSaid() throws {
        let maximum = try XCTUnwrap(
            Int(
                try String(contentsOfFile: "/proc/sys/net/core/rmem_max", encoding: .utf8).trimmingCharacters(
                    in: .whitespacesAndNewlines)))
        try XCTSkipIf(maximum >= Int(Int32.max) / 4, "net.core.rmem_max allows any buffer")
        let run = try collect(extra: ["--buffer-size", "\(maximum * 2)"]) { _ in }
        XCTAssertTrue(
            run.stderr.contains(
                "--listen udp://127.0.0.1:\(run.port): the kernel gave the socket a receive buffer of \(maximum) bytes, not the \(maximum * 2) asked for: "
                    + "net.core.rmem_max caps it"), run.stderr)
        let socket = (run.summary["sockets"] as? [[String: Any]])?.first
        XCTAssertEqual(JSONLines.int(socket?["receive_buffer"]), maximum)
    }
}
