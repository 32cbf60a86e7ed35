/// Whether bytes read from a file are UTF-8, checked without making a `String` of the whole file: a
/// prefecture's zones.conf is megabytes of ASCII with a few labels in Japanese.
enum UTF8Text {
    /// ASCII is taken eight bytes at a time; each run of bytes at or above 0x80 (a run of multi-byte
    /// characters, which never contain an ASCII byte) is checked by the standard library on its own.
    static func isValid(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            let count = buffer.count
            guard let base = buffer.baseAddress else { return true }
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
                guard String(validating: run, as: UTF8.self) != nil else { return false }
                k = end
            }
            return true
        }
    }
}
