// OpenSSL 3 (Debian's libssl-dev): libcrypto for digests, libssl for TLS.
#include <openssl/evp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
