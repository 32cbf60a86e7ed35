/// An IPv4 or IPv6 address in one 128-bit value: IPv4 lives in the IPv4-mapped range ::ffff:0:0/96.
///
/// One representation lets the zone lookup, the flow key and the policy handle both families with the
/// same code and no existential or enum payload on the hot path.
public struct IPAddress: Hashable, Comparable, Sendable {
    public var rawValue: UInt128

    /// A computed constant (not a lazily initialised static) so the hot path pays no once-check.
    @inlinable public static var v4MappedPrefix: UInt128 { 0xffff_0000_0000 }

    @inlinable public init(rawValue: UInt128) { self.rawValue = rawValue }
    @inlinable public init(v4: UInt32) { self.rawValue = IPAddress.v4MappedPrefix | UInt128(v4) }
    @inlinable public init(v6: UInt128) { self.rawValue = v6 }

    @inlinable public var isIPv4: Bool { rawValue >> 32 == 0xffff }
    @inlinable public var v4: UInt32 { UInt32(truncatingIfNeeded: rawValue) }

    @inlinable public static func < (a: IPAddress, b: IPAddress) -> Bool { a.rawValue < b.rawValue }

    /// Parses dotted-quad IPv4 or RFC 4291 IPv6 text (with `::` and an embedded IPv4 tail).
    public init?(_ text: String) {
        guard let a = withUTF8Bytes(text, { AddressText.address($0, 0, $0.count) }) else { return nil }
        self = a
    }

    /// The same from a substring.
    public init?(_ text: some StringProtocol) {
        self.init(String(text))
    }
}

extension IPAddress {
    /// Appends the address's text (`description`) to `out`: IPv4 digit by digit, with no `String` made;
    /// records write two addresses each.
    public func append(to out: inout [UInt8]) {
        guard isIPv4 else {
            out.append(contentsOf: description.utf8)
            return
        }
        let v = v4
        out.appendStaged(maxCount: 15) { IPAddress.writeDottedQuad(v, to: $0) }
    }

    /// `append(to:)`, or for an address of an IPv6 packet (`mappedIPv6`) in the IPv4-mapped block, its IPv6
    /// text `::ffff:a.b.c.d` (RFC 5952 §5): the address on the wire, not the IPv4 one it is classified as.
    public func append(to out: inout [UInt8], mappedIPv6: Bool) {
        if mappedIPv6 && isIPv4 { out.append(contentsOf: "::ffff:".utf8) }
        append(to: &out)
    }

    /// `description`, or `::ffff:a.b.c.d` for an IPv4-mapped address of an IPv6 packet (`mappedIPv6`).
    public func description(mappedIPv6: Bool) -> String {
        mappedIPv6 && isIPv4 ? "::ffff:" + description : description
    }

    /// Writes `v` as a dotted quad at `out` (15 bytes at most) and returns how many bytes it took: digit by
    /// digit, as interpolating four integers cost about a thousand instructions an address.
    @inlinable @inline(__always)
    static func writeDottedQuad(_ v: UInt32, to out: UnsafeMutablePointer<UInt8>) -> Int {
        var n = 0
        for shift in stride(from: 24, through: 0, by: -8) {
            let octet = Int(v >> UInt32(shift) & 0xff)
            if octet >= 100 {
                out[n] = UInt8(ascii: "0") &+ UInt8(octet / 100)
                n += 1
            }
            if octet >= 10 {
                out[n] = UInt8(ascii: "0") &+ UInt8(octet / 10 % 10)
                n += 1
            }
            out[n] = UInt8(ascii: "0") &+ UInt8(octet % 10)
            n += 1
            if shift > 0 {
                out[n] = UInt8(ascii: ".")
                n += 1
            }
        }
        return n
    }
}

extension IPAddress: CustomStringConvertible {
    /// Dotted quad for IPv4; RFC 5952 text (lower case, longest zero run compressed) for IPv6.
    public var description: String {
        if isIPv4 {
            let v = v4
            return String(unsafeUninitializedCapacity: 15) { out in
                guard let base = out.baseAddress else { return 0 }
                return IPAddress.writeDottedQuad(v, to: base)
            }
        }
        var groups: [UInt16] = []
        for i in (0..<8).reversed() { groups.append(UInt16(truncatingIfNeeded: rawValue >> (UInt128(i) * 16))) }
        let (bestStart, bestLen) = IPAddress.zeroRunToCompress { groups[$0] }
        func hex(_ g: UInt16) -> String { String(g, radix: 16) }
        if bestStart < 0 { return groups.map(hex).joined(separator: ":") }
        let head = groups[..<bestStart].map(hex).joined(separator: ":")
        let tail = groups[(bestStart + bestLen)...].map(hex).joined(separator: ":")
        return head + "::" + tail
    }
}

extension IPAddress {
    /// The run of zero groups an IPv6 address writes as `::` (RFC 5952): the longest of two or more, the
    /// first of equal ones; start -1 when there is none. `group(i)` is the i-th of the eight 16-bit groups.
    @inlinable
    public static func zeroRunToCompress(_ group: (Int) -> UInt16) -> (start: Int, length: Int) {
        var bestStart = -1
        var bestLen = 0
        var i = 0
        while i < 8 {
            if group(i) == 0 {
                var j = i
                while j < 8 && group(j) == 0 { j += 1 }
                if j - i > bestLen && j - i >= 2 {
                    bestStart = i
                    bestLen = j - i
                }
                i = j
            } else {
                i += 1
            }
        }
        return (bestStart, bestLen)
    }
}
