/// A minimal JSON object writer with keys in insertion order, so records are byte-identical run to run
/// and read in the order DESIGN.md lists their fields.
public struct JSONObject {
    public private(set) var text = "{"
    var first = true

    public init() {}

    mutating func key(_ k: String) {
        if !first { text += "," }
        first = false
        JSONObject.appendString(k, to: &text)
        text += ":"
    }

    public mutating func add(_ k: String, _ v: String?) {
        key(k)
        if let v { JSONObject.appendString(v, to: &text) } else { text += "null" }
    }

    public mutating func add<I: BinaryInteger>(_ k: String, _ v: I?) {
        key(k)
        text += v.map { "\($0)" } ?? "null"
    }

    public mutating func add(_ k: String, _ v: Bool) {
        key(k)
        text += v ? "true" : "false"
    }

    /// Adds already-encoded JSON (an object or array built by another writer).
    public mutating func addRaw(_ k: String, _ json: String) {
        key(k)
        text += json
    }

    public var json: String { text + "}" }

    /// Encodes an array of already-encoded JSON values.
    public static func array(_ items: [String]) -> String { "[" + items.joined(separator: ",") + "]" }

    public static func string(_ s: String) -> String {
        var out = ""
        appendString(s, to: &out)
        return out
    }

    /// RFC 8259 string escaping; non-ASCII stays as UTF-8 (labels are Japanese).
    /// Whether `s` holds a character JSON (or a JavaScript reader) needs escaped: a control character,
    /// `"`, `\\`, DEL, or U+2028/U+2029 (UTF-8 E2 80 A8/A9).
    static func needsEscaping(_ s: String) -> Bool {
        var state = 0  // 1: after E2; 2: after E2 80
        for b in s.utf8 {
            if b < 0x20 || b == 0x22 || b == 0x5c || b == 0x7f { return true }
            switch (state, b) {
            case (_, 0xe2): state = 1
            case (1, 0x80): state = 2
            case (2, 0xa8), (2, 0xa9): return true
            default: state = 0
            }
        }
        return false
    }

    static func appendString(_ s: String, to out: inout String) {
        out += "\""
        // Most strings (addresses, ids, labels) need no escaping: append them whole.
        if !needsEscaping(s) {
            out += s
            out += "\""
            return
        }
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where u.value < 0x20 || u.value == 0x7f || u.value == 0x2028 || u.value == 0x2029:
                let hex = String(u.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(u)
            }
        }
        out += "\""
    }
}
