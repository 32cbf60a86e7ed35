import Foundation
import XCTest

@testable import ZonesepOutput

#if canImport(Glibc)
    import Glibc
#endif

/// The HTTP endpoint on loopback, scraped with curl and the answer checked with promtool.
final class MetricsServerTests: XCTestCase {
    var servers: [MetricsServer] = []

    override func tearDown() {
        for s in servers { s.stop() }
        servers.removeAll()
        super.tearDown()
    }

    private func serve(_ registry: MetricsRegistry, at text: String = "127.0.0.1:0") throws -> MetricsServer {
        let address = try MetricsAddress.parse(text).get()
        let server = try MetricsServer(address: address, registry: registry)
        XCTAssertTrue(server.start())
        servers.append(server)
        return server
    }

    private func curl(_ arguments: [String]) throws -> ExternalTool.Outcome {
        try ExternalTool.run(
            try ExternalTool.find("curl", package: "curl"), ["-sS", "--max-time", "10"] + arguments)
    }

    func testAScrapeAnswersWhatWasLastPublished() throws {
        let registry = MetricsRegistry()
        registry.publish(PrometheusTextTests.sample)
        let server = try serve(registry)
        XCTAssertNotEqual(server.port, 0, "port 0 asks the system for a free port; the server knows which")
        let url = "http://127.0.0.1:\(server.port)/metrics"

        let first = try curl(["-D", "-", url])
        XCTAssertEqual(first.status, 0, first.stderr)
        let (head, body) = Self.split(first.stdout)
        XCTAssertTrue(head.hasPrefix("HTTP/1.1 200 OK\r\n"), head)
        XCTAssertTrue(head.contains("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"), head)
        XCTAssertTrue(head.contains("Content-Length: \(body.utf8.count)\r\n"), head)
        XCTAssertEqual(body, PrometheusText.render(PrometheusTextTests.sample))

        let promtool = try ExternalTool.find("promtool", package: "prometheus")
        let check = try ExternalTool.run(promtool, ["check", "metrics"], input: body)
        XCTAssertEqual(check.status, 0, check.stdout + check.stderr)

        // A new snapshot is what the next scrape shows; a query string is ignored.
        registry.publish([MetricFamily("zonesep_packets_total", .counter, help: "Packets.", value: .count(5))])
        let second = try curl([url + "?x=1"])
        XCTAssertEqual(
            second.stdout,
            "# HELP zonesep_packets_total Packets.\n# TYPE zonesep_packets_total counter\nzonesep_packets_total 5\n")
        XCTAssertEqual(server.requestsServed, 2)
    }

    func testOtherPathsAndMethods() throws {
        let registry = MetricsRegistry()
        registry.publish(PrometheusTextTests.sample)
        let server = try serve(registry)
        let base = "http://127.0.0.1:\(server.port)"
        XCTAssertEqual(try curl(["-o", "/dev/null", "-w", "%{http_code}", base + "/"]).stdout, "404")
        XCTAssertEqual(try curl(["-o", "/dev/null", "-w", "%{http_code}", base + "/metricsx"]).stdout, "404")
        XCTAssertEqual(
            try curl(["-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", base + "/metrics"]).stdout, "405")
        let head = try curl(["-I", base + "/metrics"])
        XCTAssertTrue(head.stdout.hasPrefix("HTTP/1.1 200 OK\r\n"), head.stdout)
        let length = PrometheusText.render(PrometheusTextTests.sample).utf8.count
        XCTAssertTrue(head.stdout.contains("Content-Length: \(length)\r\n"), head.stdout)
        XCTAssertTrue(head.stdout.hasSuffix("\r\n\r\n"), "HEAD has no body")
    }

    /// Clients that connect and say nothing do not hold the scrape behind them: the server answers each
    /// connection as soon as its request is complete. A serial server would make this scrape wait the
    /// request timeout once per silent client (8 s here), past curl's 3 s limit.
    func testASilentClientDoesNotBlockTheNextScrape() throws {
        let registry = MetricsRegistry()
        registry.publish(PrometheusTextTests.sample)
        let server = try serve(registry)
        var silent: [Int32] = []
        defer { for fd in silent { close(fd) } }
        for _ in 0..<4 { silent.append(try Self.connectLoopback(server.port)) }
        let scrape = try curl([
            "--max-time", "3", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(server.port)/metrics",
        ])
        XCTAssertEqual(scrape.status, 0, "the scrape waited behind the silent clients: \(scrape.stderr)")
        XCTAssertEqual(scrape.stdout, "200", scrape.stderr)
        XCTAssertEqual(server.requestsServed, 1, "the silent connections were not counted as requests")
        // Each silent client is dropped once its own request timeout has passed: the server closes it.
        for fd in silent {
            let (text, closed) = Self.receiveAll(fd, seconds: 6)
            XCTAssertTrue(closed, "the server closed the silent connection")
            XCTAssertEqual(text, "", "with no answer")
        }
    }

    /// A request sent in pieces is answered once complete, while other scrapes are answered in between.
    func testARequestInPiecesIsAnsweredWhenComplete() throws {
        let registry = MetricsRegistry()
        registry.publish(PrometheusTextTests.sample)
        let server = try serve(registry)
        let slow = try Self.connectLoopback(server.port)
        defer { close(slow) }
        Self.sendText(slow, "GET /metrics HTTP/1.1\r\nHost: x\r\n")
        let scrape = try curl(["--max-time", "3", "http://127.0.0.1:\(server.port)/metrics"])
        XCTAssertEqual(scrape.stdout, PrometheusText.render(PrometheusTextTests.sample), scrape.stderr)
        Self.sendText(slow, "\r\n")
        let (answer, _) = Self.receiveAll(slow, seconds: 3)
        XCTAssertTrue(answer.hasPrefix("HTTP/1.1 200 OK\r\n"), answer)
        XCTAssertTrue(answer.hasSuffix(PrometheusText.render(PrometheusTextTests.sample)), answer)
        XCTAssertEqual(server.requestsServed, 2)
    }

    /// More clients than the cap: the ones past it wait in the kernel's queue, and are answered once a
    /// connection ahead of them finishes (here, one silent client hanging up).
    func testClientsPastTheCapWaitTheirTurn() throws {
        let registry = MetricsRegistry()
        registry.publish(PrometheusTextTests.sample)
        let server = try serve(registry)
        var silent: [Int32] = []
        defer { for fd in silent { close(fd) } }
        for _ in 0..<MetricsServer.maxConnections { silent.append(try Self.connectLoopback(server.port)) }
        let late = try Self.connectLoopback(server.port)
        defer { close(late) }
        Self.sendText(late, "GET /metrics HTTP/1.0\r\n\r\n")
        // Within the silent clients' 2 s: the cap is full, so the late one is not even accepted.
        let (early, closedEarly) = Self.receiveAll(late, seconds: 1)
        XCTAssertEqual(early, "", "answered past the cap of \(MetricsServer.maxConnections)")
        XCTAssertFalse(closedEarly)
        close(silent.removeFirst())
        let (answer, _) = Self.receiveAll(late, seconds: 3)
        XCTAssertTrue(answer.hasPrefix("HTTP/1.1 200 OK\r\n"), "answered once a place was free: \(answer)")
        XCTAssertEqual(server.requestsServed, 1)
    }

    static func connectLoopback(_ port: UInt16) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var sin = sockaddr_in()
        sin.sin_family = sa_family_t(AF_INET)
        sin.sin_port = port.bigEndian
        sin.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let rc = withUnsafePointer(to: &sin) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard rc == 0 else {
            close(fd)
            throw XCTSkip("cannot connect to 127.0.0.1:\(port): \(String(cString: strerror(errno)))")
        }
        return fd
    }

    static func sendText(_ fd: Int32, _ text: String) {
        let bytes = Array(text.utf8)
        XCTAssertEqual(bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }, bytes.count)
    }

    /// What the server sends, read until it closes (`closed`) or the time limit passes.
    static func receiveAll(_ fd: Int32, seconds: Int) -> (String, closed: Bool) {
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        var got = 0
        repeat {
            got = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if got > 0 { data += buffer[0..<got] }
        } while got > 0 || (got < 0 && errno == EINTR)
        return (String(decoding: data, as: UTF8.self), got == 0)
    }

    func testStopClosesThePort() throws {
        let server = try serve(MetricsRegistry())
        let url = "http://127.0.0.1:\(server.port)/metrics"
        XCTAssertEqual(try curl(["-o", "/dev/null", "-w", "%{http_code}", url]).stdout, "200")
        server.stop()
        servers.removeAll()
        XCTAssertEqual(try curl([url]).status, 7, "curl: could not connect")
    }

    func testAPortInUseIsAClearError() throws {
        let first = try serve(MetricsRegistry())
        let address = try MetricsAddress.parse("127.0.0.1:\(first.port)").get()
        XCTAssertThrowsError(try MetricsServer(address: address, registry: MetricsRegistry())) { error in
            XCTAssertEqual(
                "\(error)", "--metrics 127.0.0.1:\(first.port): cannot listen there: Address already in use")
        }
    }

    func testIPv6Loopback() throws {
        let registry = MetricsRegistry()
        registry.publish(PrometheusTextTests.sample)
        let server: MetricsServer
        do {
            server = try serve(registry, at: "[::1]:0")
        } catch {
            throw XCTSkip("no IPv6 loopback here: \(error)")
        }
        let answer = try curl(["-g", "http://[::1]:\(server.port)/metrics"])
        XCTAssertEqual(answer.stdout, PrometheusText.render(PrometheusTextTests.sample))
    }

    func testAddresses() {
        XCTAssertEqual(try MetricsAddress.parse("127.0.0.1:9468").get(), MetricsAddress(host: "127.0.0.1", port: 9468))
        XCTAssertEqual(try MetricsAddress.parse("[::1]:9468").get(), MetricsAddress(host: "::1", port: 9468))
        XCTAssertEqual(try MetricsAddress.parse("localhost:0").get(), MetricsAddress(host: "localhost", port: 0))
        XCTAssertEqual(MetricsAddress(host: "::", port: 1).description, "[::]:1")
        let bad: [(String, String)] = [
            ("9468", "no port"), (":9468", "no address"), ("::1:9468", "brackets"), ("[::1]9468", "]:PORT"),
            ("127.0.0.1:", "0 to 65535"), ("127.0.0.1:65536", "0 to 65535"), ("127.0.0.1:-1", "0 to 65535"),
            ("127.0.0.1:٣", "0 to 65535"),
        ]
        for (text, message) in bad {
            switch MetricsAddress.parse(text) {
            case .success(let a): XCTFail("\(text) parsed as \(a)")
            case .failure(let e):
                XCTAssertTrue(e.description.hasPrefix("--metrics '\(text)'"), e.description)
                XCTAssertTrue(e.description.contains(message), "\(text): \(e.description)")
            }
        }
        XCTAssertThrowsError(
            try MetricsServer(
                address: MetricsAddress(host: "no-such-host.invalid", port: 0), registry: MetricsRegistry())
        ) { XCTAssertTrue("\($0)".contains("cannot resolve no-such-host.invalid"), "\($0)") }
    }

    static func split(_ response: String) -> (String, String) {
        guard let r = response.range(of: "\r\n\r\n") else { return (response, "") }
        return (String(response[..<r.upperBound]), String(response[r.upperBound...]))
    }
}
