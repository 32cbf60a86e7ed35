#if canImport(Glibc)
    import Glibc
#endif

/// Sends syslog messages to one destination from a background thread, so the packet path only ever
/// appends to a bounded queue: a slow or absent collector costs queued messages, never packets.
///
/// A message leaves the queue only once written whole. Over TCP, a connection the collector has closed
/// is noticed before the next write (a collector never sends, so a readable socket means it hung up), and
/// the sender reconnects with exponential backoff while the queue holds what arrives meanwhile; what does
/// not fit is dropped and counted. A unix datagram socket that is missing or refuses is retried the same
/// way. UDP has no such signal: a datagram the network loses is lost.
public final class SyslogSender: @unchecked Sendable {
    /// What happened to the messages handed over.
    public struct Stats: Sendable, Equatable {
        public var sent: UInt64 = 0
        /// Refused because the queue was full (the collector away, or slower than the alerts).
        public var droppedQueueFull: UInt64 = 0
        /// Given up: a UDP send that failed, or still queued when the drain deadline passed.
        public var droppedUndelivered: UInt64 = 0
        /// Connections made after a failure or a lost connection.
        public var reconnects: UInt64 = 0

        public var dropped: UInt64 { droppedQueueFull &+ droppedUndelivered }

        public init() {}
    }

    /// Backoff between connection attempts: starts here, doubles per failure, up to `maxBackoff`.
    public struct Backoff: Sendable {
        public var initial: Double
        public var maximum: Double
        public init(initial: Double = 0.1, maximum: Double = 5) {
            self.initial = initial
            self.maximum = maximum
        }
    }

    public let destination: SyslogDestination
    public let capacity: Int
    let backoffPolicy: Backoff
    let onEvent: @Sendable (String) -> Void

    // Shared with the sender thread, under `lock`.
    let lock = ConditionLock()
    var ring: [[UInt8]]
    var head = 0
    var count = 0
    var stopping = false
    var deadline = Double.infinity
    var stats = Stats()
    var warnedFull = false

    // The sender thread's own.
    let thread = BackgroundThread()
    var fd: Int32 = -1
    var backoff: Double
    var failing = false
    var udpAddress: SocketAddress?
    var finished = false

    /// Checks the destination (a host name must resolve) and starts the sender thread.
    public init(
        destination: SyslogDestination, capacity: Int, backoff: Backoff = Backoff(),
        onEvent: @escaping @Sendable (String) -> Void = { _ in }
    ) throws(SyslogSendError) {
        self.destination = destination
        self.capacity = max(1, capacity)
        self.backoffPolicy = backoff
        self.backoff = backoff.initial
        self.onEvent = onEvent
        ring = [[UInt8]](repeating: [], count: max(1, capacity))
        switch destination {
        case .udp(let host, let port):
            switch SocketAddress.resolve(host: host, port: port, stream: false) {
            case .success(let a): udpAddress = a.first
            case .failure(let why): throw SyslogSendError(destination: destination, reason: why.description)
            }
        case .tcp(let host, let port):
            if case .failure(let why) = SocketAddress.resolve(host: host, port: port, stream: true) {
                throw SyslogSendError(destination: destination, reason: why.description)
            }
        case .unix(let path):
            if path.utf8.count >= 108 {
                throw SyslogSendError(destination: destination, reason: "socket path longer than 107 bytes")
            }
        }
        guard thread.start({ [self] in run() }) else {
            throw SyslogSendError(destination: destination, reason: "cannot start a sender thread")
        }
    }

    deinit {
        if !finished { _ = finish(timeout: 0) }
    }

    /// Queues one message (unframed RFC 5424); never blocks. When the queue is full the message is
    /// dropped and counted, and the first drop of an outage is reported.
    public func send(_ message: [UInt8]) {
        lock.lock()
        if count >= capacity || stopping {
            stats.droppedQueueFull &+= 1
            let first = !warnedFull
            warnedFull = true
            lock.unlock()
            if first {
                onEvent(
                    "syslog \(destination): queue full (\(capacity) messages); dropping messages until the "
                        + "collector takes them again")
            }
            return
        }
        ring[(head + count) % ring.count] = message
        count += 1
        lock.unlock()
        lock.broadcast()
    }

    /// The counts so far.
    public var currentStats: Stats { lock.withLock { stats } }

    /// Messages waiting in the queue.
    public var queued: Int { lock.withLock { count } }

    /// Waits up to `timeout` seconds for the queue to empty, still taking messages; true when it did.
    public func waitUntilEmpty(timeout: Double) -> Bool {
        let deadline = ConditionLock.now() + timeout
        lock.lock()
        defer { lock.unlock() }
        while count > 0 {
            if ConditionLock.now() >= deadline { return false }
            lock.wait(until: deadline)
        }
        return true
    }

    /// Stops taking messages, gives the sender up to `timeout` seconds to deliver what is queued (what
    /// remains then is counted as undelivered), and closes the connection.
    public func finish(timeout: Double) -> Stats {
        if finished { return currentStats }
        finished = true
        lock.withLock {
            stopping = true
            deadline = ConditionLock.now() + max(0, timeout)
        }
        lock.broadcast()
        thread.join()
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
        return currentStats
    }

    // MARK: - The sender thread

    enum Outcome {
        case sent
        /// Not sent and not worth retrying (UDP).
        case lost
        /// Not sent: wait out the backoff and try again.
        case retry
        /// The connection was found closed: reconnect at once.
        case again
    }

    func run() {
        while true {
            lock.lock()
            while count == 0 && !stopping { lock.wait() }
            if count == 0 {
                lock.unlock()
                return
            }
            let message = ring[head]
            lock.unlock()

            let outcome = deliver(message)
            switch outcome {
            case .sent, .lost:
                lock.withLock {
                    ring[head] = []
                    head = (head + 1) % ring.count
                    count -= 1
                    if outcome == .sent {
                        stats.sent &+= 1
                        if count < capacity / 2 { warnedFull = false }
                    } else {
                        stats.droppedUndelivered &+= 1
                    }
                }
                lock.broadcast()
            case .again:
                continue
            case .retry:
                if !waitBackoff() { return }
            }
        }
    }

    /// Sleeps for the current backoff (doubling it for next time); false when the drain deadline passed,
    /// after counting what is left as undelivered.
    func waitBackoff() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        let wakeAt = ConditionLock.now() + backoff
        backoff = min(backoff * 2, backoffPolicy.maximum)
        while true {
            let t = ConditionLock.now()
            if t >= deadline {
                stats.droppedUndelivered &+= UInt64(count)
                for i in 0..<count { ring[(head + i) % ring.count] = [] }
                count = 0
                return false
            }
            if t >= wakeAt { return true }
            lock.wait(until: min(wakeAt, deadline))
        }
    }

    func deliver(_ message: [UInt8]) -> Outcome {
        switch destination {
        case .udp:
            guard let address = udpAddress else { return .lost }
            if fd < 0 {
                fd = socket(address.family, Int32(SOCK_DGRAM.rawValue), 0)
                if fd < 0 { return .lost }
            }
            let n = message.withUnsafeBytes { m in
                address.withSockaddr { sendto(fd, m.baseAddress, m.count, 0, $0, $1) }
            }
            return n == message.count ? .sent : .lost
        case .unix(let path):
            if fd < 0 {
                fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
                if fd < 0 { return failed("socket: \(SocketAddress.errorText())") }
                SocketAddress.setSendTimeout(fd, seconds: 1)
            }
            let address = SocketAddress.unix(path)
            let n = message.withUnsafeBytes { m in
                address.withSockaddr { sendto(fd, m.baseAddress, m.count, 0, $0, $1) }
            }
            if n == message.count { return succeeded() }
            if errno == EMSGSIZE { return .lost }
            return failed(SocketAddress.errorText())
        case .tcp(let host, let port):
            if fd >= 0 && peerHasClosed() {
                Glibc.close(fd)
                fd = -1
                report("connection closed by the collector; reconnecting")
                failing = true
                return .again
            }
            if fd < 0 {
                switch connectTCP(host: host, port: port) {
                case .success(let s):
                    fd = s
                    if failing { stats.reconnects &+= 1 }
                case .failure(let why): return failed("cannot connect: \(why)")
                }
            }
            let framed = OctetCounting.frame(message)
            if writeAll(framed) { return succeeded() }
            let why = SocketAddress.errorText()
            Glibc.close(fd)
            fd = -1
            return failed("send failed: \(why)")
        }
    }

    func succeeded() -> Outcome {
        if failing {
            failing = false
            let waiting = lock.withLock { count }
            report("delivering again (\(waiting) messages queued)")
        }
        backoff = backoffPolicy.initial
        return .sent
    }

    /// Reports the first failure of an outage (not every retry) and asks for a retry after the backoff.
    func failed(_ why: String) -> Outcome {
        if !failing {
            failing = true
            report("\(why); retrying with backoff, queueing up to \(capacity) messages")
        }
        return .retry
    }

    func report(_ text: String) { onEvent("syslog \(destination): \(text)") }

    /// A collector never writes to us: a readable socket means it closed (or reset) the connection.
    func peerHasClosed() -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN) | 0x2000 /* POLLRDHUP */, revents: 0)
        guard poll(&p, 1, 0) > 0 else { return false }
        if p.revents & (Int16(POLLHUP) | Int16(POLLERR) | 0x2000) != 0 { return true }
        var scratch = [UInt8](repeating: 0, count: 512)
        let n = scratch.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
    }

    func writeAll(_ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            offset += n
        }
        return true
    }

    /// Resolves afresh (the collector may have moved) and connects, giving each address 2 s.
    func connectTCP(host: String, port: UInt16) -> Result<Int32, SyslogSendError.Reason> {
        let addresses: [SocketAddress]
        switch SocketAddress.resolve(host: host, port: port, stream: true) {
        case .success(let a): addresses = a
        case .failure(let why): return .failure(why)
        }
        var last = "no address"
        for address in addresses {
            let s = socket(address.family, Int32(SOCK_STREAM.rawValue), 0)
            if s < 0 {
                last = SocketAddress.errorText()
                continue
            }
            let flags = fcntl(s, F_GETFL)
            _ = fcntl(s, F_SETFL, flags | O_NONBLOCK)
            var rc = address.withSockaddr { connect(s, $0, $1) }
            if rc < 0 && errno == EINPROGRESS {
                var p = pollfd(fd: s, events: Int16(POLLOUT), revents: 0)
                if poll(&p, 1, 2000) == 1 {
                    var err: Int32 = 0
                    var len = socklen_t(MemoryLayout<Int32>.size)
                    getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len)
                    rc = err == 0 ? 0 : -1
                    errno = err
                } else {
                    errno = ETIMEDOUT
                }
            }
            if rc == 0 {
                _ = fcntl(s, F_SETFL, flags)
                SocketAddress.setSendTimeout(s, seconds: 10)
                return .success(s)
            }
            last = SocketAddress.errorText()
            Glibc.close(s)
        }
        return .failure(SyslogSendError.Reason(last))
    }
}

public struct SyslogSendError: Error, Sendable, CustomStringConvertible {
    public var destination: SyslogDestination
    public var reason: String

    public var description: String { "--syslog \(destination): \(reason)" }

    struct Reason: Error, Sendable, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }

    init(destination: SyslogDestination, reason: String) {
        self.destination = destination
        self.reason = reason
    }
}

/// A socket address as bytes (IPv4, IPv6 or unix), copied out of getaddrinfo or built from a path.
struct SocketAddress: Sendable {
    var family: Int32
    var bytes: [UInt8]

    func withSockaddr<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
        bytes.withUnsafeBytes { raw in
            body(raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
        }
    }

    static func resolve(host: String, port: UInt16, stream: Bool) -> Result<[SocketAddress], SyslogSendError.Reason> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(stream ? SOCK_STREAM.rawValue : SOCK_DGRAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>? = nil
        let rc = getaddrinfo(host, String(port), &hints, &list)
        if rc != 0 { return .failure(.init("cannot resolve \(host): \(String(cString: gai_strerror(rc)))")) }
        defer { freeaddrinfo(list) }
        var out: [SocketAddress] = []
        var p = list
        while let ai = p {
            if let a = ai.pointee.ai_addr {
                let bytes = Array(UnsafeRawBufferPointer(start: a, count: Int(ai.pointee.ai_addrlen)))
                out.append(SocketAddress(family: ai.pointee.ai_family, bytes: bytes))
            }
            p = ai.pointee.ai_next
        }
        return out.isEmpty ? .failure(.init("no address for \(host)")) : .success(out)
    }

    static func unix(_ path: String) -> SocketAddress {
        var a = sockaddr_un()
        a.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(path.utf8.prefix(107))
        withUnsafeMutableBytes(of: &a.sun_path) { dst in
            for (i, b) in pathBytes.enumerated() { dst[i] = b }
        }
        let length = MemoryLayout<sa_family_t>.size + pathBytes.count + 1
        let bytes = withUnsafeBytes(of: &a) { Array($0.prefix(length)) }
        return SocketAddress(family: AF_UNIX, bytes: bytes)
    }

    static func setSendTimeout(_ fd: Int32, seconds: Int) {
        var tv = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    static func errorText() -> String { String(cString: strerror(errno)) }
}
