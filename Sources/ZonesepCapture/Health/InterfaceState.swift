#if canImport(Glibc)
    import Glibc
#endif

/// What an interface looks like to the sensor right now, from the kernel's interface flags
/// (`SIOCGIFFLAGS`): gone, administratively down, up without a carrier (the cable or the peer is down), or
/// up. A capture on a link without carrier stays open and simply sees nothing, so the daemon asks this to
/// tell an operator *why* nothing comes; a capture on a vanished interface fails, and this tells when it is
/// back. Asked through an ordinary datagram socket (AF_INET, else AF_UNIX), which every sandbox allows.
public enum InterfaceState: String, Sendable, Equatable {
    case missing
    case down
    case noCarrier = "no-carrier"
    case up

    /// The state of `name` in this process's network namespace.
    public static func query(_ name: String) -> InterfaceState {
        guard !name.isEmpty, name.utf8.count < Int(IFNAMSIZ) else { return .missing }
        var fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if fd < 0 { fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        guard fd >= 0 else { return if_nametoindex(name) == 0 ? .missing : .up }
        defer { close(fd) }
        var request = ifreq()
        withUnsafeMutableBytes(of: &request.ifr_ifrn.ifrn_name) { dst in
            for (i, b) in name.utf8.enumerated() { dst[i] = b }
        }
        guard ioctl(fd, UInt(SIOCGIFFLAGS), &request) == 0 else {
            return errno == ENODEV ? .missing : .up
        }
        return from(flags: UInt32(UInt16(bitPattern: request.ifr_ifru.ifru_flags)))
    }

    /// `IFF_UP` (administratively up) and `IFF_RUNNING` (operationally up: a carrier, the peer's end up)
    /// decide. (`SIOCGIFFLAGS` returns the 16 low flag bits; `IFF_LOWER_UP` is above them.)
    static func from(flags: UInt32) -> InterfaceState {
        if flags & UInt32(IFF_UP) == 0 { return .down }
        if flags & UInt32(IFF_RUNNING) == 0 { return .noCarrier }
        return .up
    }
}
