/*
 * The certificates sent after our own (compat/ssl_chain.c).
 */
#ifndef SHIMSSL_COMPAT_CHAIN_H
#define SHIMSSL_COMPAT_CHAIN_H

#include "compat/compat.h"

/*
 * Give every identity of cfg that has no chain of its own the one OpenSSL
 * would send: the SSL_CTX's extra chain certificates, else (unless
 * SSL_MODE_NO_AUTO_CHAIN) the chain completed from the chain store or the
 * certificate store. Call after the last callback that may change the
 * certificate, before the engine writes it. 0, or TLS_ERR_INTERNAL.
 */
int shimssl_chain_complete(SSL *s, tls_config *cfg);
void shimssl_chain_ssl_free(SSL *s);

/* SSL_CTRL_BUILD_CERT_CHAIN on an SSL_CTX / an SSL (SSL_build_cert_chain(3)). */
long shimssl_ctx_build_cert_chain(SSL_CTX *ctx, long flags);
long shimssl_ssl_build_cert_chain(SSL *s, long flags);

#endif
