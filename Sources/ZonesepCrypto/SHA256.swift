import COpenSSL

/// SHA-256 (FIPS 180-4) by libcrypto, streaming: the digest an auditor recomputes with `sha256sum` for
/// zones.conf, reports and evidence files.
///
/// Feed it in pieces of any size with `update`, then `finalize` once (the hasher is consumed by it). The
/// state is libcrypto's SHA256_CTX held here, not an EVP context: each evidence file has a hasher of its
/// own, and the EVP context's allocation and algorithm fetch cost about 7,000 instructions a file.
/// libcrypto fails here only on a null pointer, which this type never passes; a wrong digest would be
/// worse than stopping, so such a failure stops the process.
public struct SHA256: ~Copyable {
    /// Digest length in bytes.
    public static let byteCount = 32

    private var context = SHA256_CTX()

    public init() {
        guard zonesep_sha256_init(&context) == 1 else { preconditionFailure("OpenSSL: SHA256_Init failed") }
    }

    /// Adds the next piece of the message.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        guard zonesep_sha256_update(&context, base, bytes.count) == 1 else {
            preconditionFailure("OpenSSL: SHA256_Update failed")
        }
    }

    /// Adds the next piece of the message.
    public mutating func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { update($0) } }

    /// Adds the UTF-8 bytes of a string.
    public mutating func update(_ text: String) {
        var text = text
        text.withUTF8 { update(UnsafeRawBufferPointer($0)) }
    }

    /// The 32-byte digest of everything added.
    public consuming func finalize() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: SHA256.byteCount)
        let ok = out.withUnsafeMutableBufferPointer { zonesep_sha256_final($0.baseAddress, &context) }
        guard ok == 1 else { preconditionFailure("OpenSSL: SHA256_Final failed") }
        return out
    }

    /// The digest of a whole message held in memory.
    public static func digest(_ message: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(message)
        return hasher.finalize()
    }

    /// Lower-case hexadecimal, as `sha256sum` prints it.
    public static func hex(_ digest: [UInt8]) -> String { Hex.encode(digest) }
}
