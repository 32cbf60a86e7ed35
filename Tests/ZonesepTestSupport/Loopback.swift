import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Why a shared test harness could not be set up (a tool missing, a socket refused, a daemon not listening).
public struct TestSupportFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Loopback sockets for the receiving ends the tests start (rsyslogd and others).
public enum Loopback {
    /// A socket of `type` (`SOCK_STREAM`, `SOCK_DGRAM`) bound to 127.0.0.1 on a port the kernel picks, with
    /// its receive buffer set first to `receiveBuffer` bytes if given (before a listen, so that TCP
    /// advertises the small window): the descriptor, which the caller closes, and the port.
    public static func bound(_ type: __socket_type, receiveBuffer: Int32? = nil) throws -> (fd: Int32, port: UInt16) {
        let fd = socket(AF_INET, Int32(type.rawValue), 0)
        guard fd >= 0 else { throw TestSupportFailure("socket: \(String(cString: strerror(errno)))") }
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0
            }
        }
        guard ok else {
            let message = String(cString: strerror(errno))
            close(fd)
            throw TestSupportFailure("bind 127.0.0.1:0: \(message)")
        }
        return (fd, UInt16(bigEndian: a.sin_port))
    }

    /// Sends `datagram` from the UDP socket `fd` to 127.0.0.1:`port`: what `sendto` returns (the bytes sent,
    /// or -1 with `errno` set).
    @discardableResult
    public static func send(_ datagram: [UInt8], from fd: Int32, to port: UInt16) -> Int {
        var a = sockaddr_in()
        a.sin_family = sa_family_t(AF_INET)
        a.sin_port = port.bigEndian
        a.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        return datagram.withUnsafeBytes { b in
            withUnsafePointer(to: &a) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, b.baseAddress, b.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
    }

    /// A 127.0.0.1 port of `type` that was free a moment ago: bound to 0, read back, released, for a daemon
    /// that is told its port in its configuration.
    public static func freePort(_ type: __socket_type) throws -> UInt16 {
        let (fd, port) = try bound(type)
        close(fd)
        return port
    }
}
