/*
 * OCSP stapling, the OpenSSL 3.0 API (SSL_CTX_set_tlsext_status_cb,
 * SSL_set_tlsext_status_type, SSL_get/set_tlsext_status_ocsp_resp,
 * SSL_get/set_tlsext_status_ids/_exts) on top of core's ocsp_status hook.
 *
 * The one callback has two meanings, as in OpenSSL:
 *   - client: called once the server's first flight is in (stapled or
 *     not); 0 fails the handshake with bad_certificate_status_response and
 *     SSL_R_INVALID_STATUS_RESPONSE, < 0 with internal_error and
 *     SSL_R_OCSP_CALLBACK_FAILURE, > 0 goes on;
 *   - server: called when the client asked and our certificate is chosen;
 *     it calls SSL_set_tlsext_status_ocsp_resp and returns
 *     SSL_TLSEXT_ERR_OK (staple), SSL_TLSEXT_ERR_NOACK (no staple), or
 *     anything else (internal_error, SSL_R_CLIENTHELLO_TLSEXT).
 * The SSL_CTX asked is the SSL's current one (an SNI callback may have
 * switched it), at the moment of the call.
 */
#include <limits.h>
#include <string.h>

#include <openssl/ocsp.h>
#include <openssl/x509v3.h>

#include "compat/compat.h"
#include "compat/ssl_status.h"

/* --- ids / extensions, both directions ---------------------------------------- */

/* Server: the client's request, decoded for SSL_get_tlsext_status_ids/_exts
 * (the engine checked every element already). */
static void take_request(SSL *s, tls_conn *c)
{
    tls_der_iter ids;
    const uint8_t *exts, *der;
    size_t exts_len, len;
    STACK_OF(OCSP_RESPID) *sk = NULL;

    if (!tls_conn_ocsp_request_items(c, &ids, &exts, &exts_len))
        return;
    /* No list (rather than an empty one) when the client named none. */
    if (tls_der_iter_next(&ids, &der, &len) && (sk = sk_OCSP_RESPID_new_null()) != NULL) {
        do {
            OCSP_RESPID *id = d2i_OCSP_RESPID(NULL, &der, (long)len);

            if (id != NULL && !sk_OCSP_RESPID_push(sk, id))
                OCSP_RESPID_free(id);
        } while (tls_der_iter_next(&ids, &der, &len));
    }
    sk_OCSP_RESPID_pop_free(s->api_ocsp_ids, OCSP_RESPID_free);
    s->api_ocsp_ids = sk;
    sk_X509_EXTENSION_pop_free(s->api_ocsp_exts, X509_EXTENSION_free);
    s->api_ocsp_exts = NULL;
    if (exts_len > 0) {
        const unsigned char *q = exts;

        s->api_ocsp_exts = d2i_X509_EXTENSIONS(NULL, &q, (long)exts_len);
    }
}

/* Client: what SSL_set_tlsext_status_ids/_exts set, encoded for the
 * engine (responder_id_list body, request_extensions) into the SSL's own
 * buffer. 1, or 0 with ERR set. */
int shimssl_status_request(SSL *s, const uint8_t **out_ids, size_t *out_ids_len,
                           const uint8_t **out_exts, size_t *out_exts_len)
{
    int n_ids = sk_OCSP_RESPID_num(s->api_ocsp_ids);
    size_t ids_len, exts_len;
    unsigned char *der = NULL;
    tls_writer w;
    int len;

    OPENSSL_free(s->api_ocsp_req);
    s->api_ocsp_req = NULL;
    tls_wr_init(&w);
    for (int i = 0; i < n_ids; i++) {
        len = i2d_OCSP_RESPID(sk_OCSP_RESPID_value(s->api_ocsp_ids, i), &der);
        if (len <= 0 || tls_der_list_put(&w, der, (size_t)len) < 0)
            goto bad;
        OPENSSL_free(der);
        der = NULL;
    }
    ids_len = w.len;
    if (s->api_ocsp_exts != NULL) {
        len = i2d_X509_EXTENSIONS(s->api_ocsp_exts, &der);
        if (len <= 0 || tls_wr_bytes(&w, der, (size_t)len) < 0)
            goto bad;
        OPENSSL_free(der);
        der = NULL;
    }
    exts_len = w.len - ids_len;
    if (ids_len > 0xffff || exts_len > 0xffff)
        goto bad;
    if (w.len > 0 && (s->api_ocsp_req = OPENSSL_memdup(w.buf, w.len)) == NULL) {
        tls_wr_free(&w);
        ERR_raise(ERR_LIB_SSL, ERR_R_MALLOC_FAILURE);
        return 0;
    }
    tls_wr_free(&w);
    *out_ids = ids_len ? s->api_ocsp_req : NULL;
    *out_ids_len = ids_len;
    *out_exts = exts_len ? s->api_ocsp_req + ids_len : NULL;
    *out_exts_len = exts_len;
    return 1;
bad:
    OPENSSL_free(der);
    tls_wr_free(&w);
    ERR_raise(ERR_LIB_SSL, ERR_R_INTERNAL_ERROR);
    return 0;
}

/* --- the engine hook ----------------------------------------------------------- */

/*
 * Server: OpenSSL makes the certificate it chose for this client current
 * before calling the status callback, so that SSL_get_certificate names the
 * one the staple is for (nginx keeps a staple per certificate). The chosen
 * pair is installed with references of its own for the call; afterwards
 * the SSL's own pair comes back, unless the callback installed another
 * one itself: then the displaced pair is kept until SSL_free, since the
 * engine's configuration of this handshake still points at it.
 */
static int call_with_chosen_cert(SSL *s, tls_conn *c)
{
    const tls_identity *id = tls_conn_ocsp_identity(c);
    X509 *cert = s->cert;
    EVP_PKEY *key = s->key;
    int ret;

    if (id == NULL || id->cert == NULL || id->key == NULL || id->cert == cert)
        return s->ctx->status_cb(s, s->ctx->status_arg);
    if (!X509_up_ref(id->cert))
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    if (!EVP_PKEY_up_ref(id->key)) {
        X509_free(id->cert);
        return SSL_TLSEXT_ERR_ALERT_FATAL;
    }
    s->cert = id->cert;
    s->key = id->key;
    ret = s->ctx->status_cb(s, s->ctx->status_arg);
    if (s->cert == id->cert && s->key == id->key) {
        X509_free(s->cert);
        EVP_PKEY_free(s->key);
        s->cert = cert;
        s->key = key;
    } else {
        X509_free(s->api_ocsp_old_cert);
        EVP_PKEY_free(s->api_ocsp_old_key);
        s->api_ocsp_old_cert = cert;
        s->api_ocsp_old_key = key;
    }
    return ret;
}

int shimssl_status_hook(void *arg, tls_conn *c)
{
    SSL *s = arg;
    SSL_CTX *ctx = s->ctx;
    int ret;

    if (!s->server) {
        if (ctx->status_cb == NULL)
            return 0;
        ret = ctx->status_cb(s, ctx->status_arg);
        if (ret == 0)
            return TLS_ERR(TLS_AD_BAD_CERTIFICATE_STATUS_RESPONSE, TLS_R_INVALID_STATUS_RESPONSE);
        if (ret < 0)
            return TLS_ERR(TLS_AD_INTERNAL_ERROR, TLS_R_OCSP_CALLBACK_FAILURE);
        return 0;
    }
    take_request(s, c);
    if (ctx->status_cb == NULL)
        return 1;
    ret = call_with_chosen_cert(s, c);
    switch (ret) {
    case SSL_TLSEXT_ERR_NOACK:
        return 1;
    case SSL_TLSEXT_ERR_OK:
        /* OK without a response: nothing to staple. */
        if (s->api_ocsp_resp == NULL || s->api_ocsp_resp_len == 0)
            return 1;
        return tls_conn_set_ocsp_response(c, s->api_ocsp_resp, s->api_ocsp_resp_len);
    default:
        return TLS_ERR(TLS_AD_INTERNAL_ERROR, TLS_R_CLIENTHELLO_TLSEXT);
    }
}

void shimssl_status_ssl_free(SSL *s)
{
    OPENSSL_free(s->api_ocsp_resp);
    s->api_ocsp_resp = NULL;
    s->api_ocsp_resp_len = 0;
    sk_OCSP_RESPID_pop_free(s->api_ocsp_ids, OCSP_RESPID_free);
    s->api_ocsp_ids = NULL;
    sk_X509_EXTENSION_pop_free(s->api_ocsp_exts, X509_EXTENSION_free);
    s->api_ocsp_exts = NULL;
    OPENSSL_free(s->api_ocsp_req);
    s->api_ocsp_req = NULL;
    X509_free(s->api_ocsp_old_cert);
    s->api_ocsp_old_cert = NULL;
    EVP_PKEY_free(s->api_ocsp_old_key);
    s->api_ocsp_old_key = NULL;
}

/* --- SSL_ctrl -------------------------------------------------------------------- */

long shimssl_status_ctrl(SSL *s, int cmd, long larg, void *parg)
{
    switch (cmd) {
    case SSL_CTRL_GET_TLSEXT_STATUS_REQ_OCSP_RESP: {
        const uint8_t *resp = s->api_ocsp_resp;
        size_t len = s->api_ocsp_resp_len;

        /* A client's response is the one the server stapled. */
        if (!s->server) {
            resp = NULL;
            len = 0;
            if (s->conn != NULL)
                tls_conn_ocsp_response(s->conn, &resp, &len);
        }
        *(const unsigned char **)parg = resp;
        if (resp == NULL || len == 0 || len > LONG_MAX)
            return -1;
        return (long)len;
    }
    case SSL_CTRL_SET_TLSEXT_STATUS_REQ_OCSP_RESP:
        /* Ownership of parg (OPENSSL_malloc'd) passes to the SSL. */
        if (parg != s->api_ocsp_resp)
            OPENSSL_free(s->api_ocsp_resp);
        s->api_ocsp_resp = parg;
        s->api_ocsp_resp_len = parg != NULL && larg > 0 ? (size_t)larg : 0;
        return 1;
    case SSL_CTRL_GET_TLSEXT_STATUS_REQ_IDS:
        *(STACK_OF(OCSP_RESPID) **)parg = s->api_ocsp_ids;
        return 1;
    case SSL_CTRL_SET_TLSEXT_STATUS_REQ_IDS:
        if (parg != s->api_ocsp_ids)
            sk_OCSP_RESPID_pop_free(s->api_ocsp_ids, OCSP_RESPID_free);
        s->api_ocsp_ids = parg;
        return 1;
    case SSL_CTRL_GET_TLSEXT_STATUS_REQ_EXTS:
        *(STACK_OF(X509_EXTENSION) **)parg = s->api_ocsp_exts;
        return 1;
    case SSL_CTRL_SET_TLSEXT_STATUS_REQ_EXTS:
        if (parg != s->api_ocsp_exts)
            sk_X509_EXTENSION_pop_free(s->api_ocsp_exts, X509_EXTENSION_free);
        s->api_ocsp_exts = parg;
        return 1;
    default:
        return 0;
    }
}
