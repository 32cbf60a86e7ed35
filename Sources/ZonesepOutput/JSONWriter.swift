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
    static func appendString(_ s: String, to out: inout String) {
        out += "\""
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
