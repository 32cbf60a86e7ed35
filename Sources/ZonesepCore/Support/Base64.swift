/// Standard base64 (RFC 4648, with padding): the Community ID's text form and the report's CSP hash.
public enum Base64 {
    static let alphabet: StaticString = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        bytes.withUnsafeBytes { append($0, to: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the base64 text of `bytes` to `out`: the Community ID of every alert and flow record is
    /// written this way, straight into the record's bytes. Encoded into a buffer on the stack and appended
    /// once (an append a character cost more than the encoding).
    public static func append(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        let length = (bytes.count + 2) / 3 * 4
        guard length > 0 else { return }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: length) { b in
            encode(bytes, into: b)
            out.append(contentsOf: UnsafeBufferPointer(b))
        }
    }

    /// Writes the `(bytes.count + 2) / 3 * 4` characters of `bytes` into `b`, which holds that many.
    public static func encode(_ bytes: UnsafeRawBufferPointer, into b: UnsafeMutableBufferPointer<UInt8>) {
        alphabet.withUTF8Buffer { abc in
            let n = bytes.count
            var i = 0
            var o = 0
            while i + 2 < n {
                let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
                b[o] = abc[Int(v >> 18)]
                b[o + 1] = abc[Int(v >> 12 & 63)]
                b[o + 2] = abc[Int(v >> 6 & 63)]
                b[o + 3] = abc[Int(v & 63)]
                i += 3
                o += 4
            }
            let rest = n - i
            if rest == 1 {
                let v = UInt32(bytes[i]) << 16
                b[o] = abc[Int(v >> 18)]
                b[o + 1] = abc[Int(v >> 12 & 63)]
                b[o + 2] = UInt8(ascii: "=")
                b[o + 3] = UInt8(ascii: "=")
            } else if rest == 2 {
                let v = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
                b[o] = abc[Int(v >> 18)]
                b[o + 1] = abc[Int(v >> 12 & 63)]
                b[o + 2] = abc[Int(v >> 6 & 63)]
                b[o + 3] = UInt8(ascii: "=")
            }
        }
    }
}
