import COpenSSL

/// SHA-1 by libcrypto, only for the Community ID flow hash, which the standard defines over SHA-1.
/// Never used for integrity: evidence files and zones.conf are hashed with SHA-256.
public enum SHA1 {
    /// Digest length in bytes.
    public static let byteCount = 20

    /// The 20-byte digest of a message held in memory.
    public static func digest(_ message: [UInt8]) -> [UInt8] {
        var state = MessageDigest(EVP_sha1())
        message.withUnsafeBytes { state.update($0) }
        return state.finalize()
    }
}
