/*
 * OCSP stapling (compat/ssl_status.c): what the rest of compat calls.
 */
#ifndef SHIMSSL_COMPAT_SSL_STATUS_H
#define SHIMSSL_COMPAT_SSL_STATUS_H

#include "compat/compat.h"

/* While tls_config is built: the ocsp_status hook, and for a client whose
 * status type is ocsp the request (TLS_CFG_STATUS_REQUEST). 1, or 0 with
 * ERR set. */
/* tls_config.ocsp_status. */
int shimssl_status_hook(void *arg, tls_conn *c);
/* Client: the request to send (tls_config.ocsp_ids / ocsp_exts). 1, or 0
 * with ERR set. */
int shimssl_status_request(SSL *s, const uint8_t **ids, size_t *ids_len, const uint8_t **exts,
                           size_t *exts_len);
/* SSL_free: the response, ids and extensions the SSL owns. */
void shimssl_status_ssl_free(SSL *s);
/* The SSL_ctrl commands of OCSP stapling (GET/SET_TLSEXT_STATUS_REQ_
 * OCSP_RESP, _IDS, _EXTS). */
long shimssl_status_ctrl(SSL *s, int cmd, long larg, void *parg);

#endif
