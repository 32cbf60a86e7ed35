import CDatagrams

#if canImport(Glibc)
    import Glibc
#endif

/// Syslog datagrams to one UDP collector, gathered while the engine judges a batch of packets and sent
/// together at its end from the engine's own thread: one non-blocking `sendmmsg(2)` a batch, no thread to
/// hand them to and no lock to wake one with.
///
/// The socket is connected, so the kernel reports what it learns about the collector: an ICMP port (or
/// host) unreachable answering one datagram makes it refuse the next send with `ECONNREFUSED`
/// (`EHOSTUNREACH`, …), and a full send buffer refuses with `EAGAIN`. A datagram the kernel refuses is
/// counted as undelivered under that reason and not sent again; sending never waits. `sendmmsg` does not
/// say why it stopped short of the end, so the reason is read from the socket's error queue
/// (`IP_RECVERR`), which is emptied at each refusal.
///
/// Not thread-safe: its owner (`SyslogSender`) calls it under its lock.
final class DatagramBatch {
    /// Datagrams a batch holds before it is sent without waiting for the batch's end.
    static let capacity = 256
    /// Errors read from the error queue a call.
    static let errorSlots = 16

    let address: SocketAddress
    private(set) var fd: Int32 = -1
    /// Why the socket could not be made or connected (tried again at the next flush).
    private(set) var socketError: Int32 = 0
    /// The datagrams waiting, back to back, and where each ends.
    private var bytes: [UInt8] = []
    private var ends: [Int] = []
    private let headers: UnsafeMutablePointer<zonesep_mmsghdr>
    private let vectors: UnsafeMutablePointer<iovec>
    /// Room for what the error queue holds (each error's copy of the datagram is cut to `errorData` bytes).
    private let errorHeaders: UnsafeMutablePointer<zonesep_mmsghdr>
    private let errorVectors: UnsafeMutablePointer<iovec>
    private let errorBytes: UnsafeMutableRawPointer
    private static let errorData = 64
    private static let errorControl = 128

    /// What one flush did.
    struct Outcome {
        var sent = 0
        /// Refused datagrams by errno, in the order the reasons first came.
        var refused: [(errno: Int32, count: Int)] = []

        mutating func refuse(_ count: Int, _ errno: Int32) {
            guard count > 0 else { return }
            if let i = refused.firstIndex(where: { $0.errno == errno }) {
                refused[i].count += count
            } else {
                refused.append((errno, count))
            }
        }
    }

    init(address: SocketAddress) {
        self.address = address
        headers = .allocate(capacity: DatagramBatch.capacity)
        vectors = .allocate(capacity: DatagramBatch.capacity)
        errorHeaders = .allocate(capacity: DatagramBatch.errorSlots)
        errorVectors = .allocate(capacity: DatagramBatch.errorSlots)
        errorBytes = .allocate(
            byteCount: DatagramBatch.errorSlots * (DatagramBatch.errorData + DatagramBatch.errorControl), alignment: 8)
        bytes.reserveCapacity(64 << 10)
        ends.reserveCapacity(DatagramBatch.capacity)
        openSocket()
    }

    deinit {
        close()
        headers.deallocate()
        vectors.deallocate()
        errorHeaders.deallocate()
        errorVectors.deallocate()
        errorBytes.deallocate()
    }

    var count: Int { ends.count }
    var isFull: Bool { ends.count >= DatagramBatch.capacity }

    /// Takes a copy of one datagram for the next flush.
    func append(_ message: [UInt8]) {
        bytes.append(contentsOf: message)
        ends.append(bytes.count)
    }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    /// A datagram socket connected to the collector, with the kernel's errors about it queued for us.
    private func openSocket() {
        let s = socket(address.family, Int32(SOCK_DGRAM.rawValue), 0)
        guard s >= 0 else {
            socketError = errno
            return
        }
        var one: Int32 = 1
        if address.family == AF_INET6 {
            setsockopt(s, Int32(IPPROTO_IPV6), Int32(zonesep_ipv6_recverr), &one, socklen_t(MemoryLayout<Int32>.size))
        } else {
            setsockopt(s, Int32(IPPROTO_IP), Int32(zonesep_ip_recverr), &one, socklen_t(MemoryLayout<Int32>.size))
        }
        // Room for a burst of alerts in flight to the network card (the kernel caps it at net.core.wmem_max).
        var size: Int32 = 1 << 20
        setsockopt(s, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        guard address.withSockaddr({ connect(s, $0, $1) }) == 0 else {
            socketError = errno
            Glibc.close(s)
            return
        }
        fd = s
        socketError = 0
    }

    /// Sends what is waiting, in order; each datagram is either taken by the kernel or counted as refused.
    func flush() -> Outcome {
        var outcome = Outcome()
        let n = ends.count
        guard n > 0 else { return outcome }
        defer {
            bytes.removeAll(keepingCapacity: true)
            ends.removeAll(keepingCapacity: true)
        }
        if fd < 0 { openSocket() }
        guard fd >= 0 else {
            outcome.refuse(n, socketError)
            return outcome
        }
        bytes.withUnsafeMutableBytes { raw in
            var start = 0
            for i in 0..<n {
                vectors[i] = iovec(iov_base: raw.baseAddress.map { $0 + start }, iov_len: ends[i] - start)
                headers[i] = zonesep_mmsghdr()
                headers[i].msg_hdr.msg_iov = UnsafeMutableRawPointer(vectors + i)
                headers[i].msg_hdr.msg_iovlen = 1
                start = ends[i]
            }
            var at = 0
            while at < n {
                let r = Int(zonesep_sendmmsg(fd, headers + at, UInt32(n - at), Int32(MSG_DONTWAIT)))
                if r == n - at {
                    outcome.sent += r
                    break
                }
                // Datagram `at + r` was refused: say why, count it, and go on with the next.
                var why: Int32
                if r >= 0 {
                    outcome.sent += r
                    at += r
                    why = 0
                } else {
                    why = errno
                    if why == EINTR { continue }
                }
                let queued = readErrorQueue()
                if why == 0 {
                    // sendmmsg stopped short without saying why: an ICMP error pending for an earlier
                    // datagram, or else a condition of this host's, which trying the datagram once more reports.
                    if queued == 0 { continue }
                    why = queued
                }
                if why == EAGAIN || why == EWOULDBLOCK || why == ENOBUFS {
                    // No room in the socket's buffer (or the device's queue): the rest would be refused too.
                    outcome.refuse(n - at, why)
                    break
                }
                outcome.refuse(1, why)
                at += 1
            }
        }
        return outcome
    }

    /// Empties the socket's error queue; the errno of the last error the network sent back (an ICMP
    /// unreachable), 0 if none. Errors of this host's own are reported by the send that failed.
    private func readErrorQueue() -> Int32 {
        var last: Int32 = 0
        let slot = DatagramBatch.errorData + DatagramBatch.errorControl
        while true {
            for i in 0..<DatagramBatch.errorSlots {
                let base = errorBytes + i * slot
                errorVectors[i] = iovec(iov_base: base, iov_len: DatagramBatch.errorData)
                errorHeaders[i] = zonesep_mmsghdr()
                errorHeaders[i].msg_hdr.msg_iov = UnsafeMutableRawPointer(errorVectors + i)
                errorHeaders[i].msg_hdr.msg_iovlen = 1
                errorHeaders[i].msg_hdr.msg_control = base + DatagramBatch.errorData
                errorHeaders[i].msg_hdr.msg_controllen = DatagramBatch.errorControl
            }
            let r = Int(
                zonesep_recvmmsg(
                    fd, errorHeaders, UInt32(DatagramBatch.errorSlots),
                    Int32(zonesep_msg_errqueue) | Int32(MSG_DONTWAIT)))
            if r < 0 && errno == EINTR { continue }
            guard r > 0 else { return last }
            for i in 0..<r {
                var origin: Int32 = 0
                let e = zonesep_queued_error(&errorHeaders[i].msg_hdr, &origin)
                if e != 0 && (origin == zonesep_ee_origin_icmp || origin == zonesep_ee_origin_icmp6) { last = Int32(e) }
            }
            if r < DatagramBatch.errorSlots { return last }
        }
    }
}
