/// Where `--metrics` listens: `ADDR:PORT`, the address numeric or a name (`127.0.0.1:9468`, `[::1]:9468`,
/// `0.0.0.0:9468`, `localhost:9468`). Port 0 takes a free port, which the daemon names on stderr.
public struct MetricsAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: UInt16

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

    public static func parse(_ text: String) -> Result<MetricsAddress, MetricsServerError> {
        let example = "(e.g. 127.0.0.1:9468, [::1]:9468 or 0.0.0.0:9468)"
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                return .failure(.init("--metrics '\(text)': an IPv6 address in brackets needs ]:PORT \(example)"))
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                return .failure(.init("--metrics '\(text)': no port; give ADDR:PORT \(example)"))
            }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            if host.contains(":") {
                return .failure(.init("--metrics '\(text)': put an IPv6 address in brackets \(example)"))
            }
        }
        if host.isEmpty {
            return .failure(.init("--metrics '\(text)': no address before the port \(example)"))
        }
        guard !portText.isEmpty, portText.allSatisfy(\.isASCII), portText.allSatisfy(\.isNumber),
            let port = UInt16(portText)
        else {
            return .failure(.init("--metrics '\(text)': the port must be a number from 0 to 65535"))
        }
        return .success(MetricsAddress(host: String(host), port: port))
    }
}

public struct MetricsServerError: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
