/// Reads IPv4 and IPv6 address and prefix text straight from UTF-8 bytes.
///
/// zones.conf lists tens of thousands of addresses; splitting each into substrings and integers cost more
/// than the rest of loading the file. Every read stays inside `bytes[from..<to]` and returns nil for
/// anything that is not exactly one address (or prefix): IPv4 as four decimal octets of one to three
/// digits (`10.20.3.4`), IPv6 as RFC 4291 text (hex groups of one to four digits, one `::`, an IPv4 tail
/// only as the last two groups).
enum AddressText {
    /// An address: IPv6 when the text holds a colon, IPv4 otherwise.
    static func address(_ b: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> IPAddress? {
        if contains(b, from, to, UInt8(ascii: ":")) {
            return v6(b, from, to).map { IPAddress(v6: $0) }
        }
        return v4(b, from, to).map { IPAddress(v4: $0) }
    }

    /// `address` or `address/length`; the length is 0–32 after IPv4 text, 0–128 after IPv6 text, and is
    /// returned in the 128-bit space (an IPv4 /n as /(96+n)).
    static func prefix(_ b: UnsafeBufferPointer<UInt8>) -> (address: IPAddress, length: Int)? {
        var slash = -1
        for k in 0..<b.count where b[k] == UInt8(ascii: "/") {
            guard slash < 0 else { return nil }
            slash = k
        }
        let end = slash < 0 ? b.count : slash
        let isV6 = contains(b, 0, end, UInt8(ascii: ":"))
        let address: IPAddress
        if isV6 {
            guard let v = v6(b, 0, end) else { return nil }
            address = IPAddress(v6: v)
        } else {
            guard let v = v4(b, 0, end) else { return nil }
            address = IPAddress(v4: v)
        }
        let maxLength = isV6 ? 128 : 32
        var length = maxLength
        if slash >= 0 {
            guard slash + 1 < b.count else { return nil }
            length = 0
            for k in (slash + 1)..<b.count {
                guard let d = digit(b[k]) else { return nil }
                length = length * 10 + d
                guard length <= maxLength else { return nil }
            }
        }
        return (address, isV6 ? length : 96 + length)
    }

    /// Four octets of one to three decimal digits, each at most 255, and nothing else.
    static func v4(_ b: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> UInt32? {
        var v: UInt32 = 0
        var octet: UInt32 = 0
        var digits = 0
        var dots = 0
        var k = from
        while k < to {
            let c = b[k]
            if let d = digit(c) {
                guard digits < 3 else { return nil }
                octet = octet * 10 + UInt32(d)
                digits += 1
            } else if c == UInt8(ascii: "."), digits > 0, octet <= 255, dots < 3 {
                v = v << 8 | octet
                octet = 0
                digits = 0
                dots += 1
            } else {
                return nil
            }
            k += 1
        }
        guard dots == 3, digits > 0, octet <= 255 else { return nil }
        return v << 8 | octet
    }

    /// RFC 4291 text: eight groups, or fewer around one `::`; the last two may be written as IPv4.
    static func v6(_ b: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> UInt128? {
        // Groups before the `::` (or all of them) and after it, each shifted in as read.
        var head: UInt128 = 0
        var headCount = 0
        var tail: UInt128 = 0
        var tailCount = 0
        var compressed = false
        var k = from
        if to - from >= 2 && b[from] == UInt8(ascii: ":") && b[from + 1] == UInt8(ascii: ":") {
            compressed = true
            k += 2
            if k == to { return 0 }
        }
        while true {
            // One group: up to four hex digits, or an IPv4 tail that runs to the end.
            let start = k
            var group: UInt128 = 0
            while k < to, k - start < 5, let h = hexDigit(b[k]) {
                group = group << 4 | UInt128(h)
                k += 1
            }
            var width = 1
            if k < to && b[k] == UInt8(ascii: ".") {
                guard let v = v4(b, start, to) else { return nil }
                group = UInt128(v)
                width = 2
                k = to
            } else {
                guard k > start, k - start <= 4 else { return nil }
            }
            if compressed {
                tail = tail << (16 * UInt128(width)) | group
                tailCount += width
            } else {
                head = head << (16 * UInt128(width)) | group
                headCount += width
            }
            guard headCount + tailCount <= 8 else { return nil }
            if k == to { break }
            guard b[k] == UInt8(ascii: ":") else { return nil }
            k += 1
            guard k < to else { return nil }
            if b[k] == UInt8(ascii: ":") {
                guard !compressed else { return nil }
                compressed = true
                k += 1
                if k == to { break }
            }
        }
        if compressed {
            guard headCount + tailCount <= 7 else { return nil }
            return headCount == 0 ? tail : head << (16 * UInt128(8 - headCount)) | tail
        }
        guard headCount == 8 else { return nil }
        return head
    }

    private static func contains(_ b: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int, _ c: UInt8) -> Bool {
        var k = from
        while k < to {
            if b[k] == c { return true }
            k += 1
        }
        return false
    }

    private static func digit(_ c: UInt8) -> Int? {
        c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") ? Int(c &- UInt8(ascii: "0")) : nil
    }

    private static func hexDigit(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c &- UInt8(ascii: "a") &+ 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c &- UInt8(ascii: "A") &+ 10
        default: return nil
        }
    }
}
