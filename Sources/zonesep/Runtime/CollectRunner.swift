import ZonesepCore
import ZonesepFlowExport
import ZonesepOutput
import ZonesepRuntime

#if canImport(Glibc)
    import Glibc
#endif

/// What `zonesep collect` was asked to do.
struct CollectSettings {
    var configPath: String
    var listen: [ListenAddress] = []
    var format: OutputFormat = .text
    var delivery: DeliveryOptions?
    var maxFlows = 1 << 20
}

/// The collector's lifecycle: zones.conf, the outputs and every UDP socket are opened first; then one
/// thread polls the sockets and the signal pipe, decodes each datagram, judges its records, and at the
/// end writes the summary with each exporter's counts.
final class CollectRunner {
    let settings: CollectSettings
    init(_ settings: CollectSettings) { self.settings = settings }

    func run() -> Int32 {
        guard var policy = PolicyLoading.load(settings.configPath, now: WallClock.nowMicros()).map(Policy.init)
        else { return ExitStatus.usage }
        guard let control = Wakeup() else {
            Diagnostics.error("cannot create a pipe: \(String(cString: strerror(errno)))")
            return ExitStatus.usage
        }
        DaemonSignals.install(control)
        let delivery: DeliveryPipeline
        do {
            var config = DeliveryConfig()
            config.suppressWindowMicros = WatchSettings.suppressWindow
            delivery = try DeliveryPipeline(
                settings.delivery?.config(defaultSuppressWindow: WatchSettings.suppressWindow) ?? config,
                stdout: StdoutSink(format: settings.format, flushEachLine: true))
        } catch {
            Diagnostics.error(error.description)
            return ExitStatus.usage
        }
        var sockets: [Int32] = []
        for l in settings.listen {
            switch CollectRunner.open(l) {
            case .success(let fd): sockets.append(fd)
            case .failure(let message):
                Diagnostics.error("--listen \(l.description): \(message)")
                for fd in sockets { close(fd) }
                return ExitStatus.usage
            }
        }
        defer { for fd in sockets { close(fd) } }

        let alerts = CollectAlerts(head: delivery.head)
        let table = ExportFlowTable(
            policy: policy, capacity: settings.maxFlows,
            sink: delivery.flowFile.map { SinkFanout([alerts, $0]) } ?? alerts)
        alerts.table = table
        var decoder = FlowExportDecoder()
        Diagnostics.note(
            "collecting flow exports on \(settings.listen.map(\.description).joined(separator: ", ")); "
                + "zones from \(settings.configPath); SIGHUP reloads it, SIGTERM or SIGINT stops")

        var fds = sockets.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        fds.append(pollfd(fd: control.readDescriptor, events: Int16(POLLIN), revents: 0))
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var running = true
        while running {
            let n = poll(&fds, nfds_t(fds.count), 1000)
            if n < 0 && errno != EINTR {
                Diagnostics.error("poll: \(String(cString: strerror(errno)))")
                break
            }
            for i in 0..<sockets.count where fds[i].revents & Int16(POLLIN) != 0 {
                CollectRunner.drain(sockets[i], buffer: &buffer) { bytes, address, port in
                    decoder.decode(bytes, exporter: address, port: port, receivedMicros: WallClock.nowMicros()) {
                        table.add($0)
                    }
                    table.flush()
                }
            }
            if fds[sockets.count].revents & Int16(POLLIN) != 0 {
                for request in DaemonSignals.requests(control.drain()) {
                    switch request {
                    case .reload:
                        delivery.reopenAlertFile()
                        if let p = PolicyLoading.load(
                            settings.configPath, now: WallClock.nowMicros(), refused: "the running map is kept"
                        ).map(Policy.init) {
                            policy = p
                            table.replacePolicy(p)
                            Diagnostics.note("reloaded \(settings.configPath)")
                        }
                    case .stop: running = false
                    }
                }
            }
        }
        table.finish()
        delivery.head.finish(at: table.now)
        let summary = CollectSummary(table: table, decoder: decoder, sensor: policy.config.sensor)
        let (json, text) = (summary.json(), summary.text())
        delivery.writeAside(Record(kind: .summary, timestampMicros: table.now, json: json, text: text))
        _ = delivery.syslog?.drain()
        delivery.close()
        return ExitStatus.clean
    }

    enum OpenResult {
        case success(Int32)
        case failure(String)
    }

    /// A non-blocking UDP socket bound to `l`, with a large receive buffer (exporters send in bursts).
    static func open(_ l: ListenAddress) -> OpenResult {
        let fd = socket(l.isIPv6 ? AF_INET6 : AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return .failure("socket: \(String(cString: strerror(errno)))") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var size: Int32 = 8 << 20
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        var result: Int32
        if l.isIPv6 {
            var a = sockaddr_in6()
            a.sin6_family = sa_family_t(AF_INET6)
            a.sin6_port = l.port.bigEndian
            inet_pton(AF_INET6, l.host, &a.sin6_addr)
            result = withUnsafePointer(to: &a) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        } else {
            var a = sockaddr_in()
            a.sin_family = sa_family_t(AF_INET)
            a.sin_port = l.port.bigEndian
            inet_pton(AF_INET, l.host, &a.sin_addr)
            result = withUnsafePointer(to: &a) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        guard result == 0 else {
            let message = String(cString: strerror(errno))
            close(fd)
            return .failure("bind: \(message)")
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        return .success(fd)
    }

    /// Reads what the socket holds (at most 4096 datagrams, so a flood cannot starve the signal pipe).
    static func drain(
        _ fd: Int32, buffer: inout [UInt8], _ body: (UnsafeRawBufferPointer, IPAddress, UInt16) -> Void
    ) {
        for _ in 0..<4096 {
            var from = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let n = buffer.withUnsafeMutableBytes { b in
                withUnsafeMutablePointer(to: &from) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        recvfrom(fd, b.baseAddress, b.count, 0, $0, &length)
                    }
                }
            }
            guard n >= 0 else { return }
            let (address, port) = CollectRunner.source(from)
            buffer.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[..<n]), address, port) }
        }
    }

    /// The sender's address and port (an IPv4-mapped IPv6 address is the IPv4 address).
    static func source(_ s: sockaddr_storage) -> (IPAddress, UInt16) {
        var s = s
        let family = Int32(s.ss_family)
        return withUnsafePointer(to: &s) { p in
            if family == AF_INET6 {
                return p.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { a in
                    var v: UInt128 = 0
                    withUnsafeBytes(of: a.pointee.sin6_addr) { for b in $0 { v = v << 8 | UInt128(b) } }
                    return (IPAddress(v6: v), UInt16(bigEndian: a.pointee.sin6_port))
                }
            }
            return p.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { a in
                (IPAddress(v4: UInt32(bigEndian: a.pointee.sin_addr.s_addr)), UInt16(bigEndian: a.pointee.sin_port))
            }
        }
    }
}

/// The closing record of `collect`: flows, alerts by rule, records not judged by reason, and per exporter
/// what it sent and what could not be read.
struct CollectSummary {
    let table: ExportFlowTable
    let decoder: FlowExportDecoder
    let sensor: String

    var exporters: [(IPAddress, ExporterStats)] { decoder.stats.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } }

    func json() -> String {
        var o = JSONObject()
        o.add("event_type", "summary")
        o.add("input", "flow-export")
        o.add("sensor", sensor)
        o.add("records", table.records)
        o.add("flows", table.flows)
        o.add("flows_evicted", table.evictions)
        var alerts = JSONObject()
        for rule in RuleID.allCases { alerts.add(rule.name, table.violations[rule] ?? 0) }
        o.addRaw("alerts", alerts.json)
        var skipped = JSONObject()
        skipped.add("icmp_errors", table.skipped.icmpErrors)
        skipped.add("fragments", table.skipped.fragments)
        skipped.add("no_address", table.skipped.noAddress)
        o.addRaw("records_not_judged", skipped.json)
        o.add("datagrams_rejected", decoder.rejectedDatagrams)
        o.addRaw(
            "exporters",
            JSONObject.array(exporters.map { Self.json($0.0, $0.1, flows: table.flowsByExporter[$0.0] ?? 0) }))
        return o.json
    }

    /// One exporter's counts: what it sent, the flows whose first record it sent, what could not be read.
    static func json(_ address: IPAddress, _ s: ExporterStats, flows: UInt64) -> String {
        var e = JSONObject()
        e.add("exporter", address.description)
        e.add("datagrams", s.datagrams)
        e.add("records", s.records)
        e.add("flows", flows)
        e.add("templates", s.templates)
        e.add("templates_withdrawn", s.templatesWithdrawn)
        e.add("templates_expired", s.templatesExpired)
        e.add("options_records", s.optionsRecords)
        e.add("sets_held", s.setsHeld)
        e.add("sets_released", s.setsReleased)
        e.add("counter_samples", s.counterSamples)
        e.add("sampled_not_ip", s.sampledNotIP)
        e.add("sequence_gaps", s.sequenceGaps)
        e.add("missed_datagrams", s.missedDatagrams)
        e.add("missed_records", s.missedRecords)
        e.add("sequence_resets", s.sequenceResets)
        var f = JSONObject()
        for (name, count) in s.failures.nonZero { f.add(name, count) }
        e.addRaw("decode_failures", f.json)
        return e.json
    }

    func text() -> String {
        var lines = [
            "collected \(table.records) records into \(table.flows) flows, "
                + "\(table.violations.values.reduce(0, +)) violating"
        ]
        for rule in RuleID.allCases where (table.violations[rule] ?? 0) > 0 {
            lines.append("  \(rule.name): \(table.violations[rule] ?? 0)")
        }
        let s = table.skipped
        if s.icmpErrors + s.fragments + s.noAddress > 0 {
            lines.append(
                "not judged on their own: \(s.icmpErrors) ICMP error records, \(s.fragments) fragment records, "
                    + "\(s.noAddress) without addresses")
        }
        for (address, e) in exporters {
            var line =
                "exporter \(address): \(e.datagrams) datagrams, \(e.records) records, "
                + "\(table.flowsByExporter[address] ?? 0) flows, \(e.templates) templates"
            if e.sequenceGaps > 0 {
                line +=
                    ", \(e.sequenceGaps) sequence gaps (\(e.missedDatagrams) datagrams, \(e.missedRecords) records lost)"
            }
            if e.totalFailures > 0 {
                line += ", failures: " + e.failures.nonZero.map { "\($0.name) \($0.count)" }.joined(separator: ", ")
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}
