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
/* tls_config.custom_exts (NULL, *n = 0 when none are registered) and the
 * hooks the engine calls for them. */
const tls_custom_ext *shimssl_cext_list(const SSL *s, size_t *n);
int shimssl_cext_hook_add(void *arg, tls_conn *c, size_t i, unsigned ctx, X509 *x, size_t chainidx,
                          const uint8_t **out, size_t *len);
void shimssl_cext_hook_free(void *arg, tls_conn *c, size_t i, unsigned ctx, const uint8_t *out);
int shimssl_cext_hook_parse(void *arg, tls_conn *c, size_t i, unsigned ctx, const uint8_t *in,
                            size_t len, X509 *x, size_t chainidx);

#endif
