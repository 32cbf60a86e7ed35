/// A CIDR prefix over the unified 128-bit address space (an IPv4 /n is stored as /(96+n)).
public struct IPPrefix: Hashable, Sendable, CustomStringConvertible {
    public var address: IPAddress
    /// Prefix length in the 128-bit space.
    public var length: Int

    public init(address: IPAddress, length: Int) {
        self.length = length
        self.address = IPAddress(rawValue: address.rawValue & IPPrefix.mask(length))
    }

    @inlinable
    static func mask(_ length: Int) -> UInt128 {
        length == 0 ? 0 : ~UInt128(0) << UInt128(128 - length)
    }

    public var first: UInt128 { address.rawValue }
    public var last: UInt128 { address.rawValue | ~IPPrefix.mask(length) }

    @inlinable
    public func contains(_ a: IPAddress) -> Bool {
        a.rawValue & IPPrefix.mask(length) == address.rawValue
    }

    public var isIPv4: Bool { length >= 96 && address.isIPv4 }

    /// The prefix length as a user writes it (0–32 for IPv4).
    public var displayLength: Int { isIPv4 ? length - 96 : length }

    /// Whether the text had host bits set beyond the prefix (`10.1.2.3/16`), which `check` reports.
    public private(set) var hadHostBits = false

    /// Parses `a.b.c.d/n`, `x::y/n`, or a single address (a host prefix).
    public init?(_ text: some StringProtocol) {
        let s = String(text)
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2, let addr = IPAddress(parts[0]) else { return nil }
        let maxLen = addr.isIPv4 && !parts[0].contains(":") ? 32 : 128
        var len = maxLen
        if parts.count == 2 {
            guard !parts[1].isEmpty, parts[1].allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(parts[1]),
                n <= maxLen
            else { return nil }
            len = n
        }
        let full = maxLen == 32 ? len + 96 : len
        self.init(address: addr, length: full)
        hadHostBits = self.address != addr
    }

    public var description: String {
        if isIPv4 && displayLength == 32 { return address.description }
        if !isIPv4 && length == 128 { return address.description }
        return "\(address)/\(displayLength)"
    }
}
