/// A CIDR prefix over the unified 128-bit address space (an IPv4 /n is stored as /(96+n)).
///
/// IPv4 addresses live in the IPv4-mapped block ::ffff:0:0/96, so an IPv6 prefix that takes in that block
/// (`::/0`, `::/64`, `::/80`) would hold every IPv4 address by its bits alone; each family matches only its
/// own addresses, so the block is a hole in such a prefix (`contains`, `matchedParts`). A prefix written
/// inside the block (`::ffff:10.0.0.0/104`) is the IPv4 prefix it spells (10.0.0.0/8).
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

    /// The first and last addresses of the prefix's bits; for one around the IPv4-mapped block they span
    /// the block too, which the prefix does not hold (compile `matchedParts` instead).
    public var first: UInt128 { address.rawValue }
    public var last: UInt128 { address.rawValue | ~IPPrefix.mask(length) }

    /// Whether `a` is in the prefix: its bits match, and it is of the prefix's family (an IPv6 prefix
    /// shorter than the IPv4-mapped block holds no IPv4 address, though the block's bits match it).
    @inlinable
    public func contains(_ a: IPAddress) -> Bool {
        a.rawValue & IPPrefix.mask(length) == address.rawValue && (length >= 96 || !a.isIPv4)
    }

    /// Whether this is an IPv6 prefix around the IPv4-mapped block ::ffff:0:0/96 (`::/0` to `::/80`, and
    /// `::ffff:0:0/81` to `/95`): the block is a hole in it.
    @inlinable
    public var coversIPv4Block: Bool {
        length < 96 && IPAddress.v4MappedPrefix & IPPrefix.mask(length) == address.rawValue
    }

    /// CIDR prefixes holding exactly the addresses `contains` accepts, for tables that match by bits: the
    /// prefix itself, or for one around the IPv4-mapped block, at each length from its own down to the
    /// block's, the half that does not hold the block (96 prefixes for `::/0`).
    public var matchedParts: [IPPrefix] {
        guard coversIPv4Block else { return [self] }
        let block = IPAddress.v4MappedPrefix
        return (length..<96).map { l in
            // The block's first l bits, then the other value of its next bit.
            let next = UInt128(1) << UInt128(127 - l)
            return IPPrefix(address: IPAddress(rawValue: block & IPPrefix.mask(l) | ~block & next), length: l + 1)
        }
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
