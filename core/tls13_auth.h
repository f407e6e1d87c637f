/*
 * TLS 1.3 certificate-based client authentication (RFC 8446 4.3.2, 4.4.2,
 * 4.4.3, 4.6.2): the messages both state machines need for it, and the
 * ClientHello facts a server keeps for the application's callbacks.
 */
#ifndef SHIMSSL_CORE_TLS13_AUTH_H
#define SHIMSSL_CORE_TLS13_AUTH_H

#include "core/conn.h"

#ifdef __cplusplus
extern "C" {
#endif

#define TLS13_AUTH_MAX_SIGALGS 64

/* The signature schemes a CertificateRequest offers: cfg->client_sigalgs,
 * else cfg->sigalgs, else core's defaults (schemes core knows, rsa_pkcs1_*
 * included: they speak for certificates). Returns the count. */
size_t tls13_auth_sigalgs(const tls_config *cfg, uint16_t *out, size_t cap);

/* CertificateRequest with context ctx, our signature_algorithms and, when
 * cfg->ca_names is set, certificate_authorities. */
TLS_MUST_CHECK int tls13_write_certificate_request(tls_writer *w, const tls_config *cfg,
                                                   const uint8_t *ctx, size_t ctx_len);

/*
 * The peer's Certificate (header included). Its context must equal
 * ctx/ctx_len (decode_error + TLS_R_INVALID_CONTEXT otherwise).
 * *out receives the certificates, leaf first: an empty stack when the list
 * is empty (a client declining). per-certificate extensions must answer
 * something in offered (tls_ext_index bits).
 */
TLS_MUST_CHECK int tls13_read_certificate(const tls_crypto *cr, const uint8_t *msg, size_t len,
                                          const uint8_t *ctx, size_t ctx_len, uint64_t offered,
                                          STACK_OF(X509) * *out);

/*
 * The peer's CertificateVerify (header included), signed by key over
 * transcript hash th with the server's (from_server = 1) or the client's
 * context string; the scheme must be one of ok[0..n_ok). *scheme gets it.
 */
TLS_MUST_CHECK int tls13_check_certificate_verify(const tls_crypto *cr, const uint8_t *msg,
                                                  size_t len, int from_server, const uint16_t *ok,
                                                  size_t n_ok, EVP_PKEY *key, const uint8_t *th,
                                                  size_t hash_len, uint16_t *scheme);

/* Server: keep the ClientHello (copy: the message, header included, now the
 * connection's; ch: copy parsed) for tls_conn_client_hello, the views and
 * peer_groups / peer_sigalgs. */
void tls13_auth_keep_client_hello(tls_conn *c, uint8_t *copy, size_t len,
                                  const tls_client_hello *ch);

/* Client: keep the certificate_authorities body of a CertificateRequest
 * (body = the extension's content: DistinguishedName authorities<3..2^16-1>). */
TLS_MUST_CHECK int tls13_auth_keep_ca_names(tls_conn *c, tls_reader *body);

/* A fresh transcript continuing from base (a copy of its running hash). */
TLS_MUST_CHECK int tls13_auth_transcript_copy(tls_transcript *dst, const tls_transcript *base);

#ifdef __cplusplus
}
#endif

#endif
