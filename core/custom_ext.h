/*
 * The application's own extensions (tls_config.custom_exts, compat's
 * SSL_CTX_add_custom_ext): which message carries them, which ones may come
 * back, and when the application's callbacks run. The handshake code calls
 * these at the points where it builds or reads an extension block; every
 * function returns at once when nothing is registered, so a connection
 * without custom extensions pays one test per message.
 *
 * Rules (those of OpenSSL 3.0, which applications were written against):
 *   - a registered extension goes into a message whose context its context
 *     mask lists, if it is relevant for the negotiated version (a
 *     TLS1_2_AND_BELOW_ONLY one is not in a TLS 1.3 handshake, a
 *     TLS1_3_ONLY one is not in a TLS 1.2 one nor in a ClientHello that
 *     cannot negotiate TLS 1.3) and, with IGNORE_ON_RESUMPTION, not on a
 *     resumption; the application's extensions come first in the block;
 *   - a response (ServerHello, HelloRetryRequest, EncryptedExtensions,
 *     Certificate) carries one only if the request (ClientHello,
 *     CertificateRequest) carried it;
 *   - received: a registered type in a message its context does not list
 *     or twice in a block is illegal_parameter + BAD_EXTENSION; in a
 *     ServerHello / EncryptedExtensions without having been sent,
 *     unsupported_extension + BAD_EXTENSION; the parse callbacks run in
 *     registration order after the block was checked, and their failure is
 *     the alert they chose + BAD_EXTENSION.
 */
#ifndef SHIMSSL_CORE_CUSTOM_EXT_H
#define SHIMSSL_CORE_CUSTOM_EXT_H

#include "core/conn.h"
#include "core/extensions.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Is anything registered? (the zero-cost test) */
static inline int tls_cext_any(const tls_conn *c)
{
    return c->cfg->n_custom_exts > 0;
}

/* Is type a registered extension core must leave to tls_cext_* in a
 * message of context ctx (TLS_EXTCTX_*)? */
int tls_cext_owns(const tls_conn *c, uint16_t type, unsigned ctx);

/* Append the application's extensions (whole Extension structs) for a
 * message of context ctx; x / chainidx for a CertificateEntry. */
TLS_MUST_CHECK int tls_cext_write(tls_conn *c, unsigned ctx, X509 *x, size_t chainidx,
                                  tls_writer *w);

/*
 * tls_ext_parse for a received block of context ctx, with the application's
 * extensions checked here (duplicates, context, unsolicited) and left out
 * of *out; nothing else changes when none is registered.
 */
TLS_MUST_CHECK int tls_cext_ext_parse(tls_conn *c, tls_reader *r, unsigned msg, uint64_t offered,
                                      int is_response, unsigned ctx, tls_ext_block *out);

/* Only the checks of tls_cext_ext_parse (exts: the block, not consumed). */
TLS_MUST_CHECK int tls_cext_check(tls_conn *c, unsigned ctx, tls_reader exts);

/* Run the parse callbacks for the block exts (a copy of the reader over
 * the whole extensions body) of a message of context ctx. */
TLS_MUST_CHECK int tls_cext_parse(tls_conn *c, unsigned ctx, tls_reader exts, X509 *x,
                                  size_t chainidx);

/* Server: the parsed ClientHello, once its version is chosen: check, mark
 * what was received, run the parse callbacks. */
TLS_MUST_CHECK int tls_cext_client_hello(tls_conn *c, const tls_client_hello *ch, uint16_t version);

/* A TLS 1.3 Certificate message (header included) with the application's
 * per-entry extensions (x = each certificate, chainidx its position), and
 * status's OCSP response in the leaf's entry (tls13_write_certificate_status). */
TLS_MUST_CHECK int tls_cext_write_certificate(tls_conn *c, tls_writer *w, const uint8_t *ctx,
                                              size_t ctx_len, X509 *leaf, STACK_OF(X509) * chain,
                                              const tls_conn *status);

/* Append the application's extensions for context ctx to the extension
 * block ending the message at w->buf + start, whose 2-byte length is at
 * start + ext_at (CertificateRequest, NewSessionTicket). */
TLS_MUST_CHECK int tls_cext_append(tls_conn *c, unsigned ctx, tls_writer *w, size_t start,
                                   size_t ext_at);

/* tls13_read_certificate with the application's per-entry extensions
 * checked and handed to its parse callbacks (a server reading the
 * client's Certificate). */
TLS_MUST_CHECK int tls_cext_read_certificate(tls_conn *c, const uint8_t *msg, size_t len,
                                             const uint8_t *ctx, size_t ctx_len, uint64_t offered,
                                             STACK_OF(X509) * *out);

/* The server's chosen certificate (tls13_server.c / tls12_server.c). */
X509 *tls13_server_own_cert(const tls_conn *c);
X509 *tls12_server_own_cert(const tls_conn *c);

#ifdef __cplusplus
}
#endif

#endif
