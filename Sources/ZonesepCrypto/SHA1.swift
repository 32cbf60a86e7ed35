import COpenSSL

/// SHA-1 by libcrypto, only for the Community ID flow hash, which the standard defines over SHA-1.
/// Never used for integrity: evidence files and zones.conf are hashed with SHA-256.
public enum SHA1 {
    /// Digest length in bytes.
    public static let byteCount = 20

    /// The 20-byte digest of a message held in memory.
    public static func digest(_ message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: byteCount)
        message.withUnsafeBytes { m in out.withUnsafeMutableBytes { digest(m, into: $0) } }
        return out
    }

    /// The digest of `message` into the first 20 bytes of `out` (which must hold them), with no
    /// allocation: libcrypto's SHA-1 block function on a context on the stack (`zonesep_sha1` in the
    /// COpenSSL shim), so any thread may hash. Through EVP the same hash cost about 3,300 instructions, most of
    /// them the context's allocation and the provider's bookkeeping; the Community ID of every alert and
    /// flow record is one.
    public static func digest(_ message: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) {
        guard out.count >= byteCount, let target = out.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            preconditionFailure("SHA1.digest: the output holds fewer than 20 bytes")
        }
        precondition(zonesep_sha1(message.baseAddress, message.count, target) == 1, "OpenSSL: SHA-1 failed")
    }
}
