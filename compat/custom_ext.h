/*
 * Custom extensions and serverinfo (compat/ssl_custom_ext.c): the hooks the
 * lifecycle code (ssl_misc.c) calls.
 */
#ifndef SHIMSSL_COMPAT_CUSTOM_EXT_H
#define SHIMSSL_COMPAT_CUSTOM_EXT_H

#include "compat/compat.h"

void shimssl_cext_ctx_free(SSL_CTX *ctx);
/* SSL_new: the SSL gets a copy of the SSL_CTX's registrations. 1 / 0. */
int shimssl_cext_ssl_init(SSL *s);
void shimssl_cext_ssl_free(SSL *s);
/* The registrations and hooks for the engine. */
void shimssl_cext_config(SSL *s, tls_config *cfg);

#endif
