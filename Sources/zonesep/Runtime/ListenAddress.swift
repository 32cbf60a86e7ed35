#if canImport(Glibc)
    import Glibc
#endif

/// A `--listen udp://ADDR:PORT` address, parsed and checked before anything is opened.
struct ListenAddress: Equatable {
    var host: String
    var port: UInt16
    var isIPv6: Bool
    /// The address's bytes (4 or 16), to tell `[::]` from `[::0]` no better than the kernel does.
    var bytes: [UInt8]

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
            bytes = withUnsafeBytes(of: a) { Array($0) }
        } else {
            var a = in_addr()
            guard inet_pton(AF_INET, host, &a) == 1 else { return nil }
            bytes = withUnsafeBytes(of: a) { Array($0) }
        }
    }

    /// An IPv4-mapped IPv6 address (`[::ffff:192.0.2.1]`): the kernel receives IPv4 on it, so it is bound
    /// without IPV6_V6ONLY and compared as the IPv4 address it maps.
    var isIPv4Mapped: Bool { isIPv6 && bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xff && bytes[11] == 0xff }

    /// The family and address the kernel receives on: (IPv6?, bytes), a mapped address as IPv4.
    private var receives: (v6: Bool, bytes: ArraySlice<UInt8>) {
        isIPv4Mapped ? (false, bytes[12...]) : (isIPv6, bytes[...])
    }

    /// Why `self` and `other` cannot both be listened on, or nil. The same address and port twice, or a
    /// wildcard (`0.0.0.0`, `[::]`) beside an address of its family on that port: the second bind would fail
    /// with "Address already in use", which would wrongly blame another program.
    func conflict(with other: ListenAddress, given mine: String, _ theirs: String) -> String? {
        let a = receives
        let b = other.receives
        guard port == other.port, a.v6 == b.v6 else { return nil }
        if a.bytes.elementsEqual(b.bytes) {
            return mine == theirs
                ? "--listen \(mine) is given twice: give it once"
                : "--listen \(mine) and --listen \(theirs) are the same address and port: give it once"
        }
        let wildcard = a.bytes.allSatisfy { $0 == 0 } ? mine : b.bytes.allSatisfy { $0 == 0 } ? theirs : nil
        guard let wildcard else { return nil }
        return "--listen \(mine) and --listen \(theirs) overlap: \(wildcard) already receives on every "
            + "\(a.v6 ? "IPv6" : "IPv4") address at port \(port); give one of them"
    }

    /// The first conflict among `texts` (each a valid `--listen` value), naming both values as given.
    static func firstConflict(_ texts: [String]) -> String? {
        let parsed = texts.compactMap { t in ListenAddress(t).map { (t, $0) } }
        for (i, (t, l)) in parsed.enumerated() {
            for (u, m) in parsed[..<i] {
                if let message = m.conflict(with: l, given: u, t) { return message }
            }
        }
        return nil
    }

    var description: String { isIPv6 ? "udp://[\(host)]:\(port)" : "udp://\(host):\(port)" }
}
