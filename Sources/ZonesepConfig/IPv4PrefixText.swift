import ZonesepCore

/// The usual IPv4 prefix of zones.conf (`10.30.1.208`, `198.18.195.0/28`) read in one pass over the
/// string's UTF-8 bytes: a policy lists tens of thousands, and the general reading (`IPPrefix(String)`,
/// which also reads IPv6) costs several times more. It accepts only what that reading accepts as IPv4 and
/// gives the same prefix; anything else (IPv6, a mistake) returns nil and is left to `IPPrefix(String)`.
enum IPv4PrefixText {
    /// The prefix and whether the text set host bits beyond its length, or nil to ask `IPPrefix(String)`.
    static func parse(_ text: String) -> (prefix: IPPrefix, hadHostBits: Bool)? {
        let read = text.utf8.withContiguousStorageIfAvailable { parse(bytes: $0) } ?? nil
        guard let (address, length) = read else { return nil }
        let mask: UInt32 = length == 0 ? 0 : ~UInt32(0) << UInt32(32 - length)
        let prefix = IPPrefix(address: IPAddress(v4: address & mask), length: 96 + length)
        return (prefix, address & mask != address)
    }

    /// Four decimal octets of one to three digits, each at most 255, then optionally `/` and a length of
    /// at least one digit, at most 32 (leading zeros allowed, as `IPPrefix(String)` allows them).
    static func parse(bytes b: UnsafeBufferPointer<UInt8>) -> (address: UInt32, length: Int)? {
        var address: UInt32 = 0
        var k = 0
        for octetIndex in 0..<4 {
            if octetIndex > 0 {
                guard k < b.count, b[k] == UInt8(ascii: ".") else { return nil }
                k += 1
            }
            var octet: UInt32 = 0
            var digits = 0
            while k < b.count, digits < 4 {
                let d = b[k] &- UInt8(ascii: "0")
                guard d < 10 else { break }
                octet = octet * 10 + UInt32(d)
                digits += 1
                k += 1
            }
            guard digits >= 1, digits <= 3, octet <= 255 else { return nil }
            address = address << 8 | octet
        }
        guard k < b.count else { return (address, 32) }
        guard b[k] == UInt8(ascii: "/"), k + 1 < b.count else { return nil }
        k += 1
        var length = 0
        while k < b.count {
            let d = b[k] &- UInt8(ascii: "0")
            guard d < 10 else { return nil }
            length = length * 10 + Int(d)
            guard length <= 32 else { return nil }
            k += 1
        }
        return (address, length)
    }
}
