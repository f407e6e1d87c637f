/*
 * OCSP stapling (see ocsp_status.h).
 *
 * Why the response is copied and not borrowed: on the client it must outlive
 * the handshake buffer (the application asks for it after the handshake);
 * on the server the application hands it over from inside a callback and
 * may free its own copy at once.
 *
 * The checks follow what OpenSSL 3.0 reports, so that an application sees
 * the same alert and reason whichever library runs under it:
 *   - a malformed request in a ClientHello: decode_error, BAD_EXTENSION;
 *   - a request of an unknown status type: ignored (RFC 6066 8 lets the
 *     server skip what it does not understand);
 *   - a CertificateStatus of another type: decode_error,
 *     UNSUPPORTED_STATUS_TYPE; a length that does not match: decode_error,
 *     LENGTH_MISMATCH.
 */
#include "core/ocsp_status.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/ocsp.h>
#include <openssl/x509v3.h>

#include "core/handshake.h"

/* Copy the rest of r into a fresh buffer (*out NULL when empty). */
static int copy_rest(tls_reader *r, uint8_t **out, size_t *len)
{
    size_t n = tls_rd_left(r);
    uint8_t *p = NULL;
    if (n) {
        p = malloc(n);
        ENSURE(p, TLS_ERR_INTERNAL);
        int rc = tls_rd_copy(r, p, n);
        if (rc < 0) {
            free(p);
            return rc;
        }
    }
    *out = p;
    *len = n;
    return 0;
}

void tls_ocsp_free(tls_conn *c)
{
    free(c->ocsp.resp);
    free(c->ocsp.ids);
    free(c->ocsp.exts);
    memset(&c->ocsp, 0, sizeof(c->ocsp));
}

/* ---------------------------------------------------------------------
 * Client.
 *
 * struct {
 *     CertificateStatusType status_type;   (ocsp(1))
 *     select (status_type) { case ocsp: OCSPStatusRequest; } request;
 * } CertificateStatusRequest;
 * struct {
 *     ResponderID responder_id_list<0..2^16-1>;
 *     Extensions  request_extensions;      (opaque <0..2^16-1>)
 * } OCSPStatusRequest;
 */
int tls_ocsp_client_wants(const tls_config *cfg)
{
    return (cfg->flags & TLS_CFG_STATUS_REQUEST) != 0;
}

int tls_ocsp_write_request(const tls_config *cfg, tls_writer *w)
{
    size_t m;
    TRY(tls_wr_u8(w, TLS_STATUS_OCSP));
    /* Empty lists (the usual case): any responder, no extensions. */
    TRY(tls_wr_open(w, 2, &m));
    if (cfg->ocsp_ids)
        TRY(tls_wr_bytes(w, cfg->ocsp_ids, cfg->ocsp_ids_len));
    TRY(tls_wr_close(w, 2, m));
    TRY(tls_wr_open(w, 2, &m));
    if (cfg->ocsp_exts)
        TRY(tls_wr_bytes(w, cfg->ocsp_exts, cfg->ocsp_exts_len));
    return tls_wr_close(w, 2, m);
}

int tls_ocsp_client_server_hello(tls_conn *c, tls_reader *body)
{
    /* RFC 6066 8: the server's "extension_data" field is empty. */
    if (tls_rd_left(body) != 0)
        return TLS_FAIL(TLS_AD_DECODE_ERROR, TLS_R_BAD_EXTENSION);
    c->ocsp.expected = 1;
    return 0;
}

/*
 * struct {
 *     CertificateStatusType status_type;
 *     select (status_type) { case ocsp: OCSPResponse; } response;
 * } CertificateStatus;
 * opaque OCSPResponse<1..2^24-1>;
 */
int tls_ocsp_read_status(tls_conn *c, tls_reader *r)
{
    uint8_t type;
    uint32_t n;
    if (tls_rd_u8(r, &type) < 0 || type != TLS_STATUS_OCSP)
        return TLS_FAIL(TLS_AD_DECODE_ERROR, TLS_R_UNSUPPORTED_STATUS_TYPE);
    if (tls_rd_u24(r, &n) < 0 || n != tls_rd_left(r) || n == 0)
        return TLS_FAIL(TLS_AD_DECODE_ERROR, TLS_R_LENGTH_MISMATCH);
    uint8_t *copy;
    size_t len;
    TRY(copy_rest(r, &copy, &len));
    free(c->ocsp.resp);
    c->ocsp.resp = copy;
    c->ocsp.resp_len = len;
    return 0;
}

int tls_ocsp_client_check(tls_conn *c)
{
    const tls_config *cfg = c->cfg;
    if (!tls_ocsp_client_wants(cfg) || !cfg->ocsp_status)
        return 0;
    int rc = cfg->ocsp_status(cfg->cb_arg, c);
    /* The hook speaks in TLS_ERR values; anything else non-zero is a bug
     * of the hook, treated as an internal failure rather than success. */
    if (rc > 0)
        return TLS_FAIL(TLS_AD_INTERNAL_ERROR, TLS_R_OCSP_CALLBACK_FAILURE);
    return rc;
}

void tls_conn_ocsp_response(const tls_conn *c, const uint8_t **resp, size_t *len)
{
    *resp = c->ocsp.resp;
    *len = c->ocsp.resp ? c->ocsp.resp_len : 0;
}

/* ---------------------------------------------------------------------
 * Server.
 */

/* Each ResponderID is the DER of OCSP's ResponderID CHOICE (RFC 6960
 * 4.2.1), as OpenSSL checks it; the list body is kept as it came. */
static int check_responder_ids(tls_reader ids)
{
    while (tls_rd_left(&ids) > 0) {
        tls_reader id;
        const uint8_t *p, *q;
        if (tls_rd_vec_bounded(&ids, 2, 1, 0xffff, &id) < 0)
            return TLS_FAIL(TLS_AD_DECODE_ERROR, TLS_R_BAD_EXTENSION);
        size_t n = tls_rd_left(&id);
        TRY(tls_rd_bytes(&id, n, &p));
        q = p;
        OCSP_RESPID *rid = d2i_OCSP_RESPID(NULL, &q, (long)n);
        int whole = rid && (size_t)(q - p) == n;
        OCSP_RESPID_free(rid);
        if (!whole)
            return TLS_FAIL(TLS_AD_DECODE_ERROR, TLS_R_BAD_EXTENSION);
    }
    return 0;
}

/* Extensions ::= SEQUENCE OF Extension (RFC 6960 4.4), exactly. */
static int check_request_exts(tls_reader exts)
{
    size_t n = tls_rd_left(&exts);
    const uint8_t *p, *q;
    if (n == 0)
        return 0;
    TRY(tls_rd_bytes(&exts, n, &p));
    q = p;
    STACK_OF(X509_EXTENSION) *sk = d2i_X509_EXTENSIONS(NULL, &q, (long)n);
    int whole = sk && (size_t)(q - p) == n;
    sk_X509_EXTENSION_pop_free(sk, X509_EXTENSION_free);
    return whole ? 0 : TLS_ERR(TLS_AD_DECODE_ERROR, TLS_R_BAD_EXTENSION);
}

int tls_ocsp_server_client_hello(tls_conn *c, tls_reader *body)
{
    tls_reader ids, exts;
    uint8_t type;
    /* A second ClientHello (after HelloRetryRequest) says it again. */
    free(c->ocsp.ids);
    free(c->ocsp.exts);
    c->ocsp.ids = c->ocsp.exts = NULL;
    c->ocsp.ids_len = c->ocsp.exts_len = 0;
    c->ocsp.requested = 0;
    if (!body)
        return 0;
    if (tls_rd_u8(body, &type) < 0)
        return TLS_FAIL(TLS_AD_DECODE_ERROR, TLS_R_BAD_EXTENSION);
    if (type != TLS_STATUS_OCSP)
        return 0;
    if (tls_rd_vec(body, 2, &ids) < 0 || tls_rd_vec(body, 2, &exts) < 0 || tls_rd_done(body) < 0)
        return TLS_FAIL(TLS_AD_DECODE_ERROR, TLS_R_BAD_EXTENSION);
    TRY(check_responder_ids(ids));
    TRY(check_request_exts(exts));
    TRY(copy_rest(&ids, &c->ocsp.ids, &c->ocsp.ids_len));
    TRY(copy_rest(&exts, &c->ocsp.exts, &c->ocsp.exts_len));
    c->ocsp.requested = 1;
    return 0;
}

int tls_conn_ocsp_request(const tls_conn *c, const uint8_t **ids, size_t *ids_len,
                          const uint8_t **exts, size_t *exts_len)
{
    *ids = c->ocsp.ids;
    *ids_len = c->ocsp.ids_len;
    *exts = c->ocsp.exts;
    *exts_len = c->ocsp.exts_len;
    return c->ocsp.requested;
}

const tls_identity *tls_conn_ocsp_identity(const tls_conn *c)
{
    return c->ocsp.id;
}

int tls_conn_set_ocsp_response(tls_conn *c, const uint8_t *resp, size_t len)
{
    ENSURE(c->is_server && resp && len > 0 && len <= 0xffffff, TLS_ERR_INTERNAL);
    uint8_t *copy = malloc(len);
    ENSURE(copy, TLS_ERR_INTERNAL);
    memcpy(copy, resp, len);
    free(c->ocsp.resp);
    c->ocsp.resp = copy;
    c->ocsp.resp_len = len;
    return 0;
}

int tls_ocsp_server_decide(tls_conn *c, const tls_identity *id)
{
    const tls_config *cfg = c->cfg;
    c->ocsp.expected = 0;
    if (!c->ocsp.requested || !cfg->ocsp_status)
        return 0;
    /* The hook may look at it (OpenSSL makes it SSL_get_certificate's). */
    c->ocsp.id = id;
    int rc = cfg->ocsp_status(cfg->cb_arg, c);
    c->ocsp.id = NULL;
    if (rc < 0)
        return rc;
    /* 0: staple, if the application gave a response at all. */
    c->ocsp.expected = rc == 0 && c->ocsp.resp != NULL;
    return 0;
}

int tls_ocsp_write_status(const tls_conn *c, tls_writer *w)
{
    size_t m;
    ENSURE(c->ocsp.resp && c->ocsp.resp_len, TLS_ERR_INTERNAL);
    TRY(tls_wr_u8(w, TLS_STATUS_OCSP));
    TRY(tls_wr_open(w, 3, &m));
    TRY(tls_wr_bytes(w, c->ocsp.resp, c->ocsp.resp_len));
    return tls_wr_close(w, 3, m);
}

int tls_ocsp_write_status_msg(const tls_conn *c, tls_writer *w)
{
    size_t msg;
    TRY(tls_wr_u8(w, TLS_HS_CERTIFICATE_STATUS));
    TRY(tls_wr_open(w, 3, &msg));
    TRY(tls_ocsp_write_status(c, w));
    return tls_wr_close(w, 3, msg);
}
