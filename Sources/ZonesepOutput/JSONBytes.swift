import ZonesepCore

/// A JSON record written piece by piece straight into its UTF-8 bytes, for the records a replay writes by
/// the thousand (alerts, the summary's violations, flow records): keys and punctuation are appended as
/// literals, addresses, times and numbers digit by digit, and only text from outside (labels, names) is
/// checked for escaping. The output is exactly what `JSONObject` writes for the same fields.
public struct JSONBytes {
    public var bytes: [UInt8]

    public init(capacity: Int = 512) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Writes into `out`'s bytes, after what they hold: `body` renders with this writer, and the bytes go
    /// back to `out` without a copy (a batch of records rendered into one buffer).
    public static func appending(to out: inout [UInt8], _ body: (inout JSONBytes) -> Void) {
        var j = JSONBytes(capacity: 0)
        swap(&j.bytes, &out)
        body(&j)
        swap(&j.bytes, &out)
    }

    /// The record as a `String`.
    public var string: String { String(decoding: bytes, as: UTF8.self) }

    /// Literal ASCII: keys with their quotes and colon, punctuation.
    @inline(__always)
    public mutating func raw(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    /// Appends again the bytes at `range` of what is written (a time the record carries twice).
    public mutating func repeatBytes(_ range: Range<Int>) {
        guard range.lowerBound >= 0, range.upperBound <= bytes.count, !range.isEmpty else { return }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: range.count) { t in
            bytes.withUnsafeBufferPointer { b in _ = t.initialize(from: b[range]) }
            bytes.append(contentsOf: UnsafeBufferPointer(t))
        }
    }

    /// Bytes that are already JSON (a cached, escaped name).
    @inline(__always)
    public mutating func raw(_ b: [UInt8]) { bytes.append(contentsOf: b) }

    /// A JSON string, escaped as `JSONObject` escapes it.
    public mutating func string(_ s: String) { JSONObject.appendString(s, to: &bytes) }

    /// A JSON string, or `null`.
    public mutating func string(_ s: String?) {
        if let s { JSONObject.appendString(s, to: &bytes) } else { raw("null") }
    }

    /// Text that needs no escaping by construction (ASCII names of rules, protocols, reasons).
    @inline(__always)
    public mutating func plainString(_ s: StaticString) {
        bytes.append(UInt8(ascii: "\""))
        raw(s)
        bytes.append(UInt8(ascii: "\""))
    }

    /// UTF-8 text as a JSON string, escaped where it needs it.
    public mutating func string(utf8 text: UnsafeBufferPointer<UInt8>) {
        bytes.append(UInt8(ascii: "\""))
        if !JSONObject.needsEscaping(text) {
            bytes.append(contentsOf: text)
        } else {
            var escaped: [UInt8] = []
            JSONObject.appendString(String(decoding: text, as: UTF8.self), to: &escaped)
            bytes.append(contentsOf: escaped[1..<(escaped.count - 1)])
        }
        bytes.append(UInt8(ascii: "\""))
    }

    public mutating func integer<I: BinaryInteger>(_ v: I) { JSONObject.appendInteger(v, to: &bytes) }

    public mutating func integer<I: BinaryInteger>(_ v: I?) {
        if let v { JSONObject.appendInteger(v, to: &bytes) } else { raw("null") }
    }

    public mutating func bool(_ v: Bool) { v ? raw("true") : raw("false") }

    /// An address as a JSON string.
    public mutating func address(_ a: IPAddress) {
        bytes.append(UInt8(ascii: "\""))
        a.append(to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    /// A MAC address as a JSON string, or `null`.
    public mutating func mac(_ m: MACAddress?) {
        guard let m else { return raw("null") }
        bytes.append(UInt8(ascii: "\""))
        m.append(to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    /// A packet time as an RFC 3339 JSON string.
    public mutating func timestamp(_ micros: Int64) {
        bytes.append(UInt8(ascii: "\""))
        Timestamp.append(micros, to: &bytes)
        bytes.append(UInt8(ascii: "\""))
    }

    /// A packet time as an RFC 3339 JSON string, or `null`.
    public mutating func optionalTimestamp(_ micros: Int64?) {
        if let micros { timestamp(micros) } else { raw("null") }
    }

    /// VLAN ids as a JSON array of numbers.
    public mutating func integers(_ values: [UInt16]) {
        bytes.append(UInt8(ascii: "["))
        for (i, v) in values.enumerated() {
            if i > 0 { bytes.append(UInt8(ascii: ",")) }
            JSONObject.appendInteger(v, to: &bytes)
        }
        bytes.append(UInt8(ascii: "]"))
    }
}
