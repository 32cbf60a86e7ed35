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
    public static let icmpv6: UInt8 = 58
    public static let sctp: UInt8 = 132
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
        let t = text.lowercased()
        if t == "any" { return .success(.any) }
        if t == "icmp" { return .success(.icmp) }
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
