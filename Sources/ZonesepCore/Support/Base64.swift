/// Standard base64 (RFC 4648, with padding): the Community ID's text form and the report's CSP hash.
public enum Base64 {
    /// A constant in the binary's data (a `static let` is read through its once-initialisation check).
    @inline(__always)
    static var alphabet: StaticString { "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/" }

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

    /// The two characters of every 12-bit value, one pair after another (8 KiB, made on first use and kept
    /// for the process): a group of three bytes is two copies from here, not four lookups.
    /// Written once, before its first reader has it, and never again: safe to share between threads.
    nonisolated(unsafe) private static let pairs: UnsafePointer<UInt8> = {
        let table = UnsafeMutablePointer<UInt8>.allocate(capacity: 8192)
        alphabet.withUTF8Buffer { abc in
            for v in 0..<4096 {
                table[2 * v] = abc[v >> 6]
                table[2 * v + 1] = abc[v & 63]
            }
        }
        return UnsafePointer(table)
    }()

    /// Writes the `(bytes.count + 2) / 3 * 4` characters of `bytes` into `b`, which holds that many: every
    /// alert, summary violation and flow record has a Community ID (20 bytes) written this way. Read and
    /// written through pointers, the output's size checked once.
    public static func encode(_ bytes: UnsafeRawBufferPointer, into b: UnsafeMutableBufferPointer<UInt8>) {
        let n = bytes.count
        precondition(b.count >= (n + 2) / 3 * 4, "Base64.encode: the output holds fewer than (n + 2) / 3 * 4 bytes")
        guard n > 0, let src = bytes.baseAddress, let d = b.baseAddress else { return }
        let pairs = Base64.pairs
        var i = 0
        var o = 0
        while i &+ 2 < n {
            let v = Int(
                UInt32(src.load(fromByteOffset: i, as: UInt8.self)) << 16
                    | UInt32(src.load(fromByteOffset: i &+ 1, as: UInt8.self)) << 8
                    | UInt32(src.load(fromByteOffset: i &+ 2, as: UInt8.self)))
            UnsafeMutableRawPointer(d + o).copyMemory(from: pairs + (v >> 12) &* 2, byteCount: 2)
            UnsafeMutableRawPointer(d + (o &+ 2)).copyMemory(from: pairs + (v & 0xfff) &* 2, byteCount: 2)
            i &+= 3
            o &+= 4
        }
        let rest = n &- i
        guard rest > 0 else { return }
        let abc = alphabet.utf8Start
        let v =
            UInt32(src.load(fromByteOffset: i, as: UInt8.self)) << 16
            | (rest == 2 ? UInt32(src.load(fromByteOffset: i &+ 1, as: UInt8.self)) << 8 : 0)
        d[o] = abc[Int(v >> 18)]
        d[o &+ 1] = abc[Int(v >> 12 & 63)]
        d[o &+ 2] = rest == 2 ? abc[Int(v >> 6 & 63)] : UInt8(ascii: "=")
        d[o &+ 3] = UInt8(ascii: "=")
    }
}
