/// Standard base64 (RFC 4648, with padding): the Community ID's text form and the report's CSP hash.
public enum Base64 {
    static let alphabet: StaticString = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        bytes.withUnsafeBytes { append($0, to: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the base64 text of `bytes` to `out`: the Community ID of every alert and flow record is
    /// written this way, straight into the record's bytes.
    public static func append(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        out.reserveCapacity(out.count + (bytes.count + 2) / 3 * 4)
        alphabet.withUTF8Buffer { abc in
            let n = bytes.count
            var i = 0
            while i + 2 < n {
                let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
                out.append(abc[Int(v >> 18)])
                out.append(abc[Int(v >> 12 & 63)])
                out.append(abc[Int(v >> 6 & 63)])
                out.append(abc[Int(v & 63)])
                i += 3
            }
            let rest = n - i
            if rest == 1 {
                let v = UInt32(bytes[i]) << 16
                out.append(abc[Int(v >> 18)])
                out.append(abc[Int(v >> 12 & 63)])
                out.append(UInt8(ascii: "="))
                out.append(UInt8(ascii: "="))
            } else if rest == 2 {
                let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
                out.append(abc[Int(v >> 18)])
                out.append(abc[Int(v >> 12 & 63)])
                out.append(abc[Int(v >> 6 & 63)])
                out.append(UInt8(ascii: "="))
            }
        }
    }
}
