#if canImport(Glibc)
    import Glibc
#endif

/// Sends syslog messages to one destination without ever holding up the packet path.
///
/// Over UDP the datagrams leave from the caller's thread (`DatagramBatch`): what `enqueue` gathers goes
/// out at `flush` (the end of a batch of packets) in one non-blocking `sendmmsg`, and a datagram this host's
/// kernel refuses (a full send buffer, no route) is counted as undelivered with its reason, reported once. Streams and unix sockets have a background
/// thread and a bounded queue instead, woken once a batch: a slow or absent collector costs queued
/// messages, never packets.
///
/// Over TCP a message counts as sent only once the collector's TCP stack has acknowledged its last byte:
/// written messages wait in flight until the socket's send queue (Linux `SIOCOUTQ`) shows them gone. A
/// connection the collector has closed is noticed before the next write (a collector never sends, so a
/// readable socket means it hung up); what it had not acknowledged is sent again on the next connection,
/// made with exponential backoff while the queue holds what arrives meanwhile. What does not fit the queue
/// is dropped and counted. Writes never block past the drain deadline: at the end, what is still queued or
/// unacknowledged is counted as undelivered, and the connection is reset so that the collector does not
/// receive later what was counted so. A unix datagram socket that is missing or refuses is retried the
/// same way. UDP has no such signal: a datagram the network loses silently is lost.
///
/// `tls://` is the same stream inside TLS (RFC 5425): the collector's certificate must chain to the
/// given CA and name the host; until a handshake succeeds nothing is sent, the failure is reported once,
/// and the queue keeps the messages while the sender retries with backoff.
public final class SyslogSender: @unchecked Sendable {
    /// What happened to the messages handed over.
    public struct Stats: Sendable, Equatable {
        /// Delivered: over TCP, acknowledged by the collector's TCP stack; over UDP and unix, handed to
        /// the kernel whole.
        public var sent: UInt64 = 0
        /// Refused because the queue was full (the collector away, or slower than the alerts).
        public var droppedQueueFull: UInt64 = 0
        /// Given up: a UDP datagram the kernel refused, or still queued or unacknowledged when the drain
        /// deadline passed.
        public var droppedUndelivered: UInt64 = 0
        /// Of `droppedUndelivered`: written to the connection but never acknowledged by the collector.
        public var unacknowledged: UInt64 = 0
        /// Connections made after a failure or a lost connection.
        public var reconnects: UInt64 = 0
        /// Messages written again on a new connection because the old one lost them unacknowledged.
        public var resent: UInt64 = 0

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
    let tlsContext: TLSClientContext?

    // Shared with the sender thread, under `lock`.
    let lock = ConditionLock()
    var ring: [[UInt8]]
    var head = 0
    var count = 0
    /// Messages written but not yet acknowledged, or waiting to be written again (TCP).
    var unconfirmed = 0
    var stopping = false
    var deadline = Double.infinity
    var stats = Stats()
    var warnedFull = false
    /// Messages queued since the thread was last woken (it is woken once a batch, at `flush`).
    var unwoken = 0
    /// UDP: the datagrams of the current batch and the socket they leave by (no thread).
    let datagrams: DatagramBatch?
    /// UDP: datagrams refused by the kernel, by reason, each reason said once when it first comes.
    var refusals: [(errno: Int32, count: UInt64)] = []

    // The sender thread's own.
    let thread = BackgroundThread()
    var fd: Int32 = -1
    var backoff: Double
    var failing = false
    var finished = false
    /// The TLS layer of the current connection (`tls://`).
    var tls: TLSSession?
    /// Whether the collector has accepted the current TLS session, and from when it may be taken to have
    /// (see `tlsSettle`).
    var tlsAccepted = false
    var tlsAcceptAfter = 0.0
    /// Bytes written on the current connection.
    var streamWritten: UInt64 = 0
    /// Messages written on the current connection and not yet acknowledged, with the stream offset of
    /// their end, oldest first (from `inFlightHead`).
    var inFlight: [(message: [UInt8], end: UInt64)] = []
    var inFlightHead = 0
    /// Messages a lost connection had not acknowledged: written first on the next one.
    var retry: [[UInt8]] = []
    var retryHead = 0

    /// Checks the destination (a host name must resolve; for `tls://` the CA, certificate and key must
    /// load) and starts the sender thread.
    public init(
        destination: SyslogDestination, capacity: Int, backoff: Backoff = Backoff(), tls: SyslogTLSFiles? = nil,
        onEvent: @escaping @Sendable (String) -> Void = { _ in }
    ) throws(SyslogSendError) {
        self.destination = destination
        self.capacity = max(1, capacity)
        self.backoffPolicy = backoff
        self.backoff = backoff.initial
        self.onEvent = onEvent
        ring = [[UInt8]](repeating: [], count: max(1, capacity))
        if destination.isTLS {
            guard let tls else {
                throw SyslogSendError(destination: destination, reason: "tls:// needs --syslog-ca FILE")
            }
            do {
                tlsContext = try TLSClientContext(tls)
            } catch {
                throw SyslogSendError(destination: destination, reason: error.description)
            }
        } else {
            tlsContext = nil
        }
        switch destination {
        case .udp(let host, let port):
            switch SocketAddress.resolve(host: host, port: port, stream: false) {
            case .success(let a): datagrams = DatagramBatch(address: a[0])
            case .failure(let why): throw SyslogSendError(destination: destination, reason: why.description)
            }
            return
        case .tcp(let host, let port), .tls(let host, let port):
            if case .failure(let why) = SocketAddress.resolve(host: host, port: port, stream: true) {
                throw SyslogSendError(destination: destination, reason: why.description)
            }
        case .unix(let path):
            if path.utf8.count >= 108 {
                throw SyslogSendError(destination: destination, reason: "socket path longer than 107 bytes")
            }
        }
        datagrams = nil
        guard thread.start({ [self] in run() }) else {
            throw SyslogSendError(destination: destination, reason: "cannot start a sender thread")
        }
    }

    deinit {
        if !finished { _ = finish(timeout: 0) }
    }

    /// Queues one message (unframed RFC 5424) and sends it on at once; never blocks. When the queue is
    /// full the message is dropped and counted, and the first drop of an outage is reported.
    public func send(_ message: [UInt8]) {
        enqueue(message)
        flush()
    }

    /// Queues one message for the next `flush` (the end of the batch of packets that raised it); never
    /// blocks. A datagram waits in the batch (sent at once when the batch is full); a stream's message
    /// waits in the queue, its thread woken at the flush (or as soon as the queue is half full).
    public func enqueue(_ message: [UInt8]) {
        lock.lock()
        if let datagrams, !stopping {
            datagrams.append(message)
            let new = datagrams.isFull ? sendDatagrams(datagrams) : []
            lock.unlock()
            reportRefusals(new)
            return
        }
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
        unwoken += 1
        let wake = count >= capacity / 2
        if wake { unwoken = 0 }
        lock.unlock()
        if wake { lock.broadcast() }
    }

    /// Sends what was queued since the last flush: the datagrams in one `sendmmsg`, or the stream's
    /// thread woken once for all of its messages.
    public func flush() {
        lock.lock()
        if let datagrams {
            let new = sendDatagrams(datagrams)
            lock.unlock()
            reportRefusals(new)
            return
        }
        let wake = unwoken > 0
        unwoken = 0
        lock.unlock()
        if wake { lock.broadcast() }
    }

    /// Sends the batch's datagrams (the lock held) and counts them; the reasons refused for the first time.
    func sendDatagrams(_ batch: DatagramBatch) -> [Int32] {
        guard batch.count > 0 else { return [] }
        let outcome = batch.flush()
        stats.sent &+= UInt64(outcome.sent)
        var new: [Int32] = []
        for (e, n) in outcome.refused {
            stats.droppedUndelivered &+= UInt64(n)
            if let i = refusals.firstIndex(where: { $0.errno == e }) {
                refusals[i].count &+= UInt64(n)
            } else {
                refusals.append((e, UInt64(n)))
                new.append(e)
            }
        }
        return new
    }

    /// Says on stderr (once a reason) why the kernel refused datagrams.
    func reportRefusals(_ reasons: [Int32]) {
        for e in reasons {
            report(
                "datagrams refused by the kernel: \(SyslogSender.refusalText(e)); each one is counted as undelivered")
        }
    }

    /// A refusal's errno in words, with what it means for a syslog collector.
    static func refusalText(_ e: Int32) -> String {
        let text = String(cString: strerror(e))
        switch e {
        case EHOSTUNREACH, ENETUNREACH: return text + " (no route to the collector from this host)"
        case EMSGSIZE: return text + " (a message longer than a datagram can carry)"
        case EAGAIN, ENOBUFS: return text + " (the socket's send buffer was full)"
        default: return text
        }
    }

    /// UDP: the datagrams refused so far, by reason (`strerror` text), in the order the reasons came.
    public var refusedByReason: [(reason: String, count: UInt64)] {
        lock.withLock { refusals.map { (String(cString: strerror($0.errno)), $0.count) } }
    }

    /// The counts so far.
    public var currentStats: Stats { lock.withLock { stats } }

    /// Messages not yet delivered: queued (UDP: waiting for the end of the batch), or written and waiting
    /// for the collector's acknowledgement.
    public var queued: Int { lock.withLock { count + unconfirmed + (datagrams?.count ?? 0) } }

    /// Waits up to `timeout` seconds for every message to be delivered (queued and unacknowledged ones),
    /// still taking messages; true when they were.
    public func waitUntilEmpty(timeout: Double) -> Bool {
        flush()
        let deadline = ConditionLock.now() + timeout
        lock.lock()
        defer { lock.unlock() }
        while count + unconfirmed > 0 {
            if ConditionLock.now() >= deadline { return false }
            lock.wait(until: deadline)
        }
        return true
    }

    /// Stops taking messages and gives the sender up to `timeout` seconds from now to deliver what is
    /// queued, without waiting: several destinations drain at once, then `finish` collects each.
    public func requestFinish(timeout: Double) {
        flush()
        lock.withLock {
            if stopping { return }
            stopping = true
            deadline = ConditionLock.now() + max(0, timeout)
            datagrams?.close()
        }
        lock.broadcast()
    }

    /// Stops taking messages, gives the sender up to `timeout` seconds (or what `requestFinish` gave it)
    /// to deliver what is queued and have it acknowledged (what remains then is counted as undelivered),
    /// and closes the connection.
    public func finish(timeout: Double) -> Stats {
        if finished { return currentStats }
        finished = true
        requestFinish(timeout: timeout)
        thread.join()
        return currentStats
    }

    // MARK: - The sender thread

    enum Outcome {
        /// Delivered (a datagram), or written whole to the connection (TCP: in flight until acknowledged).
        case sent
        /// Not sent and not worth retrying (UDP).
        case lost
        /// Not sent: wait out the backoff and try again.
        case retry
        /// The connection was found closed: reconnect at once.
        case again
        /// The drain deadline passed while writing.
        case deadline
    }

    enum Next {
        case message([UInt8], fromRetry: Bool)
        /// Nothing to write, but messages in flight: look at the acknowledgements.
        case tick
        case stop
    }

    var isStream: Bool {
        switch destination {
        case .tcp, .tls: return true
        case .udp, .unix: return false
        }
    }

    func run() {
        while true {
            let next = nextMessage()
            switch next {
            case .tick:
                confirmAcknowledged()
                // A connection lost while messages wait for their acknowledgement: they go again now,
                // not when the next alert comes.
                if inFlightHead < inFlight.count && fd >= 0 && peerHasClosed() {
                    let refused = tls != nil && !tlsAccepted
                    connectionLost()
                    closedByCollector(refused: refused)
                    if refused && !waitBackoff() { return }
                }
                continue
            case .stop:
                drainAcknowledgements()
                return
            case .message(let message, let fromRetry):
                let outcome = deliver(message)
                switch outcome {
                case .sent, .lost:
                    taken(fromRetry: fromRetry, outcome: outcome)
                case .again:
                    continue
                case .retry:
                    if !waitBackoff() { return }
                case .deadline:
                    giveUp()
                    return
                }
            }
        }
    }

    /// The next message to write: one a lost connection left, else the queue's oldest.
    func nextMessage() -> Next {
        if retryHead < retry.count { return .message(retry[retryHead], fromRetry: true) }
        lock.lock()
        defer { lock.unlock() }
        while count == 0 {
            if stopping { return .stop }
            if inFlightHead < inFlight.count {
                lock.wait(until: ConditionLock.now() + 0.05)
                if count == 0 && !stopping { return .tick }
            } else {
                lock.wait()
            }
        }
        return .message(ring[head], fromRetry: false)
    }

    /// A message written (or lost for good) leaves the queue; a datagram counts as sent now, a stream's
    /// message once acknowledged.
    func taken(fromRetry: Bool, outcome: Outcome) {
        var message: [UInt8] = []
        if fromRetry {
            message = retry[retryHead]
            retry[retryHead] = []
            retryHead += 1
            if retryHead == retry.count {
                retry.removeAll()
                retryHead = 0
            }
        }
        lock.withLock {
            if !fromRetry {
                message = ring[head]
                ring[head] = []
                head = (head + 1) % ring.count
                count -= 1
                if count < capacity / 2 { warnedFull = false }
            }
            if outcome == .lost {
                stats.droppedUndelivered &+= 1
                if fromRetry { unconfirmed -= 1 }
            } else if isStream {
                if !fromRetry { unconfirmed += 1 }
            } else {
                stats.sent &+= 1
            }
        }
        if outcome == .sent && isStream {
            if fromRetry { lock.withLock { stats.resent &+= 1 } }
            inFlight.append((message, streamWritten))
        }
        lock.broadcast()
        if isStream { confirmAcknowledged() }
    }

    /// How long a TLS session must stay open before what its collector's TCP stack acknowledged counts as
    /// sent. With TLS 1.3 the client's handshake ends before the collector has checked the client's
    /// certificate: a collector that refuses it (none given, another CA, a name it does not permit) closes
    /// the session with an alert a round trip later, after its kernel has acknowledged what was written.
    static let tlsSettle = 1.0

    /// Counts as sent the messages in flight whose last byte the collector's TCP stack has acknowledged:
    /// everything written on this connection but what its send queue still holds. Over TLS, only once
    /// the collector has kept the session open for `tlsSettle`: before that, nothing counts.
    func confirmAcknowledged() {
        guard fd >= 0, inFlightHead < inFlight.count else { return }
        if tls != nil && !tlsAccepted {
            guard ConditionLock.now() >= tlsAcceptAfter, !peerHasClosed() else { return }
            tlsAccepted = true
            _ = succeeded()
        }
        var outq: Int32 = 0
        guard ioctl(fd, UInt(TIOCOUTQ), &outq) == 0 else { return }
        let acknowledged = streamWritten &- UInt64(max(0, outq))
        var n = 0
        while inFlightHead < inFlight.count && inFlight[inFlightHead].end <= acknowledged {
            inFlight[inFlightHead].message = []
            inFlightHead += 1
            n += 1
        }
        if inFlightHead == inFlight.count {
            inFlight.removeAll(keepingCapacity: true)
            inFlightHead = 0
        } else if inFlightHead >= 1024 && inFlightHead * 2 >= inFlight.count {
            inFlight.removeFirst(inFlightHead)
            inFlightHead = 0
        }
        if n > 0 {
            lock.withLock {
                stats.sent &+= UInt64(n)
                unconfirmed -= n
            }
            lock.broadcast()
        }
    }

    /// At the end: waits until the collector has acknowledged everything in flight or the deadline
    /// passes, then counts what it has not as undelivered and closes (resetting the connection if
    /// anything is left, so nothing counted as undelivered arrives later).
    func drainAcknowledgements() {
        while inFlightHead < inFlight.count && fd >= 0 {
            confirmAcknowledged()
            if inFlightHead >= inFlight.count { break }
            let d = lock.withLock { deadline }
            if ConditionLock.now() >= d || peerHasClosed() { break }
            usleep(5_000)
        }
        giveUp()
    }

    /// Counts everything not delivered as undelivered, and closes the connection.
    func giveUp() {
        confirmAcknowledged()
        let inFlightLeft = inFlight.count - inFlightHead
        let retryLeft = retry.count - retryHead
        lock.withLock {
            stats.droppedUndelivered &+= UInt64(count + inFlightLeft + retryLeft)
            stats.unacknowledged &+= UInt64(inFlightLeft)
            for i in 0..<count { ring[(head + i) % ring.count] = [] }
            count = 0
            unconfirmed = 0
        }
        lock.broadcast()
        if inFlightLeft > 0 {
            report(
                "\(inFlightLeft) messages written but not acknowledged by the collector at the end; counted as "
                    + "undelivered")
        }
        inFlight.removeAll()
        inFlightHead = 0
        retry.removeAll()
        retryHead = 0
        closeConnection(abort: inFlightLeft > 0)
    }

    /// Closes the connection; `abort`, or bytes still in its send queue (a message cut by the deadline),
    /// reset it (SO_LINGER 0) instead of leaving them to the kernel to deliver after the count.
    func closeConnection(abort: Bool) {
        guard fd >= 0 else { return }
        var outq: Int32 = 0
        if abort || (isStream && ioctl(fd, UInt(TIOCOUTQ), &outq) == 0 && outq > 0) {
            var l = linger(l_onoff: 1, l_linger: 0)
            setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, socklen_t(MemoryLayout<linger>.size))
        } else {
            tls?.shutdown()
        }
        tls = nil
        Glibc.close(fd)
        fd = -1
    }

    /// The connection is gone: what it had not acknowledged goes to be written again on the next one.
    func connectionLost() {
        confirmAcknowledged()
        if inFlightHead < inFlight.count {
            retry = inFlight[inFlightHead...].map(\.message) + retry[retryHead...]
            retryHead = 0
        }
        inFlight.removeAll()
        inFlightHead = 0
        closeConnection(abort: true)
        streamWritten = 0
    }

    /// Sleeps for the current backoff (doubling it for next time); false when the drain deadline passed,
    /// after counting what is left as undelivered.
    func waitBackoff() -> Bool {
        lock.lock()
        let wakeAt = ConditionLock.now() + backoff
        backoff = min(backoff * 2, backoffPolicy.maximum)
        while true {
            let t = ConditionLock.now()
            if t >= deadline {
                lock.unlock()
                giveUp()
                return false
            }
            if t >= wakeAt {
                lock.unlock()
                return true
            }
            lock.wait(until: min(wakeAt, deadline))
        }
    }

    func deliver(_ message: [UInt8]) -> Outcome {
        switch destination {
        case .udp:
            return .lost  // datagrams go through `DatagramBatch`, never through the thread
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
        case .tcp(let host, let port), .tls(let host, let port):
            if fd >= 0 && peerHasClosed() {
                let refused = tls != nil && !tlsAccepted
                connectionLost()
                closedByCollector(refused: refused)
                return refused ? .retry : .again
            }
            if fd < 0 {
                switch connectTCP(host: host, port: port) {
                case .success(let s):
                    fd = s
                    streamWritten = 0
                case .failure(let why): return failed("cannot connect: \(why)")
                }
                if let tlsContext {
                    switch startTLS(tlsContext, host: host) {
                    case .written: break
                    case .deadline: return .deadline
                    case .failed(let why):
                        closeConnection(abort: true)
                        return failed(why)
                    }
                }
                if failing { lock.withLock { stats.reconnects &+= 1 } }
            }
            switch writeAll(OctetCounting.frame(message)) {
            case .written: return succeeded()
            case .deadline: return .deadline
            case .failed(let why):
                connectionLost()
                return failed("send failed: \(why)")
            }
        }
    }

    /// The TLS handshake on the fresh connection, the collector's certificate checked; nothing is written
    /// before it succeeds.
    func startTLS(_ context: TLSClientContext, host: String) -> WriteResult {
        guard let session = TLSSession(context: context, fd: fd, host: host) else {
            return .failed("cannot start TLS: \(TLSError.queued())")
        }
        let giveUpAt = ConditionLock.now() + 10
        while true {
            switch session.handshake() {
            case .done:
                tls = session
                tlsAccepted = false
                tlsAcceptAfter = ConditionLock.now() + SyslogSender.tlsSettle
                streamWritten = session.bytesWritten
                return .written
            case .failed(let why): return .failed(why)
            case .wantRead, .wantWrite:
                if ConditionLock.now() >= giveUpAt { return .failed("TLS handshake: no answer within 10 s") }
                switch waitSocket(read: true) {
                case .written: continue
                case let other: return other
                }
            }
        }
    }

    /// A message written (or a TLS session accepted): an outage is over, and the backoff starts again from
    /// its first step. A write on a TLS session the collector has not yet accepted ends neither: a
    /// collector that refuses every session would otherwise be reconnected to at once, again and again.
    func succeeded() -> Outcome {
        if tls != nil && !tlsAccepted { return .sent }
        if failing {
            failing = false
            let waiting = lock.withLock { count } + retry.count - retryHead
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

    /// Says that the collector closed the connection. `refused`: it closed a TLS session it had not yet
    /// accepted, most likely over the client's certificate; said once an outage, and retried with backoff.
    func closedByCollector(refused: Bool) {
        if !refused {
            report("connection closed by the collector; reconnecting")
        } else if !failing {
            report(
                "the collector closed the TLS session before accepting it (does it ask for a client certificate "
                    + "this sensor lacks or it does not trust? --syslog-cert, --syslog-key); retrying with "
                    + "backoff, queueing up to \(capacity) messages")
        }
        failing = true
    }

    /// A collector never writes to us: a readable socket means it closed (or reset) the connection.
    /// Over TLS it may send records of the protocol's own (TLS 1.3 session tickets), read and dropped.
    func peerHasClosed() -> Bool {
        var p = pollfd(fd: fd, events: Int16(POLLIN) | 0x2000 /* POLLRDHUP */, revents: 0)
        guard poll(&p, 1, 0) > 0 else { return false }
        if p.revents & (Int16(POLLHUP) | Int16(POLLERR) | 0x2000) != 0 { return true }
        if let tls { return tls.peerClosed() }
        var scratch = [UInt8](repeating: 0, count: 512)
        let n = scratch.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
        return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
    }

    enum WriteResult {
        case written
        case deadline
        case failed(String)
    }

    /// Writes all of `bytes` to the non-blocking socket (through TLS for `tls://`), waiting for room as
    /// long as the collector takes it, but never past the drain deadline.
    func writeAll(_ bytes: [UInt8]) -> WriteResult {
        var offset = 0
        while offset < bytes.count {
            if let tls {
                let (n, step) = bytes[offset...].withUnsafeBytes { tls.write($0) }
                streamWritten = tls.bytesWritten
                switch step {
                case .done:
                    offset += n
                    continue
                case .wantRead, .wantWrite:
                    if case .wantRead = step {
                        switch waitSocket(read: true) {
                        case .written: continue
                        case let other: return other
                        }
                    }
                    switch waitSocket(read: false) {
                    case .written: continue
                    case let other: return other
                    }
                case .failed(let why): return .failed(why)
                }
            }
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n > 0 {
                offset += n
                streamWritten &+= UInt64(n)
                continue
            }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                switch waitSocket(read: false) {
                case .written: continue
                case let other: return other
                }
            }
            return .failed(n == 0 ? "the connection took nothing" : SocketAddress.errorText())
        }
        return .written
    }

    /// Waits (in steps of at most 0.2 s, so a new deadline is seen) until the socket takes more bytes
    /// (or, for TLS, has some to read).
    func waitSocket(read: Bool) -> WriteResult {
        let d = lock.withLock { deadline }
        let now = ConditionLock.now()
        if now >= d { return .deadline }
        var p = pollfd(fd: fd, events: Int16(read ? POLLIN : POLLOUT), revents: 0)
        let ms = Int32(min(0.2, d - now) * 1000) + 1
        if poll(&p, 1, ms) < 0 && errno != EINTR { return .failed(SocketAddress.errorText()) }
        if p.revents & (Int16(POLLERR) | Int16(POLLHUP)) != 0 && !(read && p.revents & Int16(POLLIN) != 0) {
            var err: Int32 = 0
            var len = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len)
            return .failed(err != 0 ? String(cString: strerror(err)) : "connection closed")
        }
        return .written
    }

    /// Resolves afresh (the collector may have moved) and connects, giving each address 2 s (less when
    /// the drain deadline comes first). The socket stays non-blocking, so that no write outlasts it either.
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
                // 2 s an address, but never past the drain deadline.
                let d = lock.withLock { deadline }
                let ms = Int32(max(0, min(2.0, d - ConditionLock.now())) * 1000)
                if ms > 0 && poll(&p, 1, ms) == 1 {
                    var err: Int32 = 0
                    var len = socklen_t(MemoryLayout<Int32>.size)
                    getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len)
                    rc = err == 0 ? 0 : -1
                    errno = err
                } else {
                    errno = ETIMEDOUT
                }
            }
            if rc == 0 { return .success(s) }
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
