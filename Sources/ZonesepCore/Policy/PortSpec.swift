/// IP protocol numbers the policy and the decoders name.
public enum IPProtocolNumber {
    public static let icmp: UInt8 = 1
    /// IPv4 in IP (RFC 2003).
    public static let ipv4InIP: UInt8 = 4
    public static let tcp: UInt8 = 6
    public static let udp: UInt8 = 17
    /// IPv6 in IP (RFC 4213, 6in4).
    public static let ipv6InIP: UInt8 = 41
    public static let gre: UInt8 = 47
    /// IPsec ESP (RFC 4303): encrypted, not opened, counted as an unopened tunnel.
    public static let esp: UInt8 = 50
    /// IP Authentication Header (RFC 4302): walked like an IPv6 extension header, over IPv4 too.
    public static let ah: UInt8 = 51
    public static let icmpv6: UInt8 = 58
    /// EtherIP (RFC 3378): an Ethernet frame in IP.
    public static let etherIP: UInt8 = 97
    /// L2TPv3 straight over IP (RFC 3931): not opened, counted as an unopened tunnel.
    public static let l2tpv3: UInt8 = 115
    public static let sctp: UInt8 = 132
    /// MPLS in IP (RFC 4023): a label stack straight after the IP header.
    public static let mplsInIP: UInt8 = 137
    /// Ethernet (RFC 8986): a whole frame straight after the IP header, SRv6's layer-2 services.
    public static let ethernet: UInt8 = 143

    /// TCP, UDP and SCTP: the protocols whose flows are told apart by ports, in flow keys, alerts, flow
    /// records and the policy's checks alike (one test, so that no place forgets SCTP).
    @inlinable
    public static func hasPorts(_ proto: UInt8) -> Bool { proto == tcp || proto == udp || proto == sctp }
}

/// One entry of a `ports` list: `tcp/N`, `udp/N`, `tcp/N-M`, `udp/N-M`, `icmp` or `any`.
public enum PortSpec: Hashable, Sendable, CustomStringConvertible {
    case tcp(ClosedRange<UInt16>)
    case udp(ClosedRange<UInt16>)
    /// ICMP or ICMPv6, any type.
    case icmp
    /// Any protocol, any port.
    case any

    /// Whether a flow of `proto` to responder port `port` (nil for port-less protocols) matches.
    @inlinable
    public func matches(proto: UInt8, port: UInt16?) -> Bool {
        switch self {
        case .any: return true
        case .icmp: return proto == IPProtocolNumber.icmp || proto == IPProtocolNumber.icmpv6
        case .tcp(let r): return proto == IPProtocolNumber.tcp && port.map(r.contains) == true
        case .udp(let r): return proto == IPProtocolNumber.udp && port.map(r.contains) == true
        }
    }

    /// Parses the zones.conf text, or returns why it is not a port spec.
    public static func parse(_ text: String) -> Result<PortSpec, PortSpecError> {
        if let spec = withUTF8Bytes(text, common) { return .success(spec) }
        return general(text)
    }

    /// Any spelling, and the reason when it is not a port spec.
    static func general(_ text: String) -> Result<PortSpec, PortSpecError> {
        let t = text.lowercased()
        if t == "any" { return .success(.any) }
        if t == "icmp" { return .success(.icmp) }
        // ICMPv6 has no port and no spelling of its own here: `icmp` is both families' (as `any` is).
        if ["icmpv6", "icmp6", "ipv6-icmp", "icmpv4"].contains(t) {
            return .failure(PortSpecError(text: text, reason: "write icmp: it matches ICMP and ICMPv6 alike, any type"))
        }
        let parts = t.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0] == "tcp" || parts[0] == "udp" else {
            return .failure(PortSpecError(text: text, reason: "expected tcp/N, udp/N, tcp/N-M, udp/N-M, icmp or any"))
        }
        let range = parts[1].split(separator: "-", omittingEmptySubsequences: false)
        func port(_ s: Substring) -> UInt16? {
            guard !s.isEmpty, s.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(s), n <= 65535 else {
                return nil
            }
            return UInt16(n)
        }
        let lo: UInt16
        let hi: UInt16
        switch range.count {
        case 1:
            guard let p = port(range[0]) else {
                return .failure(PortSpecError(text: text, reason: "'\(range[0])' is not a port number (0-65535)"))
            }
            (lo, hi) = (p, p)
        case 2:
            guard let a = port(range[0]), let b = port(range[1]) else {
                return .failure(PortSpecError(text: text, reason: "'\(parts[1])' is not a port range N-M (0-65535)"))
            }
            guard a <= b else {
                return .failure(PortSpecError(text: text, reason: "range \(a)-\(b) runs backwards"))
            }
            (lo, hi) = (a, b)
        default:
            return .failure(PortSpecError(text: text, reason: "'\(parts[1])' is not a port range N-M"))
        }
        return .success(parts[0] == "tcp" ? .tcp(lo...hi) : .udp(lo...hi))
    }

    /// The usual spellings (`tcp/443`, `udp/3478-3481`, `any`, `icmp`, lower case) read from the bytes,
    /// or nil to leave the text to the general reading, which also words what is wrong: a large policy
    /// lists thousands of ports, and lower-casing and splitting each cost more than judging it.
    static func common(_ b: UnsafeBufferPointer<UInt8>) -> PortSpec? {
        func word(_ w: StaticString) -> Bool {
            w.utf8CodeUnitCount == b.count && (0..<b.count).allSatisfy { w.utf8Start[$0] == b[$0] }
        }
        if word("any") { return .any }
        if word("icmp") { return .icmp }
        guard b.count > 4, b[3] == UInt8(ascii: "/") else { return nil }
        let isTCP = b[0] == UInt8(ascii: "t") && b[1] == UInt8(ascii: "c") && b[2] == UInt8(ascii: "p")
        let isUDP = b[0] == UInt8(ascii: "u") && b[1] == UInt8(ascii: "d") && b[2] == UInt8(ascii: "p")
        guard isTCP || isUDP else { return nil }
        // One or two numbers of at most five digits, each at most 65535, the second not below the first.
        var ports: (UInt32, UInt32) = (0, 0)
        var digits = 0
        var second = false
        for k in 4..<b.count {
            let c = b[k]
            if c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") {
                guard digits < 5 else { return nil }
                if second {
                    ports.1 = ports.1 * 10 + UInt32(c &- UInt8(ascii: "0"))
                } else {
                    ports.0 = ports.0 * 10 + UInt32(c &- UInt8(ascii: "0"))
                }
                digits += 1
            } else if c == UInt8(ascii: "-"), !second, digits > 0 {
                second = true
                digits = 0
            } else {
                return nil
            }
        }
        if !second { ports.1 = ports.0 }
        guard digits > 0, ports.0 <= 65535, ports.1 <= 65535, ports.0 <= ports.1 else { return nil }
        let range = UInt16(ports.0)...UInt16(ports.1)
        return isTCP ? .tcp(range) : .udp(range)
    }

    public var description: String {
        func r(_ x: ClosedRange<UInt16>) -> String {
            x.lowerBound == x.upperBound ? "\(x.lowerBound)" : "\(x.lowerBound)-\(x.upperBound)"
        }
        switch self {
        case .any: return "any"
        case .icmp: return "icmp"
        case .tcp(let x): return "tcp/" + r(x)
        case .udp(let x): return "udp/" + r(x)
        }
    }
}

public struct PortSpecError: Error, Equatable, Sendable {
    public var text: String
    public var reason: String
}
