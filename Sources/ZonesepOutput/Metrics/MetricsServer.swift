import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The `/metrics` endpoint: a small HTTP/1.1 listener on a thread of its own, answering each scrape with
/// what the registry holds now, then closing the connection. A Prometheus server or a Zabbix agent asks a
/// few times a minute, so connections are taken one at a time; one that sends no complete request within
/// `requestTimeout` is dropped, so a stuck client never holds the next scrape for long.
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
    /// A request larger than this is refused (a scrape's is a few hundred bytes).
    static let maxRequest = 8192

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
        guard listen(fd, 16) == 0 else {
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
        var fds = [
            pollfd(fd: listener, events: Int16(POLLIN), revents: 0),
            pollfd(fd: stopRead, events: Int16(POLLIN), revents: 0),
        ]
        while true {
            let n = poll(&fds, 2, -1)
            if n < 0 && errno == EINTR { continue }
            if n < 0 || fds[1].revents != 0 { return }
            guard fds[0].revents != 0 else { continue }
            let client = accept(listener, nil, nil)
            if client < 0 { continue }
            _ = fcntl(client, F_SETFD, FD_CLOEXEC)
            serve(client)
            close(client)
        }
    }

    private func serve(_ client: Int32) {
        guard let request = readRequest(client) else { return }
        served.add(1, ordering: .relaxed)
        let line = request.split(separator: "\r\n", maxSplits: 1).first ?? ""
        let parts = line.split(separator: " ")
        guard parts.count == 3, parts[2].hasPrefix("HTTP/1.") else {
            return respond(client, status: "400 Bad Request", body: "not an HTTP/1.x request\n")
        }
        let method = parts[0]
        let path = parts[1].split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        guard method == "GET" || method == "HEAD" else {
            return respond(
                client, status: "405 Method Not Allowed", body: "GET /metrics\n", extra: "Allow: GET, HEAD\r\n")
        }
        guard path == "/metrics" else {
            return respond(client, status: "404 Not Found", body: "zonesep serves its metrics at /metrics\n")
        }
        respond(
            client, status: "200 OK", body: registry.render(), contentType: PrometheusText.contentType,
            headOnly: method == "HEAD")
    }

    /// The request line and headers, or nil when the client closed, stalled or sent too much.
    private func readRequest(_ client: Int32) -> String? {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 2048)
        var fds = [
            pollfd(fd: client, events: Int16(POLLIN), revents: 0),
            pollfd(fd: stopRead, events: Int16(POLLIN), revents: 0),
        ]
        let deadline = Self.monotonicMillis() + Int64(Self.requestTimeout)
        while data.count < Self.maxRequest {
            let left = deadline - Self.monotonicMillis()
            if left <= 0 { return nil }
            let n = poll(&fds, 2, Int32(left))
            if n < 0 && errno == EINTR { continue }
            if n <= 0 || fds[1].revents != 0 { return nil }
            let got = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            if got <= 0 { return nil }
            data.append(contentsOf: buffer[0..<got])
            if Self.headerEnd(data) { return String(decoding: data, as: UTF8.self) }
        }
        return nil
    }

    static func headerEnd(_ data: [UInt8]) -> Bool {
        guard data.count >= 4 else { return false }
        for i in 0...(data.count - 4) where data[i] == 13 && data[i + 1] == 10 && data[i + 2] == 13 && data[i + 3] == 10
        {
            return true
        }
        return false
    }

    private func respond(
        _ client: Int32, status: String, body: String, contentType: String = "text/plain; charset=utf-8",
        extra: String = "", headOnly: Bool = false
    ) {
        let bodyBytes = Array(body.utf8)
        let head =
            "HTTP/1.1 \(status)\r\nContent-Type: \(contentType)\r\nContent-Length: \(bodyBytes.count)\r\n"
            + "\(extra)Connection: close\r\n\r\n"
        var bytes = Array(head.utf8)
        if !headOnly { bytes += bodyBytes }
        var sent = 0
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { send(client, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if n <= 0 {
                if n < 0 && errno == EINTR { continue }
                return
            }
            sent += n
        }
    }

    static func monotonicMillis() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }

    static func errorText() -> String { String(cString: strerror(errno)) }
}
