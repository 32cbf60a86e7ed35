// The libssl functions TLSClient.swift calls, defined here and forwarded to libssl.so.3, which is loaded
// (dlopen) by zonesep_libssl_load when the first tls:// destination is set up. Linked at start, libssl cost
// every run the dynamic loader's binding of its symbols (667 of them, about 0.6 M instructions) although only
// TLS syslog uses it. The prototypes come from <openssl/ssl.h>, so a definition here that does not match
// OpenSSL's declaration does not compile. Hidden: libssl's own calls to these functions must not come back
// here.
#pragma GCC visibility push(hidden)
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#pragma GCC visibility pop

#include <dlfcn.h>
#include <stddef.h>

#include "CLibSSL.h"

static void *handle;

int zonesep_libssl_load(const char **error) {
    if (__atomic_load_n(&handle, __ATOMIC_ACQUIRE) != NULL) return 1;
    // Two threads racing here both open it: dlopen counts references and returns the same handle.
    void *opened = dlopen("libssl.so.3", RTLD_NOW | RTLD_LOCAL);
    if (opened == NULL) {
        if (error != NULL) {
            const char *reason = dlerror();
            *error = reason != NULL ? reason : "libssl.so.3 cannot be loaded";
        }
        return 0;
    }
    __atomic_store_n(&handle, opened, __ATOMIC_RELEASE);
    return 1;
}

// The address of a libssl function, or NULL when libssl is not loaded (TLSClient loads it before calling
// any of these). Each function keeps its address once found; a race only looks it up twice.
static void *resolve(const char *name, void **slot) {
    void *address = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if (address != NULL) return address;
    if (!zonesep_libssl_load(NULL)) return NULL;
    address = dlsym(handle, name);
    __atomic_store_n(slot, address, __ATOMIC_RELEASE);
    return address;
}

// A function returning a value (0 or NULL when libssl could not be loaded), and one returning nothing.
#define FORWARD(type, name, parameters, arguments)                                 \
    type name parameters {                                                       \
        static void *slot;                                                       \
        type(*function) parameters = (type(*) parameters)resolve(#name, &slot);  \
        return function != NULL ? function arguments : (type)0;                  \
    }
#define FORWARD_VOID(name, parameters, arguments)                                \
    void name parameters {                                                       \
        static void *slot;                                                       \
        void(*function) parameters = (void(*) parameters)resolve(#name, &slot);  \
        if (function != NULL) function arguments;                                \
    }

FORWARD(const SSL_METHOD *, TLS_client_method, (void), ())
FORWARD(SSL_CTX *, SSL_CTX_new, (const SSL_METHOD *method), (method))
FORWARD(long, SSL_CTX_ctrl, (SSL_CTX *ctx, int cmd, long larg, void *parg), (ctx, cmd, larg, parg))
FORWARD(int, SSL_CTX_load_verify_locations, (SSL_CTX *ctx, const char *CAfile, const char *CApath),
        (ctx, CAfile, CApath))
FORWARD_VOID(SSL_CTX_set_verify, (SSL_CTX *ctx, int mode, SSL_verify_cb callback), (ctx, mode, callback))
FORWARD(int, SSL_CTX_use_certificate_chain_file, (SSL_CTX *ctx, const char *file), (ctx, file))
FORWARD(int, SSL_CTX_use_PrivateKey_file, (SSL_CTX *ctx, const char *file, int type), (ctx, file, type))
FORWARD(int, SSL_CTX_check_private_key, (const SSL_CTX *ctx), (ctx))
FORWARD_VOID(SSL_CTX_free, (SSL_CTX *ctx), (ctx))
FORWARD(SSL *, SSL_new, (SSL_CTX *ctx), (ctx))
FORWARD(int, SSL_set_fd, (SSL *s, int fd), (s, fd))
FORWARD(X509_VERIFY_PARAM *, SSL_get0_param, (SSL *ssl), (ssl))
FORWARD(int, SSL_set1_host, (SSL *s, const char *hostname), (s, hostname))
FORWARD(long, SSL_ctrl, (SSL *ssl, int cmd, long larg, void *parg), (ssl, cmd, larg, parg))
FORWARD_VOID(SSL_free, (SSL *ssl), (ssl))
FORWARD(int, SSL_connect, (SSL *ssl), (ssl))
FORWARD(int, SSL_write, (SSL *ssl, const void *buf, int num), (ssl, buf, num))
FORWARD(int, SSL_read, (SSL *ssl, void *buf, int num), (ssl, buf, num))
FORWARD(int, SSL_get_error, (const SSL *s, int ret_code), (s, ret_code))
FORWARD(BIO *, SSL_get_wbio, (const SSL *s), (s))
FORWARD(int, SSL_shutdown, (SSL *s), (s))
FORWARD(long, SSL_get_verify_result, (const SSL *ssl), (ssl))
