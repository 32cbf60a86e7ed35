import CDatagrams

#if canImport(Glibc)
    import Glibc
#endif

/// Syslog datagrams to one UDP collector, gathered while the engine judges a batch of packets and sent
/// together at its end from the engine's own thread: one non-blocking `sendmmsg(2)` a batch, no thread to
/// hand them to and no lock to wake one with.
///
/// The socket is not connected: each datagram carries the collector's address, so the kernel looks the
/// route up at every send (a sensor whose own address or route changes keeps sending) and no ICMP error
/// about an earlier datagram is ever returned by a later send. (On a connected socket a port unreachable
/// makes the *next* send fail, and that datagram, never sent, would be counted in place of the one the
/// collector's host refused.) UDP carries no acknowledgement: "sent" means taken by this host's kernel.
/// What the kernel refuses here (`EAGAIN`/`ENOBUFS` with a full send buffer, `ENETUNREACH` with no route,
/// `EMSGSIZE`, …) is counted as undelivered under that reason and not sent again; sending never waits.
///
/// Not thread-safe: its owner (`SyslogSender`) calls it under its lock.
final class DatagramBatch {
    /// Datagrams a batch holds before it is sent without waiting for the batch's end.
    static let capacity = 256

    let address: SocketAddress
    private(set) var fd: Int32 = -1
    /// Why the socket could not be made (tried again at the next flush).
    private(set) var socketError: Int32 = 0
    /// The datagrams waiting, back to back, and where each ends.
    private var bytes: [UInt8] = []
    private var ends: [Int] = []
    private let headers: UnsafeMutablePointer<zonesep_mmsghdr>
    private let vectors: UnsafeMutablePointer<iovec>
    /// The collector's address, which every datagram's header points to.
    private let name: UnsafeMutableRawPointer
    private let nameLength: UInt32

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
        let name = UnsafeMutableRawPointer.allocate(byteCount: max(address.bytes.count, 1), alignment: 8)
        address.bytes.withUnsafeBytes { raw in
            if let base = raw.baseAddress { name.copyMemory(from: base, byteCount: raw.count) }
        }
        self.name = name
        nameLength = UInt32(address.bytes.count)
        bytes.reserveCapacity(64 << 10)
        ends.reserveCapacity(DatagramBatch.capacity)
        openSocket()
    }

    deinit {
        close()
        headers.deallocate()
        vectors.deallocate()
        name.deallocate()
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

    /// A datagram socket of the collector's family, not connected.
    private func openSocket() {
        let s = socket(address.family, Int32(SOCK_DGRAM.rawValue), 0)
        guard s >= 0 else {
            socketError = errno
            return
        }
        // Room for a burst of alerts in flight to the network card (the kernel caps it at net.core.wmem_max).
        var size: Int32 = 1 << 20
        setsockopt(s, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
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
                headers[i].msg_hdr.msg_name = name
                headers[i].msg_hdr.msg_namelen = nameLength
                headers[i].msg_hdr.msg_iov = UnsafeMutableRawPointer(vectors + i)
                headers[i].msg_hdr.msg_iovlen = 1
                start = ends[i]
            }
            var at = 0
            while at < n {
                let r = Int(zonesep_sendmmsg(fd, headers + at, UInt32(n - at), Int32(MSG_DONTWAIT)))
                if r > 0 {
                    // All taken, or the kernel stopped short of datagram `at + r`: sending from it again
                    // either takes it or reports why it is refused (its own error: nothing is pending).
                    outcome.sent += r
                    at += r
                    continue
                }
                let why = r == 0 ? EIO : errno
                if why == EINTR { continue }
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
}
