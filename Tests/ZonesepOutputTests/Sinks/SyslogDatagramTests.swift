import CDatagrams
import Foundation
import XCTest

@testable import ZonesepOutput

#if canImport(Glibc)
    import Glibc
#endif

/// UDP syslog against a real UDP socket on loopback: a batch's datagrams leave together at its flush,
/// whole and in order; a collector that is not listening and one that never reads are counted, never
/// block and never crash.
final class SyslogDatagramTests: XCTestCase {
    /// Messages as the formatter renders alerts: structured data, escapes, a UTF-8 text after its BOM.
    static func messages(_ n: Int, textBytes: Int = 0) -> [[UInt8]] {
        let f = SyslogFormatter(hostname: "sensor01", procID: "4587")
        return (0..<n).map { i in
            f.message(
                severity: .critical, timestampMicros: 1_781_480_460_000_000 + Int64(i), msgID: "alert",
                params: [("rule", "conduit-mac-mismatch"), ("src_ip", "10.10.1.\(i % 250)"), ("quote", "a\"b]c\\")],
                text: "マイナンバー利用事務系 → LGWAN #\(i)" + String(repeating: "x", count: textBytes))
        }
    }

    /// Every datagram waiting on `fd` now (the sends on loopback are done once the call returns).
    static func waiting(_ fd: Int32) -> [[UInt8]] {
        var out: [[UInt8]] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if n < 0 { return out }
            out.append(Array(buffer[0..<n]))
        }
    }

    /// Batches of 1, 7 and 300 messages (more than a batch holds: it is sent once full and at the flush):
    /// nothing leaves before the flush, then everything arrives once, byte for byte, in order.
    func testEachBatchArrivesWholeAndInOrderAtItsFlush() throws {
        let (fd, port) = try Sockets.bind(type: SOCK_DGRAM, receiveBuffer: 4 << 20)
        defer { close(fd) }
        let sender = try SyslogSender(destination: .udp(host: "127.0.0.1", port: port), capacity: 10)
        let all = Self.messages(308)
        var at = 0
        for size in [1, 7, 300] {
            let batch = Array(all[at..<(at + size)])
            at += size
            for m in batch { sender.enqueue(m) }
            let early = Self.waiting(fd)
            XCTAssertEqual(early.count, size > DatagramBatch.capacity ? DatagramBatch.capacity : 0, "before the flush")
            XCTAssertEqual(sender.queued, size - early.count)
            sender.flush()
            XCTAssertEqual(early + Self.waiting(fd), batch, "a batch of \(size)")
            XCTAssertEqual(sender.queued, 0)
        }
        let stats = sender.finish(timeout: 5)
        XCTAssertEqual(stats.sent, 308)
        XCTAssertEqual(stats.dropped, 0)
        XCTAssertTrue(sender.refusedByReason.isEmpty)
    }

    /// Nobody listens on the port: the kernel hears ICMP port unreachable for a datagram and refuses the
    /// next send with ECONNREFUSED. Those are counted as undelivered under that reason (said once), the
    /// others as sent; nothing blocks. Once a receiver listens again, the next batch reaches it.
    func testACollectorThatIsNotListeningIsCountedWithItsReason() throws {
        let (closed, port) = try Sockets.bind(type: SOCK_DGRAM)
        close(closed)
        try Self.skipUnlessTheKernelAnswersPortUnreachable(port)
        let events = EventLog()
        let sender = try SyslogSender(
            destination: .udp(host: "127.0.0.1", port: port), capacity: 10, onEvent: { events.add($0) })
        let all = Self.messages(100)
        for batch in 0..<10 {
            for m in all[(batch * 10)..<(batch * 10 + 10)] { sender.enqueue(m) }
            sender.flush()
        }
        let before = sender.currentStats
        XCTAssertEqual(before.sent + before.droppedUndelivered, 100, "each datagram sent or counted")
        XCTAssertGreaterThan(before.droppedUndelivered, 0, "refusals counted")
        XCTAssertEqual(sender.refusedByReason.map(\.reason), [String(cString: strerror(ECONNREFUSED))])
        XCTAssertEqual(sender.refusedByReason.first?.count, before.droppedUndelivered)
        let said = events.all.filter { $0.contains("Connection refused") }
        XCTAssertEqual(said.count, 1, "the reason said once: \(events.all)")

        let (fd, again) = try Sockets.bind(type: SOCK_DGRAM, port: port)
        defer { close(fd) }
        XCTAssertEqual(again, port)
        let next = Self.messages(10).map { $0 + Array(" again".utf8) }
        for m in next { sender.enqueue(m) }
        sender.flush()
        let stats = sender.finish(timeout: 5)
        let arrived = Self.waiting(fd)
        // A refusal still pending from the last datagram of the outage may cost the first one.
        XCTAssertEqual(UInt64(arrived.count), stats.sent - before.sent)
        XCTAssertGreaterThanOrEqual(arrived.count, 9)
        XCTAssertEqual(Array(next.suffix(arrived.count)), arrived)
        XCTAssertEqual(stats.sent + stats.droppedUndelivered, 110)
    }

    /// A receiver that never reads, with a small receive buffer. On loopback the sender's kernel hands each
    /// datagram over at once (its send buffer never fills, so no send is refused): all are counted as sent
    /// and the receiving socket's kernel drops what does not fit, counted in its `drops` (/proc/net/udp).
    /// What does arrive is the first datagrams, whole and in order, and the sender never waits.
    func testAReceiverThatNeverReadsDropsOnItsSideAndNothingBlocks() throws {
        let (fd, port) = try Sockets.bind(type: SOCK_DGRAM, receiveBuffer: 4096)
        defer { close(fd) }
        let sender = try SyslogSender(destination: .udp(host: "127.0.0.1", port: port), capacity: 10)
        let all = Self.messages(400, textBytes: 600)
        for batch in 0..<20 {
            for m in all[(batch * 20)..<(batch * 20 + 20)] { sender.enqueue(m) }
            sender.flush()
        }
        let stats = sender.finish(timeout: 5)
        XCTAssertEqual(stats.sent, 400)
        XCTAssertEqual(stats.dropped, 0)
        let arrived = Self.waiting(fd)
        XCTAssertGreaterThan(arrived.count, 0)
        XCTAssertLessThan(arrived.count, 400, "a 4 KiB buffer holds a few datagrams, not 400")
        XCTAssertEqual(arrived, Array(all.prefix(arrived.count)))
        XCTAssertEqual(try Self.receiveDrops(port: port), 400 - arrived.count, "the receiver's kernel counted the rest")
    }

    /// The kernel's ICMP answers share a machine-wide budget (`net.ipv4.icmp_msgs_per_sec`) and the
    /// kernel's own ICMP sockets: when other work has spent them, no port unreachable comes back and there
    /// is nothing to count. A plain connected socket tells (its error flag within 2 s of one datagram).
    static func skipUnlessTheKernelAnswersPortUnreachable(_ port: UInt16) throws {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw Sockets.fail("socket") }
        defer { close(fd) }
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = port.bigEndian
        a.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let rc = withUnsafePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard rc == 0, send(fd, "probe", 5, 0) == 5 else { throw Sockets.fail("probe 127.0.0.1:\(port)") }
        var p = pollfd(fd: fd, events: 0, revents: 0)
        if poll(&p, 1, 2000) != 1 {
            throw XCTSkip(
                "the kernel sent no ICMP port unreachable for 127.0.0.1:\(port) within 2 s (its ICMP budget or "
                    + "sockets spent by other work: see Icmp OutRateLimitGlobal and OutErrors in /proc/net/snmp)")
        }
    }

    /// The `drops` column of the receiving socket's line in /proc/net/udp.
    static func receiveDrops(port: UInt16) throws -> Int {
        let table = try String(contentsOfFile: "/proc/net/udp", encoding: .utf8)
        let local = String(format: "0100007F:%04X", port)
        for line in table.split(separator: "\n").dropFirst() {
            let f = line.split(separator: " ")
            if f.count > 12, f[1] == local, let drops = Int(f[f.count - 1]) { return drops }
        }
        throw Sockets.Failure(description: "no socket on 127.0.0.1:\(port) in /proc/net/udp")
    }
}

/// What a sender reported, from its thread or the caller's.
final class EventLog: @unchecked Sendable {
    private let lock = NSLock()
    private var events: [String] = []
    func add(_ e: String) { lock.withLock { events.append(e) } }
    var all: [String] { lock.withLock { events } }
}

/// The header spells the kernel's `msghdr` out (Glibc's module leaves `mmsghdr` out): it must match.
final class DatagramLayoutTests: XCTestCase {
    func testTheHeadersMessageHeaderIsTheKernels() {
        XCTAssertEqual(MemoryLayout<zonesep_msghdr>.size, MemoryLayout<msghdr>.size)
        XCTAssertEqual(MemoryLayout<zonesep_msghdr>.stride, MemoryLayout<msghdr>.stride)
        XCTAssertEqual(MemoryLayout<zonesep_msghdr>.offset(of: \.msg_iov), MemoryLayout<msghdr>.offset(of: \.msg_iov))
        XCTAssertEqual(
            MemoryLayout<zonesep_msghdr>.offset(of: \.msg_iovlen), MemoryLayout<msghdr>.offset(of: \.msg_iovlen))
        XCTAssertEqual(
            MemoryLayout<zonesep_msghdr>.offset(of: \.msg_control), MemoryLayout<msghdr>.offset(of: \.msg_control))
        XCTAssertEqual(
            MemoryLayout<zonesep_msghdr>.offset(of: \.msg_controllen),
            MemoryLayout<msghdr>.offset(of: \.msg_controllen))
        XCTAssertEqual(MemoryLayout<zonesep_mmsghdr>.size, MemoryLayout<msghdr>.size + 8)
        XCTAssertEqual(MemoryLayout<zonesep_cmsghdr>.size, MemoryLayout<cmsghdr>.size)
    }
}
