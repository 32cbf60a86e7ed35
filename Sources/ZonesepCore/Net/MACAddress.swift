/// A 48-bit Ethernet address held in the low bits of a UInt64, so it is a plain value in packet structs.
public struct MACAddress: Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    @inlinable public init(rawValue: UInt64) { self.rawValue = rawValue & 0xffff_ffff_ffff }

    /// Parses `02:00:00:00:01:05` (colons or hyphens, either case).
    public init?(_ text: some StringProtocol) {
        let parts = text.split(whereSeparator: { $0 == ":" || $0 == "-" })
        guard parts.count == 6 else { return nil }
        var v: UInt64 = 0
        for p in parts {
            guard p.count == 2, let b = UInt8(p, radix: 16) else { return nil }
            v = v << 8 | UInt64(b)
        }
        self.init(rawValue: v)
    }

    /// Appends `description` to `out`, with no `String` made.
    public func append(to out: inout [UInt8]) {
        let digits: StaticString = "0123456789abcdef"
        let raw = rawValue
        out.appendStaged(maxCount: 17) { o in
            digits.withUTF8Buffer { hex in
                for i in 0..<6 {
                    let b = Int(truncatingIfNeeded: raw >> (UInt64(5 - i) * 8) & 0xff)
                    o[3 * i] = hex[b >> 4]
                    o[3 * i + 1] = hex[b & 0xf]
                    if i < 5 { o[3 * i + 2] = UInt8(ascii: ":") }
                }
            }
            return 17
        }
    }

    /// `02:00:00:20:03:04`, written byte by byte: every alert carries two (mapping each byte through
    /// `String(_:radix:)` and joining cost some 6,000 instructions an address).
    public var description: String {
        String(unsafeUninitializedCapacity: 17) { out in
            let digits: StaticString = "0123456789abcdef"
            digits.withUTF8Buffer { hex in
                for i in 0..<6 {
                    let b = Int(truncatingIfNeeded: rawValue >> (UInt64(5 - i) * 8) & 0xff)
                    out[3 * i] = hex[b >> 4]
                    out[3 * i + 1] = hex[b & 0xf]
                    if i < 5 { out[3 * i + 2] = UInt8(ascii: ":") }
                }
            }
            return 17
        }
    }
}
