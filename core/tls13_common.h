/*
 * TLS 1.3 messages that both sides write or check the same way: the
 * Certificate and CertificateVerify an authenticating side sends, the peer's
 * Finished, and KeyUpdate. One copy, so a fix to one side is a fix to both.
 */
#ifndef SHIMSSL_CORE_TLS13_COMMON_H
#define SHIMSSL_CORE_TLS13_COMMON_H

#include "core/conn.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Certificate with the given request context; leaf NULL writes an empty
 * certificate_list (a client declining a CertificateRequest). */
TLS_MUST_CHECK int tls13_write_certificate(tls_writer *w, const uint8_t *ctx, size_t ctx_len,
                                           X509 *leaf, STACK_OF(X509) * chain);
/* The same, with status's OCSP response (tls_ocsp_write_status) in the
 * leaf's status_request extension; status NULL: none. */
TLS_MUST_CHECK int tls13_write_certificate_status(tls_writer *w, const uint8_t *ctx, size_t ctx_len,
                                                  X509 *leaf, STACK_OF(X509) * chain,
                                                  const tls_conn *status);
/* CertificateVerify over transcript hash th, signed with key under scheme. */
TLS_MUST_CHECK int tls13_write_certificate_verify(const tls_crypto *cr, tls_writer *w, int server,
                                                  uint16_t scheme, EVP_PKEY *key, const uint8_t *th,
                                                  size_t hash_len);
/* Check the peer's Finished message (header included) against base_key,
 * the peer's handshake traffic secret, and transcript hash th. */
TLS_MUST_CHECK int tls13_check_finished(const tls_suite *s, const uint8_t *base_key,
                                        const uint8_t *th, const uint8_t *msg, size_t len);
/* The peer's KeyUpdate message (header included). */
TLS_MUST_CHECK int tls13_on_key_update(tls_conn *c, const uint8_t *msg, size_t len);

#ifdef __cplusplus
}
#endif

#endif
