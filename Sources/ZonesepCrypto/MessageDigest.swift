import COpenSSL

/// One OpenSSL EVP digest context: the streaming half that SHA256 and SHA1 share.
///
/// The hashing itself is libcrypto's (the same library the TLS syslog uses), so the digests an auditor
/// checks with `sha256sum` and the flow ids Zeek and Suricata join on come from a vetted implementation.
/// OpenSSL fails here only when it cannot allocate or its default provider is missing: no input can cause
/// that, and a wrong digest would be worse than stopping, so such a failure stops the process.
struct MessageDigest: ~Copyable {
    private let context: OpaquePointer

    init(_ algorithm: OpaquePointer) {
        guard let context = EVP_MD_CTX_new() else { preconditionFailure("OpenSSL: EVP_MD_CTX_new failed") }
        guard EVP_DigestInit_ex(context, algorithm, nil) == 1 else {
            EVP_MD_CTX_free(context)
            preconditionFailure("OpenSSL: the digest could not be initialised")
        }
        self.context = context
    }

    deinit { EVP_MD_CTX_free(context) }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        guard EVP_DigestUpdate(context, base, bytes.count) == 1 else {
            preconditionFailure("OpenSSL: EVP_DigestUpdate failed")
        }
    }

    consuming func finalize() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok = out.withUnsafeMutableBufferPointer { EVP_DigestFinal_ex(context, $0.baseAddress, &length) }
        guard ok == 1 else { preconditionFailure("OpenSSL: EVP_DigestFinal_ex failed") }
        out.removeSubrange(Int(length)...)
        return out
    }
}

/// Lower-case hexadecimal, as `sha256sum` and `sha1sum` print a digest.
public enum Hex {
    static let digits = Array("0123456789abcdef".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
