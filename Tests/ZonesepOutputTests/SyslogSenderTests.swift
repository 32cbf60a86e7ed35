import Foundation
import XCTest
import ZonesepTestSupport

@testable import ZonesepOutput

#if canImport(Glibc)
    import Glibc
#endif

/// The sender against real sockets on loopback and in a temporary directory: what arrives, in what
/// framing, and what happens when the collector goes away and comes back.
final class SyslogSenderTests: XCTestCase {
    func message(_ i: Int) -> [UInt8] { Array("<134>1 - h zonesep 1 alert - m\(i)".utf8) }

    // MARK: UDP and unix datagrams

    func testUDPSendsOneDatagramPerMessage() throws {
        let (fd, port) = try Sockets.bind(type: SOCK_DGRAM)
        defer { close(fd) }
        let sender = try SyslogSender(destination: .udp(host: "127.0.0.1", port: port), capacity: 10)
        for i in 0..<3 { sender.send(message(i)) }
        let stats = sender.finish(timeout: 5)
        XCTAssertEqual(stats.sent, 3)
        XCTAssertEqual(stats.dropped, 0)
        XCTAssertEqual(try Sockets.datagrams(fd, count: 3), (0..<3).map(message))
    }

    func testUnixDatagramSocketAndOneThatAppearsLater() throws {
        let dir = try Sockets.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/log"
        let sender = try SyslogSender(
            destination: .unix(path: path), capacity: 10, backoff: .init(initial: 0.02, maximum: 0.1))
        sender.send(message(0))
        sender.send(message(1))
        Thread.sleep(forTimeInterval: 0.1)  // let it fail at least once: nothing listens yet
        XCTAssertEqual(sender.queued, 2, "kept while the socket is missing")
        let fd = try Sockets.bindUnix(path)
        defer { close(fd) }
        sender.send(message(2))
        let stats = sender.finish(timeout: 5)
        XCTAssertEqual(stats.sent, 3)
        XCTAssertEqual(stats.dropped, 0)
        XCTAssertEqual(try Sockets.datagrams(fd, count: 3), (0..<3).map(message))
    }

    // MARK: TCP

    /// The collector closes the connection and its listener mid-run, five messages arrive while it is
    /// away (three fit the queue, two are dropped and counted), then it listens again: the three queued
    /// arrive, in order, framed by octet counting.
    func testTCPCollectorGoesAwayAndComesBack() throws {
        var (listener, port) = try Sockets.bind(type: SOCK_STREAM)
        let sender = try SyslogSender(
            destination: .tcp(host: "127.0.0.1", port: port), capacity: 3,
            backoff: .init(initial: 0.02, maximum: 0.2))
        sender.send(message(0))
        sender.send(message(1))
        var (connection, peerPort) = try Sockets.accept(listener)
        XCTAssertEqual(try Sockets.frames(connection, count: 2), [message(0), message(1)])
        // Both acknowledged (the sender counts them when it looks at its send queue, which it does while
        // they are in flight) and out of the queue, before the collector goes.
        XCTAssertTrue(waitFor { sender.currentStats.sent == 2 && sender.queued == 0 }, "\(sender.currentStats)")

        // The collector stops; wait until the sender's end has the FIN (CLOSE_WAIT), as it would after
        // a collector restart, so what follows does not depend on timing.
        close(connection)
        close(listener)
        try Sockets.waitForState(localPort: peerPort, state: "08")

        for i in 2..<7 { sender.send(message(i)) }
        XCTAssertEqual(sender.currentStats.droppedQueueFull, 2)

        (listener, _) = try Sockets.bind(type: SOCK_STREAM, port: port)
        defer { close(listener) }
        (connection, peerPort) = try Sockets.accept(listener)
        defer { close(connection) }
        XCTAssertEqual(try Sockets.frames(connection, count: 3), [message(2), message(3), message(4)])
        let stats = sender.finish(timeout: 5)
        XCTAssertEqual(stats.sent, 5)
        XCTAssertEqual(stats.droppedQueueFull, 2)
        XCTAssertEqual(stats.droppedUndelivered, 0)
        XCTAssertEqual(stats.reconnects, 1)
    }

    func testWhatIsStillQueuedAtTheDeadlineIsCountedAsUndelivered() throws {
        let (listener, port) = try Sockets.bind(type: SOCK_STREAM)
        close(listener)  // nothing listens on this port now
        let sender = try SyslogSender(
            destination: .tcp(host: "127.0.0.1", port: port), capacity: 10,
            backoff: .init(initial: 0.02, maximum: 0.05))
        sender.send(message(0))
        sender.send(message(1))
        let stats = sender.finish(timeout: 0.3)
        XCTAssertEqual(stats.sent, 0)
        XCTAssertEqual(stats.droppedUndelivered, 2)
        XCTAssertEqual(stats.dropped, 2)
    }

    /// Polls `condition` for up to 5 s.
    func waitFor(_ condition: () -> Bool) -> Bool {
        for _ in 0..<500 {
            if condition() { return true }
            usleep(10_000)
        }
        return condition()
    }

    /// The stalled collector: it accepts and never reads. Messages that sat in the sender's own
    /// socket buffer were counted as sent (4,755 of them), and the exit came 3 s after the flush timeout.
    /// Now only what the collector's TCP stack acknowledged counts as sent, the rest is undelivered, the
    /// timeout is kept, and the connection is reset so that nothing counted undelivered arrives later:
    /// the collector, reading at last, finds exactly the messages counted as sent.
    func testACollectorThatNeverReadsGetsExactlyWhatIsCountedAsSent() throws {
        let (listener, port) = try Sockets.bind(type: SOCK_STREAM, receiveBuffer: 4096)
        defer { close(listener) }
        let total = 5000
        let sender = try SyslogSender(destination: .tcp(host: "127.0.0.1", port: port), capacity: total)
        let body = [UInt8](repeating: 0x61, count: 400)
        for i in 0..<total { sender.send(Array("<134>1 - h zonesep 1 alert - \(10000 + i)".utf8) + body) }
        let (connection, _) = try Sockets.accept(listener)
        defer { close(connection) }
        // Let the sender fill every buffer between the two ends: its own send queue stops shrinking.
        var last = -1
        while sender.queued != last {
            last = sender.queued
            usleep(200_000)
        }
        XCTAssertGreaterThan(last, 0, "the collector's window closed before everything went")
        let started = ConditionLock.now()
        let stats = sender.finish(timeout: 1)
        let took = ConditionLock.now() - started
        XCTAssertLessThan(took, 2, "the flush timeout (1 s) is kept, within a second")
        XCTAssertGreaterThanOrEqual(took, 0.9, "and used: the collector might have read meanwhile")
        XCTAssertEqual(stats.sent + stats.droppedUndelivered, UInt64(total))
        XCTAssertGreaterThan(stats.unacknowledged, 0, "written to the socket but never acknowledged")
        XCTAssertLessThan(stats.sent, 100, "a 4 KiB window takes a handful of 430-byte messages")
        // What the collector's kernel holds is what was acknowledged; then the reset.
        let received = try Sockets.framesUntilEnd(connection)
        XCTAssertEqual(received.count, Int(stats.sent))
        for (i, m) in received.enumerated() {
            XCTAssertEqual(m, Array("<134>1 - h zonesep 1 alert - \(10000 + i)".utf8) + body)
        }
    }

    /// A collector that stalls and then drops the connection: what its TCP stack had acknowledged counts
    /// as sent, and everything after it is written again, in order, on the next connection.
    func testWhatALostConnectionHadNotAcknowledgedIsWrittenAgain() throws {
        let (listener, port) = try Sockets.bind(type: SOCK_STREAM, receiveBuffer: 4096)
        defer { close(listener) }
        let total = 3000
        let sender = try SyslogSender(
            destination: .tcp(host: "127.0.0.1", port: port), capacity: total,
            backoff: .init(initial: 0.02, maximum: 0.1))
        let body = [UInt8](repeating: 0x62, count: 400)
        func message(_ i: Int) -> [UInt8] { Array("<134>1 - h zonesep 1 alert - \(10000 + i)".utf8) + body }
        for i in 0..<total { sender.send(message(i)) }
        let (first, _) = try Sockets.accept(listener)
        var last = -1
        while sender.queued != last {
            last = sender.queued
            usleep(200_000)
        }
        let acknowledged = Int(sender.currentStats.sent)
        XCTAssertLessThan(acknowledged, 100)
        XCTAssertEqual(sender.queued, total - acknowledged)
        // Closing with unread data resets the connection: what it had buffered is gone with it.
        close(first)
        let (second, _) = try Sockets.accept(listener)
        defer { close(second) }
        let received = try Sockets.frames(second, count: total - acknowledged)
        XCTAssertEqual(received, (acknowledged..<total).map(message))
        let stats = sender.finish(timeout: 5)
        XCTAssertEqual(stats.sent, UInt64(total))
        XCTAssertEqual(stats.dropped, 0)
        XCTAssertGreaterThan(stats.resent, 0)
        XCTAssertEqual(stats.reconnects, 1)
    }

    func testAnUnknownHostIsRefusedAtTheStart() {
        XCTAssertThrowsError(
            try SyslogSender(destination: .tcp(host: "no-such-host.invalid", port: 514), capacity: 1)
        ) { error in
            XCTAssertTrue("\(error)".contains("no-such-host.invalid"), "\(error)")
        }
    }
}

/// Plain sockets for the receiving end.
enum Sockets {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func fail(_ what: String) -> Failure { Failure(description: "\(what): \(String(cString: strerror(errno)))") }

    static func temporaryDirectory() throws -> String {
        var template = Array("/tmp/zonesep-sock-XXXXXX".utf8CString)
        guard let p = mkdtemp(&template) else { throw fail("mkdtemp") }
        return String(cString: p)
    }

    /// A socket bound to 127.0.0.1 (port 0: any free one), listening if it is a stream; and its port.
    /// `receiveBuffer` sets SO_RCVBUF before listening, so accepted connections advertise a small window.
    static func bind(type: __socket_type, port: UInt16 = 0, receiveBuffer: Int32? = nil) throws -> (Int32, UInt16) {
        let fd = socket(AF_INET, Int32(type.rawValue), 0)
        guard fd >= 0 else { throw fail("socket") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = port.bigEndian
        a.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let rc = withUnsafePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard rc == 0 else {
            close(fd)
            throw fail("bind 127.0.0.1:\(port)")
        }
        if type == SOCK_STREAM { listen(fd, 8) }
        return (fd, localPort(fd))
    }

    static func localPort(_ fd: Int32) -> UInt16 {
        var a = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        return UInt16(bigEndian: a.sin_port)
    }

    static func bindUnix(_ path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw fail("socket") }
        var a = sockaddr_un()
        a.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &a.sun_path) { for (i, b) in bytes.enumerated() { $0[i] = b } }
        let rc = withUnsafePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard rc == 0 else { throw fail("bind \(path)") }
        return fd
    }

    /// Waits up to 5 s for `fd` to be readable.
    static func waitReadable(_ fd: Int32, _ what: String) throws {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, 5000) == 1 else { throw Failure(description: "nothing arrived within 5 s: \(what)") }
    }

    /// Accepts one connection (5 s at most); the connection and the peer's port.
    static func accept(_ listener: Int32) throws -> (Int32, UInt16) {
        try waitReadable(listener, "no connection")
        var a = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let fd = withUnsafeMutablePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.accept(listener, $0, &len) }
        }
        guard fd >= 0 else { throw fail("accept") }
        return (fd, UInt16(bigEndian: a.sin_port))
    }

    static func datagrams(_ fd: Int32, count: Int) throws -> [[UInt8]] {
        var out: [[UInt8]] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while out.count < count {
            try waitReadable(fd, "datagram \(out.count + 1) of \(count)")
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n >= 0 else { throw fail("recv") }
            out.append(Array(buffer[0..<n]))
        }
        return out
    }

    /// Reads `count` octet-counted frames (RFC 6587: `LEN SP MSG`) from a stream.
    static func frames(_ fd: Int32, count: Int) throws -> [[UInt8]] {
        var data: [UInt8] = []
        var out: [[UInt8]] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while out.count < count {
            if let space = data.firstIndex(of: 0x20), let len = Int(String(decoding: data[..<space], as: UTF8.self)),
                data.count >= space + 1 + len
            {
                out.append(Array(data[(space + 1)..<(space + 1 + len)]))
                data.removeFirst(space + 1 + len)
                continue
            }
            try waitReadable(fd, "frame \(out.count + 1) of \(count)")
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard n > 0 else { throw Failure(description: "connection ended after \(out.count) frames") }
            data += buffer[0..<n]
        }
        return out
    }

    /// Reads octet-counted frames until the stream ends (EOF or a reset); a cut last frame is left out.
    static func framesUntilEnd(_ fd: Int32) throws -> [[UInt8]] {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            try waitReadable(fd, "the end of the stream")
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { break }
            data += buffer[0..<n]
        }
        var out: [[UInt8]] = []
        var at = 0
        while let space = data[at...].firstIndex(of: 0x20),
            let len = Int(String(decoding: data[at..<space], as: UTF8.self)), data.count >= space + 1 + len
        {
            out.append(Array(data[(space + 1)..<(space + 1 + len)]))
            at = space + 1 + len
        }
        return out
    }

    /// Waits (5 s at most) until the TCP socket with local port `localPort` is in `state` (/proc/net/tcp's
    /// hex code, e.g. 08 = CLOSE_WAIT).
    static func waitForState(localPort: UInt16, state: String) throws {
        let hexPort = String(format: "%04X", localPort)
        for _ in 0..<500 {
            let table = ProcFile.read("/proc/net/tcp")
            for line in table.split(separator: "\n").dropFirst() {
                let f = line.split(separator: " ")
                if f.count > 3, f[1].hasSuffix(":" + hexPort), f[3] == state { return }
            }
            usleep(10_000)
        }
        let table = ProcFile.read("/proc/net/tcp")
        let lines = table.split(separator: "\n").filter { $0.contains(":" + hexPort) }
        throw Failure(description: "the socket on port \(localPort) never reached state \(state): \(lines)")
    }
}
