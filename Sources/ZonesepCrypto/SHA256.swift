import COpenSSL

/// SHA-256 (FIPS 180-4) by libcrypto, streaming: the digest an auditor recomputes with `sha256sum` for
/// zones.conf, reports and evidence files.
///
/// Feed it in pieces of any size with `update`, then `finalize` once (the hasher is consumed by it).
public struct SHA256: ~Copyable {
    /// Digest length in bytes.
    public static let byteCount = 32

    private var state: MessageDigest

    public init() { state = MessageDigest(EVP_sha256()) }

    /// Adds the next piece of the message.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) { state.update(bytes) }

    /// Adds the next piece of the message.
    public mutating func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { state.update($0) } }

    /// Adds the UTF-8 bytes of a string.
    public mutating func update(_ text: String) {
        var text = text
        text.withUTF8 { state.update(UnsafeRawBufferPointer($0)) }
    }

    /// The 32-byte digest of everything added.
    public consuming func finalize() -> [UInt8] { state.finalize() }

    /// The digest of a whole message held in memory.
    public static func digest(_ message: [UInt8]) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(message)
        return hasher.finalize()
    }

    /// Lower-case hexadecimal, as `sha256sum` prints it.
    public static func hex(_ digest: [UInt8]) -> String { Hex.encode(digest) }
}
