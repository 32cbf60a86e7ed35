import ZonesepCore
import ZonesepOutput

#if canImport(Glibc)
    import Glibc
#endif

/// One UDP socket `collect` listens on, with what the kernel granted it and dropped from it: datagrams that
/// arrive while its receive buffer is full never reach the decoder, and only the kernel can count them.
struct ListenSocket {
    let address: ListenAddress
    let fd: Int32
    /// The receive buffer the kernel granted (what it reports, halved: it doubles the request for its own
    /// bookkeeping), and the size asked for.
    let receiveBuffer: Int
    let requestedBuffer: Int
    /// Whether SO_RXQ_OVFL is on, so that `dropped` is known.
    let countsDrops: Bool
    /// Datagrams the kernel dropped for a full receive buffer since the socket was opened.
    var dropped: UInt64 = 0
    /// The kernel's last 32-bit drop counter, for `dropped` to go on past its wrap.
    private var lastOverflow: UInt32 = 0

    enum OpenResult {
        case success(ListenSocket)
        case failure(String)
    }

    /// A non-blocking UDP socket bound to `l`, asking for a receive buffer of `bufferSize` bytes (exporters
    /// send in bursts) and for the kernel's count of what it drops (SO_RXQ_OVFL).
    ///
    /// No SO_REUSEADDR: on Linux it lets two UDP sockets share a port, and the last bound then takes every
    /// datagram, so a second collector (or one started beside rsyslog) would blind the first without a word.
    /// UDP has no TIME_WAIT for it to work around.
    ///
    /// IPV6_V6ONLY on an IPv6 socket: `[::]:P` takes IPv6 only, so `0.0.0.0:P` can sit beside it (dual-stack,
    /// it would hold IPv4 port P as well and the pair would clash).
    static func open(_ l: ListenAddress, bufferSize: Int) -> OpenResult {
        let fd = socket(l.isIPv6 ? AF_INET6 : AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return .failure("socket: \(String(cString: strerror(errno)))") }
        let intSize = socklen_t(MemoryLayout<Int32>.size)
        var size = Int32(clamping: bufferSize)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, intSize)
        var granted: Int32 = 0
        var length = intSize
        getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &granted, &length)
        var one: Int32 = 1
        // SO_RXQ_OVFL (40 on Linux): each datagram then carries the socket's drop count.
        let countsDrops = setsockopt(fd, SOL_SOCKET, 40, &one, intSize) == 0
        if l.isIPv6 && !l.isIPv4Mapped {
            guard setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, intSize) == 0 else {
                let message = String(cString: strerror(errno))
                close(fd)
                return .failure("IPV6_V6ONLY: \(message)")
            }
        }
        /// bind(2) to `address`, a `sockaddr_in` or `sockaddr_in6`.
        func bindTo<Address>(_ address: Address) -> Int32 {
            withUnsafePointer(to: address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<Address>.size))
                }
            }
        }
        let result: Int32
        if l.isIPv6 {
            var a = sockaddr_in6()
            a.sin6_family = sa_family_t(AF_INET6)
            a.sin6_port = l.port.bigEndian
            inet_pton(AF_INET6, l.host, &a.sin6_addr)
            result = bindTo(a)
        } else {
            var a = sockaddr_in()
            a.sin_family = sa_family_t(AF_INET)
            a.sin_port = l.port.bigEndian
            inet_pton(AF_INET, l.host, &a.sin_addr)
            result = bindTo(a)
        }
        guard result == 0 else {
            let code = errno
            var message = "cannot listen there: \(String(cString: strerror(code)))"
            if code == EADDRINUSE { message += " (another program, or another zonesep collect, holds this UDP port)" }
            close(fd)
            return .failure(message)
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        return .success(
            ListenSocket(
                address: l, fd: fd, receiveBuffer: Int(granted) / 2, requestedBuffer: bufferSize,
                countsDrops: countsDrops))
    }

    /// What to say at start when the kernel granted less than was asked for (nil when it granted it all).
    var shortBufferWarning: String? {
        guard receiveBuffer < requestedBuffer else { return nil }
        return "--listen \(address.description): the kernel gave the socket a receive buffer of "
            + "\(receiveBuffer) bytes, not the \(requestedBuffer) asked for: net.core.rmem_max caps it (raise it, e.g. "
            + "sysctl -w net.core.rmem_max=\(requestedBuffer)); a burst that overflows it is dropped by the kernel "
            + "(counted as the listen address's dropped_datagrams)"
    }

    /// Reads what the socket holds (at most 4096 datagrams, so a flood cannot starve the signal pipe),
    /// taking the kernel's drop count from each datagram's control data.
    mutating func drain(buffer: inout [UInt8], _ body: (UnsafeRawBufferPointer, IPAddress, UInt16) -> Void) {
        // struct cmsghdr (a size_t length, a level, a type), then the 32-bit count: 24 bytes on 64-bit Linux.
        var control = [UInt64](repeating: 0, count: 8)
        for _ in 0..<4096 {
            var from = sockaddr_storage()
            let n = buffer.withUnsafeMutableBytes { b -> Int in
                control.withUnsafeMutableBytes { c -> Int in
                    withUnsafeMutablePointer(to: &from) { f -> Int in
                        var iov = iovec(iov_base: b.baseAddress, iov_len: b.count)
                        return withUnsafeMutablePointer(to: &iov) { v -> Int in
                            var m = msghdr()
                            m.msg_name = UnsafeMutableRawPointer(f)
                            m.msg_namelen = socklen_t(MemoryLayout<sockaddr_storage>.size)
                            m.msg_iov = v
                            m.msg_iovlen = 1
                            m.msg_control = c.baseAddress
                            m.msg_controllen = c.count
                            let n = recvmsg(fd, &m, 0)
                            if n >= 0 { noteOverflow(UnsafeRawBufferPointer(rebasing: c[..<Int(m.msg_controllen)])) }
                            return n
                        }
                    }
                }
            }
            guard n >= 0 else { return }
            let (address, port) = Self.source(from)
            buffer.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[..<n]), address, port) }
        }
    }

    /// Takes the SO_RXQ_OVFL count out of a datagram's control messages (walked by hand: CMSG_NXTHDR is a
    /// macro Swift cannot call).
    private mutating func noteOverflow(_ control: UnsafeRawBufferPointer) {
        let header = MemoryLayout<Int>.size + 8
        var at = 0
        while at + header <= control.count {
            let length = Int(control.loadUnaligned(fromByteOffset: at, as: UInt.self))
            let level = control.loadUnaligned(fromByteOffset: at + MemoryLayout<Int>.size, as: Int32.self)
            let type = control.loadUnaligned(fromByteOffset: at + MemoryLayout<Int>.size + 4, as: Int32.self)
            guard length >= header, at + length <= control.count else { return }
            if level == SOL_SOCKET && type == 40 && length >= header + 4 {
                let count = control.loadUnaligned(fromByteOffset: at + header, as: UInt32.self)
                dropped &+= UInt64(count &- lastOverflow)
                lastOverflow = count
            }
            at += (length + MemoryLayout<Int>.size - 1) & ~(MemoryLayout<Int>.size - 1)
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

    /// The socket's counts, for the stats record and the summary.
    var json: String {
        var o = JSONObject()
        o.add("listen", address.description)
        o.add("receive_buffer", receiveBuffer)
        o.add("dropped_datagrams", countsDrops ? dropped : nil)
        return o.json
    }
}
