/// A 64-bit hash of an ASCII name and a kind, with its low bit set: `DeclarationAudit` tells whether a
/// policy's names are distinct by it, without hashing each as a `String`.
enum ASCIINameHash {
    /// The hash of `name`'s bytes and `kind`, or nil when a byte is beyond ASCII.
    static func of(_ name: UnsafeBufferPointer<UInt8>, kind: UInt8) -> UInt64? {
        // FNV-1a, then a final mix so that the low bits (the table's slot) depend on every byte.
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(kind)
        for b in name {
            if b >= 0x80 { return nil }
            h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3
        }
        h ^= h >> 33
        h = h &* 0xff51_afd7_ed55_8ccd
        h ^= h >> 33
        return h | 1
    }
}
