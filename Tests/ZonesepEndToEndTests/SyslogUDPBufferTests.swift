import Foundation
import XCTest
import ZonesepTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Syslog over UDP when the socket's send buffer is full. On plain loopback it never fills (the kernel
/// hands each datagram to the receiver at once), so the replay runs in a network namespace whose loopback
/// has a token bucket (`tc … tbf rate 4mbit`) that holds datagrams in its queue, charged to the sender's
/// buffer: thousands of alerts sent at once fill it. The queue's limit (4 MB) is above the send buffer
/// (2 MiB), so the buffer fills first and the kernel says so (the queue's own drops would go unreported).
/// zonesep must not wait for room: what the kernel refuses (`EAGAIN`, or `ENOBUFS`) is counted as
/// undelivered, with the reason on stderr, and every alert is either sent or counted.
///
/// Safe when the test is killed before its defers run: what the bucket holds then (about 0.9 MB, one full
/// send buffer) drains in about two seconds, and a netfilter rule in the namespace drops the datagrams where they arrive, so none reaches a
/// closed port to raise an ICMP port unreachable (those would queue behind the bucket, charged to the
/// kernel's ICMP sockets, which every namespace shares). The namespace is named `zsw<pid>-…`, so the next
/// run's `TestNetwork.removeLeftovers` deletes it, its bucket first.
final class SyslogUDPBufferTests: XCTestCase {
    func testAFullSendBufferIsCountedNotWaitedFor() throws {
        if let why = TestNetwork.skipReason() { throw XCTSkip(why) }
        let ip = try Tools.require("ip", package: "iproute2")
        let tc = try Tools.require("tc", package: "iproute2")
        let nft = try Tools.require("nft", package: "nftables")
        let root = try Harness.repositoryRoot()
        let zonesep = try Harness.zonesep()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("zonesep-udpbuf-\(getpid())")
        try? FileManager.default.removeItem(at: scratch)
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let capture = scratch.appendingPathComponent("syns.pcap")
        try Self.synCapture(flows: Self.flows).write(to: capture)

        let ns = "zsw\(getpid())-udpbuf"
        _ = try? Tools.run(ip, ["netns", "delete", ns])
        try Tools.run(ip, ["netns", "add", ns])
        defer { _ = try? Tools.run(ip, ["netns", "delete", ns]) }
        try Tools.run(ip, ["-n", ns, "link", "set", "lo", "up"])
        // The datagrams are dropped as they arrive, before UDP looks for a socket: no port unreachable,
        // whoever dies first. The counter says how many the bucket let through.
        try Tools.run(
            ip,
            [
                "netns", "exec", ns, nft.path,
                "add table inet zonesep; add chain inet zonesep in { type filter hook input priority 0; }; "
                    + "add rule inet zonesep in udp dport 5514 counter drop",
            ])
        try Tools.run(
            tc,
            ["-n", ns, "qdisc", "add", "dev", "lo", "root", "tbf", "rate", "4mbit", "burst", "16kb", "limit", "4mb"])
        // The bucket goes first (defers run last to first), before the namespace.
        defer { _ = try? Tools.run(tc, ["-n", ns, "qdisc", "del", "dev", "lo", "root"]) }

        let outcome = try Harness.run(
            ip,
            [
                "netns", "exec", ns, zonesep.path, "replay", "--config", root.appendingPathComponent("zones.conf").path,
                "--output", "json", "--syslog", "udp://127.0.0.1:5514", capture.path,
            ], timeout: 120)
        XCTAssertFalse(outcome.timedOut, outcome.brief)
        XCTAssertEqual(outcome.status, 1, outcome.brief)
        let records = outcome.stdoutLines.compactMap { JSONLines.object($0) }
        let alerts = records.filter { $0["event_type"] as? String == "alert" }.count
        XCTAssertGreaterThanOrEqual(alerts, Self.flows, "one alert a flow")
        let summary = try XCTUnwrap(records.last { $0["event_type"] as? String == "summary" })
        let syslog = try XCTUnwrap(
            ((summary["delivery"] as? [String: Any])?["syslog"] as? [[String: Any]])?.first, "\(summary)")
        let sent = try XCTUnwrap(JSONLines.int(syslog["sent"]))
        let undelivered = try XCTUnwrap(JSONLines.int(syslog["dropped_undelivered"]))
        XCTAssertEqual(sent + undelivered, alerts, "every alert sent or counted: \(syslog)")
        XCTAssertGreaterThan(sent, 0, "the buffer took some")
        XCTAssertGreaterThan(undelivered, 0, "the full buffer refused the rest: \(syslog)")
        XCTAssertEqual(JSONLines.int(syslog["dropped_queue_full"]), 0)
        XCTAssertEqual(syslog["receipt"] as? String, "none", "a datagram the kernel took is not known to arrive")
        let said = outcome.stderrText
        XCTAssertTrue(
            said.contains(String(cString: strerror(EAGAIN))) || said.contains(String(cString: strerror(ENOBUFS))),
            said)
        XCTAssertTrue(said.contains("\(undelivered) datagrams refused by the kernel"), said)
        // What the bucket let through arrived (and was dropped by the rule, not answered).
        let rule = try Tools.run(ip, ["netns", "exec", ns, nft.path, "list", "chain", "inet", "zonesep", "in"])
        let through = rule.stdoutText.split(separator: " ").drop { $0 != "packets" }.dropFirst().first
        XCTAssertGreaterThan(through.flatMap { Int($0) } ?? 0, 0, rule.stdoutText)
    }

    /// Enough alerts at once to fill the send buffer even at 4 Mbit/s (about 4,200 of 6,000 are refused).
    static let flows = 6000

    /// A capture of `flows` TCP SYNs from the mynumber zone to the LGWAN mail server's port 445, each from
    /// its own port: one mynumber-isolation alert each.
    static func synCapture(flows: Int) -> Data {
        var pcap = PcapBytes()
        for i in 0..<flows {
            let src: [UInt8] = [10, 10, UInt8(1 + i / 250), UInt8(1 + i % 250)]
            let ip = PcapBytes.ipv4(6, id: 0, src, [10, 20, 5, 10], payload: 20)
            let frame: [UInt8] =
                [0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0x0a, 0x0a, UInt8(i >> 8 & 0xff), UInt8(i & 0xff), 0x08, 0x00]
                + ip + PcapBytes.tcpSYN(UInt16(20000 + i % 40000), 445)
            pcap.append(frame, micros: Int64(1_781_481_600 + i / 1000) * 1_000_000 + Int64(i % 1000) * 1000)
        }
        return pcap.data
    }
}
