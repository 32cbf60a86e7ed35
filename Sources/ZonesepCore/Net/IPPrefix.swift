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
        guard let p = IPPrefix.dottedQuad(String(text).utf8) ?? IPPrefix.parsed(String(text)) else { return nil }
        self = p
    }

    /// The general reading, for any text (`dottedQuad` is its fast path for the common case).
    static func parsed(_ s: String) -> IPPrefix? {
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
        var p = IPPrefix(address: addr, length: maxLen == 32 ? len + 96 : len)
        p.hadHostBits = p.address != addr
        return p
    }

    public var description: String {
        if isIPv4 && displayLength == 32 { return address.description }
        if !isIPv4 && length == 128 { return address.description }
        return "\(address)/\(displayLength)"
    }

    /// `a.b.c.d` or `a.b.c.d/n` read straight from the bytes: zones.conf lists thousands of these, and the
    /// general parser's splitting costs more than the rest of loading. Returns nil for anything else
    /// (IPv6, or text the general parser must judge), never a different answer than it would give.
    static func dottedQuad(_ bytes: String.UTF8View) -> IPPrefix? {
        var v: UInt32 = 0
        var octet: UInt32 = 0
        var digits = 0
        var dots = 0
        var length: Int?
        var lengthDigits = 0
        for b in bytes {
            if lengthDigits > 0 || length != nil {
                // After the slash: up to two digits.
                guard b >= 0x30 && b <= 0x39, lengthDigits < 2 else { return nil }
                length = (length ?? 0) * 10 + Int(b - 0x30)
                lengthDigits += 1
                continue
            }
            switch b {
            case 0x30...0x39:
                guard digits < 3 else { return nil }
                octet = octet * 10 + UInt32(b - 0x30)
                digits += 1
            case UInt8(ascii: "."), UInt8(ascii: "/"):
                guard digits > 0, octet <= 255 else { return nil }
                v = v << 8 | octet
                octet = 0
                digits = 0
                if b == UInt8(ascii: ".") {
                    dots += 1
                    guard dots <= 3 else { return nil }
                } else {
                    guard dots == 3 else { return nil }
                    dots = 4
                    length = 0
                }
            default:
                return nil
            }
        }
        if dots == 3 {
            guard digits > 0, octet <= 255 else { return nil }
            v = v << 8 | octet
            length = 32
        } else {
            guard dots == 4, lengthDigits > 0 else { return nil }
        }
        guard let n = length, n <= 32 else { return nil }
        let address = IPAddress(v4: v)
        var p = IPPrefix(address: address, length: 96 + n)
        p.hadHostBits = p.address != address
        return p
    }
}
