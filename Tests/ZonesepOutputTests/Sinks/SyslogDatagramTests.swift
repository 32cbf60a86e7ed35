import CDatagrams
import Foundation
import XCTest

@testable import ZonesepOutput

#if canImport(Glibc)
    import Glibc
#endif

/// UDP syslog against a real UDP socket on loopback: a batch's datagrams leave together at its flush,
/// whole and in order; a collector that is not listening and one that never reads never block, never
/// crash and cost no later datagram.
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

    /// Nobody listens on the port, and the collector's host (this one) answers every datagram with ICMP port
    /// unreachable. UDP has no acknowledgement: all are taken by the kernel and counted as sent, nothing is
    /// refused and nothing blocks. Once a receiver listens, the next batch reaches it whole: no port
    /// unreachable about an earlier datagram costs a later one (as it would on a connected socket, where it
    /// fails the next send).
    func testACollectorThatIsNotListeningCostsNoLaterDatagram() throws {
        let (closed, port) = try Sockets.bind(type: SOCK_DGRAM)
        close(closed)
        let events = EventLog()
        let sender = try SyslogSender(
            destination: .udp(host: "127.0.0.1", port: port), capacity: 10, onEvent: { events.add($0) })
        let all = Self.messages(100)
        for batch in 0..<10 {
            for m in all[(batch * 10)..<(batch * 10 + 10)] { sender.enqueue(m) }
            sender.flush()
            usleep(1000)  // time for the port unreachables to come back before the next batch
        }
        let before = sender.currentStats
        XCTAssertEqual(before.sent, 100)
        XCTAssertEqual(before.droppedUndelivered, 0)
        XCTAssertTrue(sender.refusedByReason.isEmpty, "\(sender.refusedByReason)")
        XCTAssertEqual(events.all.filter { $0.contains("refused") }, [])

        let (fd, again) = try Sockets.bind(type: SOCK_DGRAM, port: port)
        defer { close(fd) }
        XCTAssertEqual(again, port)
        let next = Self.messages(10).map { $0 + Array(" again".utf8) }
        for m in next { sender.enqueue(m) }
        sender.flush()
        let stats = sender.finish(timeout: 5)
        XCTAssertEqual(Self.waiting(fd), next, "every datagram after the outage arrives, in order")
        XCTAssertEqual(stats.sent, 110)
        XCTAssertEqual(stats.dropped, 0)
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
        XCTAssertEqual(
            MemoryLayout<zonesep_msghdr>.offset(of: \.msg_namelen), MemoryLayout<msghdr>.offset(of: \.msg_namelen))
        XCTAssertEqual(MemoryLayout<zonesep_msghdr>.offset(of: \.msg_iov), MemoryLayout<msghdr>.offset(of: \.msg_iov))
        XCTAssertEqual(
            MemoryLayout<zonesep_msghdr>.offset(of: \.msg_iovlen), MemoryLayout<msghdr>.offset(of: \.msg_iovlen))
        XCTAssertEqual(
            MemoryLayout<zonesep_msghdr>.offset(of: \.msg_control), MemoryLayout<msghdr>.offset(of: \.msg_control))
        XCTAssertEqual(
            MemoryLayout<zonesep_msghdr>.offset(of: \.msg_controllen),
            MemoryLayout<msghdr>.offset(of: \.msg_controllen))
        XCTAssertEqual(MemoryLayout<zonesep_mmsghdr>.size, MemoryLayout<msghdr>.size + 8)
    }
}
