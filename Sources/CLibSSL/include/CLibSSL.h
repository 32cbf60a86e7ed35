#ifndef ZONESEP_CLIBSSL_H
#define ZONESEP_CLIBSSL_H

// libssl, loaded when the first tls:// syslog destination is set up rather than at every start: the
// executable is not linked against libssl (only libcrypto), and libssl_on_demand.c defines the libssl
// functions zonesep calls, each forwarding to libssl once loaded.

/// Loads libssl.so.3 if it is not loaded yet. Returns 1, or 0 with *error set to the loader's message
/// (valid until the next call; the caller reports it and builds no TLS context).
int zonesep_libssl_load(const char **error);

#endif
