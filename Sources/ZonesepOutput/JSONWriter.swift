/// A minimal JSON object writer with keys in insertion order, so records are byte-identical run to run
/// and read in the order DESIGN.md lists their fields.
public struct JSONObject {
    /// The object so far, as UTF-8: appending bytes costs a fraction of appending to a `String` (an alert
    /// is written for every violating flow, and a flood of them must not slow the replay).
    @usableFromInline var bytes: [UInt8]

    public init() {
        bytes = [UInt8]()
        bytes.reserveCapacity(512)
        bytes.append(UInt8(ascii: "{"))
    }

    public var text: String { String(decoding: bytes, as: UTF8.self) }

    mutating func key(_ k: String) {
        if bytes.count > 1 { bytes.append(UInt8(ascii: ",")) }
        JSONObject.appendString(k, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    public mutating func add(_ k: String, _ v: String?) {
        key(k)
        if let v { JSONObject.appendString(v, to: &bytes) } else { JSONObject.appendNull(&bytes) }
    }

    public mutating func add<I: BinaryInteger>(_ k: String, _ v: I?) {
        key(k)
        if let v { JSONObject.appendInteger(v, to: &bytes) } else { JSONObject.appendNull(&bytes) }
    }

    public mutating func add(_ k: String, _ v: Bool) {
        key(k)
        bytes.append(contentsOf: v ? JSONObject.trueBytes : JSONObject.falseBytes)
    }

    public mutating func addRaw(_ k: String, _ json: String) {
        key(k)
        bytes.append(contentsOf: json.utf8)
    }

    public var json: String {
        var b = bytes
        b.append(UInt8(ascii: "}"))
        return String(decoding: b, as: UTF8.self)
    }

    static let trueBytes: [UInt8] = Array("true".utf8)
    static let falseBytes: [UInt8] = Array("false".utf8)

    @inline(__always)
    static func appendNull(_ out: inout [UInt8]) {
        out.append(contentsOf: [UInt8(ascii: "n"), UInt8(ascii: "u"), UInt8(ascii: "l"), UInt8(ascii: "l")])
    }

    /// Decimal digits of `v`, without going through a `String`.
    static func appendInteger<I: BinaryInteger>(_ v: I, to out: inout [UInt8]) {
        var magnitude: UInt64
        if v < 0 {
            out.append(UInt8(ascii: "-"))
            magnitude = UInt64(truncatingIfNeeded: 0 &- Int64(v))
        } else {
            magnitude = UInt64(v)
        }
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for 20 digits
        let n = withUnsafeMutableBytes(of: &digits) { d -> Int in
            var i = d.count
            repeat {
                i -= 1
                d[i] = UInt8(ascii: "0") &+ UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            out.append(contentsOf: d[i...])
            return d.count - i
        }
        _ = n
    }

    /// Encodes an array of already-encoded JSON values.
    public static func array(_ items: [String]) -> String { "[" + items.joined(separator: ",") + "]" }

    public static func string(_ s: String) -> String {
        var out: [UInt8] = []
        appendString(s, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// RFC 8259 string escaping; non-ASCII stays as UTF-8 (labels are Japanese).
    /// Whether `s` holds a character JSON (or a JavaScript reader) needs escaped: a control character,
    /// `"`, `\\`, DEL, or U+2028/U+2029 (UTF-8 E2 80 A8/A9).
    static func needsEscaping(_ s: String) -> Bool {
        var s = s
        // Over the contiguous UTF-8 with plain indices: the string's own iterator and a state machine cost
        // some 30 instructions a byte, and every alert's message passes through here.
        return s.withUTF8 { needsEscaping($0) }
    }

    static func needsEscaping(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        while i < b.count {
            let c = b[i]
            if c < 0x20 || c == 0x22 || c == 0x5c || c == 0x7f { return true }
            if c == 0xe2 && i + 2 < b.count && b[i + 1] == 0x80 && (b[i + 2] == 0xa8 || b[i + 2] == 0xa9) {
                return true
            }
            i += 1
        }
        return false
    }

    static func appendString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        appendStringContent(s, to: &out)
        out.append(UInt8(ascii: "\""))
    }

    /// What `appendString` writes between the quotes: the text, escaped where it needs it.
    static func appendStringContent(_ s: String, to out: inout [UInt8]) {
        // Most strings (addresses, ids, labels) need no escaping: append them whole.
        if !needsEscaping(s) {
            var s = s
            s.withUTF8 { out.append(contentsOf: $0) }
            return
        }
        var escaped = ""
        for u in s.unicodeScalars {
            switch u {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\r": escaped += "\\r"
            case "\t": escaped += "\\t"
            case _ where u.value < 0x20 || u.value == 0x7f || u.value == 0x2028 || u.value == 0x2029:
                let hex = String(u.value, radix: 16)
                escaped += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: escaped.unicodeScalars.append(u)
            }
        }
        out.append(contentsOf: escaped.utf8)
    }

}
