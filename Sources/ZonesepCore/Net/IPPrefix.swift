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
    public init?(_ text: String) {
        guard let (address, length) = withUTF8Bytes(text, AddressText.prefix) else { return nil }
        self.init(address: address, length: length)
        hadHostBits = self.address != address
    }

    /// The same from a substring.
    public init?(_ text: some StringProtocol) {
        self.init(String(text))
    }

    public var description: String {
        if isIPv4 && displayLength == 32 { return address.description }
        if !isIPv4 && length == 128 { return address.description }
        return "\(address)/\(displayLength)"
    }
}
