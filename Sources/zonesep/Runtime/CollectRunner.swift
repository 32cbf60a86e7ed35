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
    /// 0: no periodic stats (the closing one is still written).
    var statsIntervalSeconds = 60
    /// `--metrics ADDR:PORT`: the Prometheus endpoint.
    var metrics: MetricsAddress?
}

/// The collector's lifecycle: zones.conf, the outputs and every UDP socket are opened first; then one
/// thread polls the sockets and the signal pipe, decodes each datagram, judges its records, writes a
/// stats record every `--stats-interval` and refreshes the metrics once a second, and at the end writes
/// a last stats record and the summary with each exporter's counts.
final class CollectRunner {
    let settings: CollectSettings
    /// What the metrics endpoint shows.
    private let registry = MetricsRegistry()
    private var reloads = WatchMetrics.Reloads(startedWallMicros: WallClock.nowMicros())
    /// USR1, USR2 and ALRM already said to be ignored.
    private var ignoredSignals = DaemonSignals.IgnoredNotes()

    init(_ settings: CollectSettings) { self.settings = settings }

    func run() -> Int32 {
        guard
            let start = DaemonStart(
                configPath: settings.configPath, delivery: settings.delivery, format: settings.format,
                flowsMACCheck: .notInRecord)
        else { return ExitStatus.usage }
        var policy = start.policy
        let control = start.control
        let delivery = start.delivery
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
        var metrics: MetricsServer?
        if let address = settings.metrics {
            do {
                metrics = try MetricsServer(address: address, registry: registry)
            } catch {
                Diagnostics.error(error.description)
                return ExitStatus.usage
            }
        }

        let alerts = CollectAlerts(head: delivery.head)
        let flows = delivery.flowFile.map(CollectFlows.init)
        let table = ExportFlowTable(
            policy: policy, capacity: settings.maxFlows, sink: flows.map { SinkFanout([alerts, $0]) } ?? alerts)
        alerts.table = table
        flows?.table = table
        var decoder = FlowExportDecoder()
        Diagnostics.note(
            "collecting flow exports on \(settings.listen.map(\.description).joined(separator: ", ")); "
                + "zones from \(settings.configPath); SIGHUP reloads it, SIGTERM or SIGINT stops")
        if let metrics {
            publishMetrics(table, decoder, delivery, sensor: policy.config.sensor)
            guard metrics.start() else {
                Diagnostics.error("cannot start the metrics thread: \(String(cString: strerror(errno)))")
                return ExitStatus.usage
            }
            Diagnostics.note(
                "metrics at http://\(MetricsAddress(host: metrics.address.host, port: metrics.port))/metrics")
        }
        let interval = Int64(settings.statsIntervalSeconds) * 1_000_000
        var nextStats = interval > 0 ? Monotonic.nowMicros() + interval : Int64.max
        var nextMetrics = Monotonic.nowMicros() + 1_000_000
        var nextRejectionNote = Monotonic.nowMicros()

        var fds = sockets.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        fds.append(pollfd(fd: control.readDescriptor, events: Int16(POLLIN), revents: 0))
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var running = true
        while running {
            // Woken by a datagram, a signal, or the next stats record or metrics refresh (at most 1 s).
            let due = min(nextStats, settings.metrics == nil ? .max : nextMetrics)
            let wait = due == .max ? 1000 : (due - Monotonic.nowMicros() + 999) / 1000
            let n = poll(&fds, nfds_t(fds.count), Int32(clamping: max(0, min(wait, 1000))))
            if n < 0 && errno != EINTR {
                Diagnostics.error("poll: \(String(cString: strerror(errno)))")
                break
            }
            for i in 0..<sockets.count where fds[i].revents & Int16(POLLIN) != 0 {
                CollectRunner.drain(sockets[i], buffer: &buffer) { bytes, address, port in
                    // Held and judged at the flush in the order the datagram's flows started.
                    decoder.decode(bytes, exporter: address, port: port, receivedMicros: WallClock.nowMicros()) {
                        table.hold($0)
                    }
                    table.flush()
                    if !decoder.portlessTemplates.isEmpty {
                        for t in decoder.takePortlessTemplates() { CollectRunner.warnPortless(t) }
                    }
                }
            }
            // The alerts of the datagrams just read go to syslog together, then into the alerts file.
            delivery.endOfBatch()
            if fds[sockets.count].revents & Int16(POLLIN) != 0 {
                for request in DaemonSignals.requests(control.drain()) {
                    switch request {
                    case .reload:
                        delivery.reopenAlertFile()
                        // Zones renamed or removed keep their old ids for the flows judged under them.
                        if let p = PolicyLoading.reload(
                            settings.configPath, counting: &reloads, refused: "the running map is kept"
                        ).map({ Policy($0.keepingRetiredZones(of: policy.config)) }) {
                            policy = p
                            table.replacePolicy(p)
                            Diagnostics.note("reloaded \(settings.configPath)")
                        }
                    case .stop: running = false
                    case .ignored(let signal): ignoredSignals.note(signal)
                    }
                }
            }
            // Held sets and sequence gaps age by the clock, even for an exporter that has gone quiet.
            decoder.settle(nowMicros: WallClock.nowMicros())
            let now = Monotonic.nowMicros()
            if now >= nextRejectionNote {
                CollectRunner.warnRejected(&decoder)
                nextRejectionNote = now + 10_000_000
            }
            if metrics != nil && now >= nextMetrics {
                publishMetrics(table, decoder, delivery, sensor: policy.config.sensor)
                nextMetrics = now + 1_000_000
            }
            if now >= nextStats {
                writeStats(table, decoder, delivery, sensor: policy.config.sensor)
                nextStats = max(nextStats + interval, now)
            }
        }
        table.finish()
        decoder.finish()
        CollectRunner.warnRejected(&decoder)
        CollectRunner.warnUndecoded(decoder)
        writeStats(table, decoder, delivery, sensor: policy.config.sensor)
        publishMetrics(table, decoder, delivery, sensor: policy.config.sensor)
        metrics?.stop()
        delivery.head.finish(at: table.now)
        let summary = CollectSummary(
            table: table, decoder: decoder, sensor: policy.config.sensor, held: CollectSummary.HeldAlerts(delivery))
        let (json, text) = (summary.json(), summary.text())
        delivery.writeAside(Record(kind: .summary, timestampMicros: table.now, json: json, text: text))
        _ = delivery.syslog?.drain()
        delivery.close()
        return ExitStatus.clean
    }

    /// Once per template: an export aggregated by addresses leaves most of its flows unverified, which
    /// the operator must hear of while it runs, not only from the summary's counts.
    static func warnPortless(_ t: PortlessTemplate) {
        Diagnostics.warning(
            "\(t): no port fields (an export aggregated by addresses): its TCP, UDP and SCTP records are judged "
                + "only where no port or direction could change the verdict, the others are counted as "
                + "records_not_judged no_ports")
    }

    /// Says on stderr (at most every 10 seconds) which exporters had datagrams rejected for a full session
    /// or exporter table since the last time: what they send goes unverified until idle sessions are forgotten.
    static func warnRejected(_ decoder: inout FlowExportDecoder) {
        let (byExporter, unnamed) = decoder.takeRejections()
        let limits = decoder.limits
        let full =
            "the session table is full (\(limits.sessions) sessions, each forgotten after "
            + "\(limits.sessionIdleMicros / 60_000_000) minutes idle) or the exporter table "
            + "(\(limits.exporters) exporters)"
        for (address, n) in byExporter.sorted(by: { $0.key < $1.key }) {
            Diagnostics.warning(
                "exporter \(address): \(n == 1 ? "1 datagram" : "\(n) datagrams") rejected and not judged: \(full)")
        }
        if unnamed > 0 {
            Diagnostics.warning("\(unnamed) more datagrams of other exporters rejected and not judged: \(full)")
        }
    }

    /// Says on stderr, per exporter, how many data sets were never decoded for want of their template
    /// (still held at the end, held too long, or evicted): their records were never judged.
    static func warnUndecoded(_ decoder: FlowExportDecoder) {
        for (address, s) in CollectSummary.exporters(decoder) where s.failures[.noTemplate] > 0 {
            let n = s.failures[.noTemplate]
            Diagnostics.warning(
                "exporter \(address): \(n == 1 ? "1 data set" : "\(n) data sets") never decoded (no-template): "
                    + "the template never came, and the records in them were not judged")
        }
    }

    private func publishMetrics(
        _ table: ExportFlowTable, _ decoder: FlowExportDecoder, _ delivery: DeliveryPipeline, sensor: String
    ) {
        guard settings.metrics != nil else { return }
        registry.publish(
            CollectMetrics.families(
                sensor: sensor, version: Zonesep.version, table: table, decoder: decoder, reloads: reloads,
                sinks: delivery.sinkCounts(), held: CollectSummary.HeldAlerts(delivery)))
    }

    private func writeStats(
        _ table: ExportFlowTable, _ decoder: FlowExportDecoder, _ delivery: DeliveryPipeline, sensor: String
    ) {
        let stats = CollectStats(
            table: table, decoder: decoder, sensor: sensor, listen: settings.listen,
            held: CollectSummary.HeldAlerts(delivery))
        let json = stats.json(
            wallMicros: WallClock.nowMicros(), delivery: delivery.current(), sinks: delivery.sinkCounts())
        let text = stats.text()
        delivery.writeAside(Record(kind: .stats, timestampMicros: table.now, json: json, text: text))
    }

    enum OpenResult {
        case success(Int32)
        case failure(String)
    }

    /// A non-blocking UDP socket bound to `l`, with a large receive buffer (exporters send in bursts).
    ///
    /// No SO_REUSEADDR: on Linux it lets two UDP sockets share a port, and the last bound then takes every
    /// datagram, so a second collector (or one started beside rsyslog) would blind the first without a word.
    /// UDP has no TIME_WAIT for it to work around.
    ///
    /// IPV6_V6ONLY on an IPv6 socket: `[::]:P` takes IPv6 only, so `0.0.0.0:P` can sit beside it (dual-stack,
    /// it would hold IPv4 port P as well and the pair would clash).
    static func open(_ l: ListenAddress) -> OpenResult {
        let fd = socket(l.isIPv6 ? AF_INET6 : AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return .failure("socket: \(String(cString: strerror(errno)))") }
        var size: Int32 = 8 << 20
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        if l.isIPv6 && !l.isIPv4Mapped {
            var one: Int32 = 1
            guard setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, socklen_t(MemoryLayout<Int32>.size)) == 0
            else {
                let message = String(cString: strerror(errno))
                close(fd)
                return .failure("IPV6_V6ONLY: \(message)")
            }
        }
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
            let code = errno
            var message = "cannot listen there: \(String(cString: strerror(code)))"
            if code == EADDRINUSE { message += " (another program, or another zonesep collect, holds this UDP port)" }
            close(fd)
            return .failure(message)
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
