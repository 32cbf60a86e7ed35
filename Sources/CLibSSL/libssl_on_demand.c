// The libssl functions TLSClient.swift calls, defined here and forwarded to libssl.so.3, which is loaded
// (dlopen) by zonesep_libssl_load when the first tls:// destination is set up. Linked at start, libssl cost
// every run the dynamic loader's binding of its symbols (667 of them, about 0.6 M instructions) although only
// TLS syslog uses it. The prototypes come from <openssl/ssl.h>, so a definition here that does not match
// OpenSSL's declaration does not compile. Hidden: libssl's own calls to these functions must not come back
// here.
// (stdio.h first: <openssl/ssl.h> includes it, and inside the hidden region snprintf would be declared hidden
// too, a symbol the link then looks for in this file.)
#include <stdio.h>
#pragma GCC visibility push(hidden)
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#pragma GCC visibility pop

#include <dlfcn.h>
#include <stddef.h>

#include "CLibSSL.h"

static void *handle;

// Every function below, with the slot its address is kept in. All of them are looked up when libssl is
// loaded, and a library that lacks any is refused: a missing SSL_CTX_set_verify or SSL_set1_host answered
// with "nothing done" would turn the collector's certificate and host name checks off without a word.
#define FUNCTIONS(X)                                                                                     \
    X(TLS_client_method) X(SSL_CTX_new) X(SSL_CTX_ctrl) X(SSL_CTX_load_verify_locations)                 \
    X(SSL_CTX_set_verify) X(SSL_CTX_use_certificate_chain_file) X(SSL_CTX_use_PrivateKey_file)           \
    X(SSL_CTX_check_private_key) X(SSL_CTX_free) X(SSL_new) X(SSL_set_fd) X(SSL_get0_param)              \
    X(SSL_set1_host) X(SSL_ctrl) X(SSL_free) X(SSL_connect) X(SSL_write) X(SSL_read) X(SSL_get_error)     \
    X(SSL_get_wbio) X(SSL_shutdown) X(SSL_get_verify_result)

#define SLOT(name) static void *slot_##name;
FUNCTIONS(SLOT)
#undef SLOT

static char missing[160];

// Looks up every function in `opened`; on the first that is absent, names it in `missing` and returns 0.
static int resolve_all(void *opened) {
#define LOOK_UP(name)                                                                                    \
    void *address_##name = dlsym(opened, #name);                                                         \
    if (address_##name == NULL) {                                                                        \
        snprintf(missing, sizeof missing, "libssl.so.3 has no %s: not the OpenSSL 3 library zonesep needs", \
                 #name);                                                                                 \
        return 0;                                                                                        \
    }
    FUNCTIONS(LOOK_UP)
#undef LOOK_UP
#define STORE(name) __atomic_store_n(&slot_##name, address_##name, __ATOMIC_RELEASE);
    FUNCTIONS(STORE)
#undef STORE
    return 1;
}

int zonesep_libssl_load(const char **error) {
    if (__atomic_load_n(&handle, __ATOMIC_ACQUIRE) != NULL) return 1;
    // Two threads racing here both open it: dlopen counts references and returns the same handle, and both
    // store the same addresses.
    void *opened = dlopen("libssl.so.3", RTLD_NOW | RTLD_LOCAL);
    if (opened == NULL) {
        if (error != NULL) {
            const char *reason = dlerror();
            *error = reason != NULL ? reason : "libssl.so.3 cannot be loaded";
        }
        return 0;
    }
    if (!resolve_all(opened)) {
        dlclose(opened);
        if (error != NULL) *error = missing;
        return 0;
    }
    __atomic_store_n(&handle, opened, __ATOMIC_RELEASE);
    return 1;
}

// The address of a libssl function, or NULL when libssl is not loaded (TLSClient loads it, which finds
// every function, before calling any of these).
static void *resolve(void **slot) { return __atomic_load_n(slot, __ATOMIC_ACQUIRE); }

// A function returning a value (0 or NULL when libssl could not be loaded), and one returning nothing.
#define FORWARD(type, name, parameters, arguments)                                 \
    type name parameters {                                                       \
        type(*function) parameters = (type(*) parameters)resolve(&slot_##name);  \
        return function != NULL ? function arguments : (type)0;                  \
    }
#define FORWARD_VOID(name, parameters, arguments)                                \
    void name parameters {                                                       \
        void(*function) parameters = (void(*) parameters)resolve(&slot_##name);  \
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
