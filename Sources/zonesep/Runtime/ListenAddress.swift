#if canImport(Glibc)
    import Glibc
#endif

/// A `--listen udp://ADDR:PORT` address, parsed and checked before anything is opened.
struct ListenAddress: Equatable {
    var host: String
    var port: UInt16
    var isIPv6: Bool

    init?(_ text: String) {
        guard text.hasPrefix("udp://") else { return nil }
        let rest = text.dropFirst("udp://".count)
        let hostPart: Substring
        let portPart: Substring
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]"), rest[rest.index(after: close)...].hasPrefix(":") else {
                return nil
            }
            hostPart = rest[rest.index(after: rest.startIndex)..<close]
            portPart = rest[rest.index(close, offsetBy: 2)...]
            isIPv6 = true
        } else {
            guard let colon = rest.lastIndex(of: ":") else { return nil }
            hostPart = rest[..<colon]
            portPart = rest[rest.index(after: colon)...]
            isIPv6 = false
        }
        guard let p = UInt16(portPart), p > 0, !hostPart.isEmpty else { return nil }
        host = String(hostPart)
        port = p
        if isIPv6 {
            var a = in6_addr()
            guard inet_pton(AF_INET6, host, &a) == 1 else { return nil }
        } else {
            var a = in_addr()
            guard inet_pton(AF_INET, host, &a) == 1 else { return nil }
        }
    }

    var description: String { isIPv6 ? "udp://[\(host)]:\(port)" : "udp://\(host):\(port)" }
}
