/*
 * OCSP stapling (RFC 6066 8, RFC 8446 4.4.2.1): the status_request
 * extension and the CertificateStatus structure, for both versions and both
 * sides. The handshake state machines decide *when* these run (and own the
 * transcript); this file knows the wire forms, the checks, and the calls to
 * tls_config.ocsp_status. The state lives in tls_conn.ocsp (conn.h).
 *
 * Where things go:
 *   ClientHello      status_request (ocsp, empty lists)         tls_ocsp_write_request
 *   TLS 1.2 SH       empty status_request: CertificateStatus follows Certificate
 *   TLS 1.2          CertificateStatus message after Certificate tls_ocsp_write_status_msg
 *   TLS 1.3          status_request of the leaf CertificateEntry, holding a
 *                    CertificateStatus                           tls_ocsp_write_status
 */
#ifndef SHIMSSL_CORE_OCSP_STATUS_H
#define SHIMSSL_CORE_OCSP_STATUS_H

#include "core/conn.h"

#ifdef __cplusplus
extern "C" {
#endif

/* CertificateStatusType ocsp (RFC 6066 8). */
#define TLS_STATUS_OCSP 1

/* --- client --------------------------------------------------------------- */
/* Does the configuration ask for a staple? */
int tls_ocsp_client_wants(const tls_config *cfg);
/* The body of our ClientHello status_request: ocsp, with the responder ids
 * and request extensions of the configuration (usually none). */
TLS_MUST_CHECK int tls_ocsp_write_request(const tls_config *cfg, tls_writer *w);
/* TLS 1.2 ServerHello status_request (body): must be empty (decode_error
 * + TLS_R_BAD_EXTENSION otherwise); a CertificateStatus may follow the
 * Certificate. The caller checked that we offered it. */
TLS_MUST_CHECK int tls_ocsp_client_server_hello(tls_conn *c, tls_reader *body);
/* A CertificateStatus body (TLS 1.2 message without its header, or the
 * TLS 1.3 leaf's status_request extension body): kept as the response.
 * Bad type: decode_error + TLS_R_UNSUPPORTED_STATUS_TYPE; bad length:
 * decode_error + TLS_R_LENGTH_MISMATCH. */
TLS_MUST_CHECK int tls_ocsp_read_status(tls_conn *c, tls_reader *r);
/* The server's first flight is complete: the application's check
 * (tls_config.ocsp_status) when we asked. */
TLS_MUST_CHECK int tls_ocsp_client_check(tls_conn *c);

/* --- server --------------------------------------------------------------- */
/* The ClientHello's status_request body (NULL if it sent none): an ocsp
 * request is validated (decode_error + TLS_R_BAD_EXTENSION when malformed)
 * and kept; other status types are ignored (RFC 6066 8). */
TLS_MUST_CHECK int tls_ocsp_server_client_hello(tls_conn *c, tls_reader *body);
/* Our certificate (id) is chosen and will be sent: ask the application for
 * a response if the client wants one. Afterwards c->ocsp.expected says
 * whether we staple. A hook failure is returned as it came. */
TLS_MUST_CHECK int tls_ocsp_server_decide(tls_conn *c, const tls_identity *id);
/* CertificateStatus (type and response, no handshake header). */
TLS_MUST_CHECK int tls_ocsp_write_status(const tls_conn *c, tls_writer *w);
/* The TLS 1.2 CertificateStatus handshake message (header included). */
TLS_MUST_CHECK int tls_ocsp_write_status_msg(const tls_conn *c, tls_writer *w);

void tls_ocsp_free(tls_conn *c);

#ifdef __cplusplus
}
#endif

#endif
