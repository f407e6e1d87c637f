/*
 * Process-wide initialisation of the compat layer, and the internal
 * interfaces between compat-api's files (ssl_errstr.c, ssl_cipher.c,
 * ssl_verify.c, ssl_cert.c, ssl_session.c, ssl_conf.c, ssl_misc.c).
 *
 * shimssl_init() is what OPENSSL_init_ssl does with default options: it is
 * idempotent and thread-safe, and SSL_CTX_new calls it so that programs that
 * never call OPENSSL_init_ssl still get OpenSSL's error texts.
 */
#ifndef SHIMSSL_COMPAT_INIT_H
#define SHIMSSL_COMPAT_INIT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "core/tls.h"

/* 1 on success, 0 on failure (as OPENSSL_init_ssl). */
int shimssl_init(void);

/* ssl_conf.c: openssl.cnf's ssl_conf "system_default" for a new SSL_CTX */
void shimssl_conf_apply_system(SSL_CTX *ctx);

/* ssl_cipher.c */
const SSL_CIPHER *shimssl_cipher_by_id(uint16_t id);
/* A TLS <= 1.2 cipher string to a new stack (NULL + ERR on failure). */
STACK_OF(SSL_CIPHER) * shimssl_cipher_rules(const char *str, int *seclevel);
/* A TLS 1.3 ciphersuites string to IANA values (*out never NULL on success). */
int shimssl_parse_ciphersuites(const char *str, uint16_t **out, size_t *n);
int shimssl_cipher_ctx_init(SSL_CTX *ctx);
void shimssl_cipher_ctx_free(SSL_CTX *ctx);
void shimssl_cipher_ssl_free(SSL *s);
/* The configured TLS 1.2 suites that core implements (for tls_config). */
size_t shimssl_cipher_tls12_ids(SSL *s, const uint16_t **out);

/* ssl_verify.c */
int shimssl_verify_alert(long x509_err); /* X509_V_ERR_* -> TLS alert */
void shimssl_verify_ssl_free(SSL *s);

/* ssl_session.c */
void shimssl_session_ssl_free(SSL *s);
void shimssl_session_ssl_clear(SSL *s);
/* An engine event (TLS_EV_*) for the session code, as compat-io reports it. */
void shimssl_session_event(SSL *s, int where);

/* ssl_cert.c */
void shimssl_cert_ctx_free(SSL_CTX *ctx);
void shimssl_cert_ssl_free(SSL *s);

/* ssl_comp.c */
int shimssl_comp_deflate_listed(void);
const COMP_METHOD *shimssl_comp_zlib_method(void);

/* ssl_tls12.c */
int shimssl_tls12_compression(const tls_conn *c); /* TLS_COMP_* in use */
void shimssl_tls12_config(SSL *s, tls_config *cfg);
long shimssl_tls12_set_tmp_dh(SSL_CTX *ctx, SSL *s, void *dh);
long shimssl_tls12_set_dh_auto(SSL_CTX *ctx, SSL *s, long onoff);
long shimssl_tls12_ri_support(const SSL *s);
long shimssl_tls12_extms_support(const SSL *s);
void shimssl_tls12_ctx_free(SSL_CTX *ctx);
int shimssl_tls12_ssl_init(SSL *s);
void shimssl_tls12_ssl_free(SSL *s);
#endif
