@testable import ZonesepCore

/// The string-splitting reading of address and prefix text that `AddressText` replaced, kept as the
/// reference the byte reader is held to (it splits on `/`, `::`, `:` and `.` and converts each part).
enum ReferenceAddressText {
    /// The prefix, and whether the text had host bits set beyond its length.
    static func prefix(_ s: String) -> (prefix: IPPrefix, hadHostBits: Bool)? {
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2, let addr = address(String(parts[0])) else { return nil }
        let maxLen = addr.isIPv4 && !parts[0].contains(":") ? 32 : 128
        var len = maxLen
        if parts.count == 2 {
            guard !parts[1].isEmpty, parts[1].allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(parts[1]),
                n <= maxLen
            else { return nil }
            len = n
        }
        let p = IPPrefix(address: addr, length: maxLen == 32 ? len + 96 : len)
        return (p, p.address != addr)
    }

    /// Whether the reference accepts `text` only by a laxness the byte reader does not share: a sign
    /// before a hex group, or an IPv4 part that is not the last two groups of an IPv6 address.
    static func isLax(_ text: String) -> Bool {
        let address = text.split(separator: "/", omittingEmptySubsequences: false).first ?? ""
        guard address.contains(":") else { return false }
        if address.contains("+") || address.contains("-") { return true }
        if let dot = address.firstIndex(of: "."), address[dot...].contains(":") { return true }
        return false
    }

    static func address(_ s: String) -> IPAddress? {
        if s.contains(":") { return v6(s).map { IPAddress(v6: $0) } }
        return v4(s).map { IPAddress(v4: $0) }
    }

    static func v4(_ s: String) -> UInt32? {
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var v: UInt32 = 0
        for p in parts {
            guard !p.isEmpty, p.count <= 3, p.allSatisfy({ $0.isASCII && $0.isNumber }), let n = UInt32(p), n <= 255
            else { return nil }
            v = v << 8 | n
        }
        return v
    }

    static func v6(_ s: String) -> UInt128? {
        if s.hasPrefix(":") && !s.hasPrefix("::") { return nil }
        if s.hasSuffix(":") && !s.hasSuffix("::") { return nil }
        let halves = s.split(separator: "::", omittingEmptySubsequences: false)
        guard halves.count <= 2 else { return nil }
        func groups(_ part: Substring) -> [UInt16]? {
            if part.isEmpty { return [] }
            var out: [UInt16] = []
            let fields = part.split(separator: ":", omittingEmptySubsequences: false)
            for (i, f) in fields.enumerated() {
                if i == fields.count - 1, f.contains(".") {
                    guard let v4 = v4(String(f)) else { return nil }
                    out.append(UInt16(v4 >> 16))
                    out.append(UInt16(v4 & 0xffff))
                } else {
                    guard !f.isEmpty, f.count <= 4, let g = UInt16(f, radix: 16) else { return nil }
                    out.append(g)
                }
            }
            return out
        }
        var all: [UInt16]
        if halves.count == 2 {
            guard let a = groups(halves[0]), let b = groups(halves[1]), a.count + b.count <= 7 else { return nil }
            all = a + Array(repeating: 0, count: 8 - a.count - b.count) + b
        } else {
            guard let a = groups(halves[0]), a.count == 8 else { return nil }
            all = a
        }
        var v: UInt128 = 0
        for g in all { v = v << 16 | UInt128(g) }
        return v
    }
}
