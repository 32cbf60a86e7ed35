// OpenSSL 3 (Debian's libssl-dev): libcrypto for digests, libssl's declarations for TLS. Only libcrypto is
// linked: libssl is loaded when TLS is first used (Sources/CLibSSL).
#include <openssl/evp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

// SHA-1 of a short message through libcrypto's block function, without the EVP layer: the Community ID
// hashes at most 40 bytes for every alert and flow record, and EVP's context allocation, provider lookup
// and locking cost some ten times the hash itself. The low-level SHA1_* functions are marked deprecated
// in OpenSSL 3 (in favour of EVP) but remain part of its API; the pragma keeps that note out of the build.
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wdeprecated-declarations"
#include <openssl/sha.h>
static inline int zonesep_sha1(const void *message, size_t count, unsigned char *digest) {
    SHA_CTX context;
    if (SHA1_Init(&context) != 1) return 0;
    if (count > 0 && SHA1_Update(&context, message, count) != 1) return 0;
    return SHA1_Final(digest, &context);
}

// SHA-256 streaming on a context the caller holds (SHA256_CTX, a plain struct), for the same reason: every
// evidence file is hashed as it is written, and EVP's context allocation and algorithm fetch cost more
// than hashing a small file. The block function is the same (SHA-NI where the CPU has it).
static inline int zonesep_sha256_init(SHA256_CTX *context) { return SHA256_Init(context); }
static inline int zonesep_sha256_update(SHA256_CTX *context, const void *bytes, size_t count) {
    return SHA256_Update(context, bytes, count);
}
static inline int zonesep_sha256_final(unsigned char *digest, SHA256_CTX *context) {
    return SHA256_Final(digest, context);
}
#pragma clang diagnostic pop
