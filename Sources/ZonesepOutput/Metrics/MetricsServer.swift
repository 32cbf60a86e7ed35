import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The `/metrics` endpoint: a small HTTP/1.1 listener on a thread of its own, answering each scrape with
/// what the registry holds now, then closing the connection. One poll loop serves up to `maxConnections`
/// connections at once (no thread per client) and answers each as soon as its request is complete, so a
/// silent or slow client never holds another's scrape; one that sends no complete request within
/// `requestTimeout`, or does not take its answer within `answerTimeout`, is dropped.
///
/// It listens from `init` (a port in use or an address that does not resolve is an error before the
/// sensor starts) and answers from `start()` until `stop()`.
///
/// `@unchecked Sendable`: the descriptors are set once in `init` and closed after the thread is joined.
public final class MetricsServer: @unchecked Sendable {
    public let address: MetricsAddress
    /// The port it listens on (the one the system chose when asked for port 0).
    public let port: UInt16
    private let registry: MetricsRegistry
    private let listener: Int32
    private let stopRead: Int32
    private let stopWrite: Int32
    private let thread = BackgroundThread()
    private let served = Atomic<UInt64>(0)
    /// Set by `stop()` (the caller's thread only).
    private var stopped = false

    /// Milliseconds a client has to send its request line and headers.
    static let requestTimeout: Int32 = 2000
    /// Milliseconds a client has to take its answer once the request is complete.
    static let answerTimeout: Int64 = 5000
    /// A request larger than this is refused (a scrape's is a few hundred bytes).
    static let maxRequest = 8192
    /// Connections served at once; more wait in the kernel's queue until one of these ends.
    static let maxConnections = 64

    public init(address: MetricsAddress, registry: MetricsRegistry) throws(MetricsServerError) {
        self.address = address
        self.registry = registry
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>? = nil
        let rc = getaddrinfo(address.host, String(address.port), &hints, &list)
        guard rc == 0, let first = list else {
            throw MetricsServerError(
                "--metrics \(address): cannot resolve \(address.host): \(String(cString: gai_strerror(rc)))")
        }
        defer { freeaddrinfo(list) }
        let fd = socket(first.pointee.ai_family, first.pointee.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw MetricsServerError("--metrics \(address): socket: \(Self.errorText())") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        guard bind(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else {
            let why = Self.errorText()
            close(fd)
            throw MetricsServerError("--metrics \(address): cannot listen there: \(why)")
        }
        guard listen(fd, 64) == 0 else {
            let why = Self.errorText()
            close(fd)
            throw MetricsServerError("--metrics \(address): listen: \(why)")
        }
        var bound = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &bound) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        var port = address.port
        if named == 0 {
            port = withUnsafeBytes(of: &bound) { raw in
                // sin_port and sin6_port sit at the same offset, in network byte order.
                UInt16(raw[2]) << 8 | UInt16(raw[3])
            }
        }
        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else {
            let why = Self.errorText()
            close(fd)
            throw MetricsServerError("--metrics \(address): pipe: \(why)")
        }
        for end in pipeEnds { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        // The loop accepts until the queue is empty: a blocking accept would hang it on a client gone meanwhile.
        _ = fcntl(fd, F_SETFL, O_NONBLOCK)
        _ = fcntl(pipeEnds[1], F_SETFL, O_NONBLOCK)
        self.listener = fd
        self.port = port
        self.stopRead = pipeEnds[0]
        self.stopWrite = pipeEnds[1]
    }

    deinit {
        if !stopped { close(listener) }
        close(stopRead)
        close(stopWrite)
    }

    /// Starts answering; false when the system refuses a thread.
    public func start() -> Bool { thread.start { [self] in self.run() } }

    /// Stops answering, waits for the thread and closes the port. A second call does nothing.
    public func stop() {
        guard !stopped else { return }
        stopped = true
        var byte: UInt8 = 1
        _ = write(stopWrite, &byte, 1)
        thread.join()
        close(listener)
    }

    /// Scrapes answered so far (any path), for tests and the daemon's own metrics.
    public var requestsServed: UInt64 { served.load(ordering: .relaxed) }

    private func run() {
        var connections: [MetricsConnection] = []
        var fds: [pollfd] = []
        var buffer = [UInt8](repeating: 0, count: 2048)
        defer { for connection in connections { close(connection.fd) } }
        while true {
            fds.removeAll(keepingCapacity: true)
            fds.append(pollfd(fd: stopRead, events: Int16(POLLIN), revents: 0))
            // At the cap the listener is left out: new clients wait in the kernel's queue.
            let accepting = connections.count < Self.maxConnections
            fds.append(pollfd(fd: listener, events: accepting ? Int16(POLLIN) : 0, revents: 0))
            for connection in connections {
                fds.append(pollfd(fd: connection.fd, events: connection.events, revents: 0))
            }
            var timeout: Int32 = -1
            if let next = connections.lazy.map(\.deadline).min() {
                timeout = Int32(clamping: max(0, next - Self.monotonicMillis()))
            }
            let n = poll(&fds, nfds_t(fds.count), timeout)
            if n < 0 && errno == EINTR { continue }
            if n < 0 || fds[0].revents != 0 { return }
            let now = Self.monotonicMillis()
            for i in connections.indices.reversed() {
                var step = MetricsConnection.Step.open
                if fds[i + 2].revents != 0 { step = advance(&connections[i], buffer: &buffer, now: now) }
                if step == .open && now >= connections[i].deadline { step = .done }
                if step == .done {
                    close(connections[i].fd)
                    connections.remove(at: i)
                }
            }
            if fds[1].revents != 0 {
                while connections.count < Self.maxConnections {
                    let client = accept(listener, nil, nil)
                    if client < 0 { break }
                    _ = fcntl(client, F_SETFD, FD_CLOEXEC)
                    _ = fcntl(client, F_SETFL, O_NONBLOCK)
                    connections.append(MetricsConnection(fd: client, deadline: now + Int64(Self.requestTimeout)))
                }
            }
        }
    }

    /// Moves one connection along as far as its socket allows: reads, and once the request is complete,
    /// answers it.
    private func advance(_ connection: inout MetricsConnection, buffer: inout [UInt8], now: Int64)
        -> MetricsConnection.Step
    {
        if connection.isAnswering { return connection.send() }
        switch connection.receive(into: &buffer, maxRequest: Self.maxRequest) {
        case .open: return .open
        case .done: return .done
        case .requestComplete:
            served.add(1, ordering: .relaxed)
            let answer = answer(to: String(decoding: connection.request, as: UTF8.self))
            return connection.answer(answer, deadline: now + Self.answerTimeout)
        }
    }

    /// The whole HTTP answer to a request's line and headers.
    private func answer(to request: String) -> [UInt8] {
        let line = request.split(separator: "\r\n", maxSplits: 1).first ?? ""
        let parts = line.split(separator: " ")
        guard parts.count == 3, parts[2].hasPrefix("HTTP/1.") else {
            return response(status: "400 Bad Request", body: "not an HTTP/1.x request\n")
        }
        let method = parts[0]
        let path = parts[1].split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        guard method == "GET" || method == "HEAD" else {
            return response(status: "405 Method Not Allowed", body: "GET /metrics\n", extra: "Allow: GET, HEAD\r\n")
        }
        guard path == "/metrics" else {
            return response(status: "404 Not Found", body: "zonesep serves its metrics at /metrics\n")
        }
        return response(
            status: "200 OK", body: registry.render(), contentType: PrometheusText.contentType,
            headOnly: method == "HEAD")
    }

    private func response(
        status: String, body: String, contentType: String = "text/plain; charset=utf-8", extra: String = "",
        headOnly: Bool = false
    ) -> [UInt8] {
        let bodyBytes = Array(body.utf8)
        let head =
            "HTTP/1.1 \(status)\r\nContent-Type: \(contentType)\r\nContent-Length: \(bodyBytes.count)\r\n"
            + "\(extra)Connection: close\r\n\r\n"
        var bytes = Array(head.utf8)
        if !headOnly { bytes += bodyBytes }
        return bytes
    }

    static func monotonicMillis() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    static func errorText() -> String { String(cString: strerror(errno)) }
}
