/// Whether bytes read from a file are UTF-8, checked without making a `String` of the whole file: a
/// prefecture's zones.conf is megabytes of ASCII with a few labels in Japanese.
enum UTF8Text {
    static func isValid(_ bytes: [UInt8]) -> Bool { firstInvalidByte(bytes) == nil }

    /// The offset of the first byte that starts no valid UTF-8 sequence, or nil when all are valid. ASCII
    /// is taken eight bytes at a time; each run of bytes at or above 0x80 (a run of multi-byte characters,
    /// which never contain an ASCII byte) is checked by the standard library on its own, and only a run
    /// that fails is decoded again to find the byte.
    static func firstInvalidByte(_ bytes: [UInt8]) -> Int? {
        bytes.withUnsafeBufferPointer { buffer in
            let count = buffer.count
            guard let base = buffer.baseAddress else { return nil }
            var k = 0
            while k < count {
                if k + 8 <= count {
                    let word = UnsafeRawPointer(base + k).loadUnaligned(as: UInt64.self)
                    if word & 0x8080_8080_8080_8080 == 0 {
                        k += 8
                        continue
                    }
                }
                if buffer[k] < 0x80 {
                    k += 1
                    continue
                }
                var end = k + 1
                while end < count && buffer[end] >= 0x80 { end += 1 }
                let run = UnsafeBufferPointer(rebasing: buffer[k..<end])
                guard String(validating: run, as: UTF8.self) != nil else { return k + firstInvalid(inRun: run) }
                k = end
            }
            return nil
        }
    }

    /// Where in `run` (bytes of a run already known to hold an error) the first bad sequence starts.
    private static func firstInvalid(inRun run: UnsafeBufferPointer<UInt8>) -> Int {
        var parser = Unicode.UTF8.ForwardParser()
        var input = run.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &input) {
            case .valid(let encoded): offset += encoded.count
            case .error: return offset
            case .emptyInput: return offset
            }
        }
    }

    /// Line and column (1-based, the column in Unicode scalars as `TOMLPosition` counts) of byte `offset`,
    /// all of whose preceding bytes are valid UTF-8.
    static func position(of offset: Int, in bytes: [UInt8]) -> TOMLPosition {
        var line = 1
        var lineStart = 0
        for k in 0..<offset where bytes[k] == 0x0A {
            line += 1
            lineStart = k + 1
        }
        let column = bytes[lineStart..<offset].reduce(1) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) }
        return TOMLPosition(line: line, column: column)
    }
}
