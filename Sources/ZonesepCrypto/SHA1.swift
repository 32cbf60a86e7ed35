import COpenSSL

/// SHA-1 by libcrypto, only for the Community ID flow hash, which the standard defines over SHA-1.
/// Never used for integrity: evidence files and zones.conf are hashed with SHA-256.
public enum SHA1 {
    /// Digest length in bytes.
    public static let byteCount = 20

    /// The algorithm fetched from the default provider once: `EVP_sha1()` makes every initialisation
    /// fetch it again (about 2,700 instructions of a 5,000-instruction hash, and every alert has one).
    /// `nonisolated(unsafe)`: written once, before first use, by the runtime's lazy initialisation.
    nonisolated(unsafe) static let algorithm: OpaquePointer? = EVP_MD_fetch(nil, "SHA1", nil)

    /// The 20-byte digest of a message held in memory.
    public static func digest(_ message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: byteCount)
        message.withUnsafeBytes { m in out.withUnsafeMutableBytes { digest(m, into: $0) } }
        return out
    }

    /// The digest of `message` into the first 20 bytes of `out` (which must hold them), with no
    /// allocation on the Swift side: a context of its own each call, so any thread may hash.
    public static func digest(_ message: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) {
        precondition(out.count >= byteCount, "SHA1.digest: the output holds fewer than 20 bytes")
        guard let context = EVP_MD_CTX_new() else { preconditionFailure("OpenSSL: EVP_MD_CTX_new failed") }
        defer { EVP_MD_CTX_free(context) }
        let ok =
            (algorithm.map { EVP_DigestInit_ex2(context, $0, nil) } ?? EVP_DigestInit_ex(context, EVP_sha1(), nil))
            == 1
        guard ok else { preconditionFailure("OpenSSL: the digest could not be initialised") }
        if let base = message.baseAddress, !message.isEmpty {
            guard EVP_DigestUpdate(context, base, message.count) == 1 else {
                preconditionFailure("OpenSSL: EVP_DigestUpdate failed")
            }
        }
        // EVP_MAX_MD_SIZE bytes may be written: the digest goes through a buffer of that size.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Int(EVP_MAX_MD_SIZE)) { buffer in
            var length: UInt32 = 0
            guard EVP_DigestFinal_ex(context, buffer.baseAddress, &length) == 1, Int(length) == byteCount else {
                preconditionFailure("OpenSSL: EVP_DigestFinal_ex failed")
            }
            out.copyMemory(from: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(buffer)[0..<byteCount]))
        }
    }
}
