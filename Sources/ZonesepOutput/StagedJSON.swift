/// JSON written into a small buffer on the stack and moved into a record's bytes a kilobyte at a time.
///
/// For long runs of short pieces (the summary's ten thousand declarations, twenty pieces each): appending
/// each piece to the array on its own cost more in the array's checks than in the bytes. The bytes are
/// those `JSONBytes` writes for the same calls.
struct StagedJSON {
    /// The bytes written so far, except those still in `stage`.
    private(set) var bytes: [UInt8] = []
    private let stage: UnsafeMutableBufferPointer<UInt8>
    private var staged = 0

    /// How many bytes the stage holds; a piece longer than this goes to `bytes` directly.
    static let capacity = 1024

    private init(stage: UnsafeMutableBufferPointer<UInt8>) { self.stage = stage }

    /// Writes after what `out` holds: `body` writes with this writer, and the bytes go back to `out`.
    static func appending(to out: inout [UInt8], _ body: (inout StagedJSON) -> Void) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { stage in
            var w = StagedJSON(stage: stage)
            swap(&w.bytes, &out)
            body(&w)
            w.flush()
            swap(&w.bytes, &out)
        }
    }

    /// How many bytes wait, in `bytes` and in the stage.
    var waiting: Int { bytes.count + staged }

    /// Hands every byte written so far to `drain`, which takes them (and leaves `bytes` empty).
    mutating func drain(_ drain: (inout [UInt8]) -> Void) {
        flush()
        drain(&bytes)
    }

    /// Moves the staged bytes into `bytes`.
    private mutating func flush() {
        guard staged > 0 else { return }
        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: stage[0..<staged]))
        staged = 0
    }

    /// Room for `n` more bytes in the stage, flushing it when needed; false when `n` cannot fit at all.
    @inline(__always)
    private mutating func room(_ n: Int) -> Bool {
        if staged + n > stage.count { flush() }
        return n <= stage.count
    }

    @inline(__always)
    mutating func byte(_ b: UInt8) {
        _ = room(1)
        stage[staged] = b
        staged += 1
    }

    /// Literal ASCII: keys with their quotes and colon, punctuation.
    @inline(__always)
    mutating func raw(_ s: StaticString) {
        raw(UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    /// Bytes that are already JSON. Inlined: for a literal the count is a constant, and the copy a few moves.
    @inline(__always)
    mutating func raw(_ b: UnsafeBufferPointer<UInt8>) {
        guard room(b.count) else { return bytes.append(contentsOf: b) }
        guard let from = b.baseAddress else { return }
        (stage.baseAddress! + staged).update(from: from, count: b.count)
        staged += b.count
    }

    /// A JSON string, escaped as `JSONObject` escapes it.
    mutating func string(_ s: String) {
        var s = s
        let plain = s.withUTF8 { text -> Bool in
            guard !JSONObject.needsEscaping(text) else { return false }
            byte(UInt8(ascii: "\""))
            raw(text)
            byte(UInt8(ascii: "\""))
            return true
        }
        if !plain {
            flush()
            JSONObject.appendString(s, to: &bytes)
        }
    }

    mutating func integer(_ v: UInt64) {
        _ = room(20)
        var v = v
        // The digits from the last, then moved to the front of their run.
        var end = staged + 20
        repeat {
            end -= 1
            stage[end] = UInt8(ascii: "0") &+ UInt8(v % 10)
            v /= 10
        } while v > 0
        let n = staged + 20 - end
        if end != staged { (stage.baseAddress! + staged).update(from: stage.baseAddress! + end, count: n) }
        staged += n
    }

    mutating func bool(_ v: Bool) { v ? raw("true") : raw("false") }

    /// A packet time as an RFC 3339 JSON string, or `null`.
    mutating func optionalTimestamp(_ micros: Int64?) {
        guard let micros else { return raw("null") }
        let f = Timestamp.Fields(micros)
        guard (0...9999).contains(f.year) else {
            flush()
            bytes.append(UInt8(ascii: "\""))
            Timestamp.append(micros, to: &bytes)
            bytes.append(UInt8(ascii: "\""))
            return
        }
        _ = room(29)
        stage[staged] = UInt8(ascii: "\"")
        staged += 1 + f.write(into: UnsafeMutableBufferPointer(rebasing: stage[(staged + 1)...]))
        stage[staged] = UInt8(ascii: "\"")
        staged += 1
    }
}
