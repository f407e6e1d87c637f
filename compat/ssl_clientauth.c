/*
 * Client authentication on the OpenSSL API: verify modes mapped to the
 * engine's flags, the CA name list a server sends and the one a client
 * received, the certificate callbacks (client_cert_cb, cert_cb), the
 * client-hello callback, and post-handshake authentication.
 *
 * A callback asking to be retried (client_hello_cb returning
 * SSL_CLIENT_HELLO_RETRY, a server's cert_cb returning < 0) suspends the
 * handshake: the hook sets api_suspend_want and returns TLS_WANT_CALLBACK,
 * the engine keeps the ClientHello and runs the hook again on the next
 * call, which resumes after the steps already done (api_hello_stage).
 * A client's cert_cb or client_cert_cb returning < 0 suspends the same way
 * (SSL_ERROR_WANT_X509_LOOKUP; the engine asks before any of its flight is
 * sent), except during post-handshake authentication, where it fails.
 */
#include "compat/compat.h"
#include "compat/chain.h"

#include <string.h>

/* --- the engine's configuration ------------------------------------------------ */

/* Server: the CA names of its CertificateRequest (shimssl_request_ca_names)
 * as DistinguishedName authorities<..>, without the outer length, into the
 * SSL's own buffer (tls_config.ca_names; none when empty or too large for
 * the extension). 1, or 0 on failure. */
int shimssl_clientauth_ca_names(SSL *s, const uint8_t **der, size_t *len)
{
    const STACK_OF(X509_NAME) *names = shimssl_request_ca_names(s);
    tls_writer w;
    int ok = 1;

    OPENSSL_free(s->api_ca_der);
    s->api_ca_der = NULL;
    s->api_ca_der_len = 0;
    tls_wr_init(&w);
    for (int i = 0; ok && i < sk_X509_NAME_num(names); i++) {
        unsigned char *item = NULL;
        int n = i2d_X509_NAME(sk_X509_NAME_value(names, i), &item);

        ok = n > 0 && tls_der_list_put(&w, item, (size_t)n) == 0;
        OPENSSL_free(item);
    }
    /* Larger than the extension can carry: send none (as if unset). */
    if (ok && w.len > 0 && w.len <= 0xfff0) {
        if ((s->api_ca_der = OPENSSL_memdup(w.buf, w.len)) == NULL)
            ok = 0;
        else
            s->api_ca_der_len = w.len;
    }
    tls_wr_free(&w);
    *der = s->api_ca_der;
    *len = s->api_ca_der_len;
    return ok;
}

static int fail_tls(SSL *s, int alert, int reason)
{
    (void)s;
    return TLS_ERR(alert, reason);
}

/* Suspend the handshake until the callback behind want is retried. */
static int suspend(SSL *s, int want)
{
    s->api_suspend_want = want;
    return TLS_WANT_CALLBACK;
}

/* SSL_CTX_set_cert_cb / SSL_set_cert_cb: > 0 go on (also without a
 * callback), 0 failed, < 0 retry later. */
static int run_cert_cb(SSL *s)
{
    if (s->api_cert_cb == NULL)
        return 1;
    return s->api_cert_cb(s, s->api_cert_cb_arg);
}

/*
 * Client: a CertificateRequest arrived. cert_cb first, then, with no
 * certificate set, client_cert_cb: 1 with a certificate and key uses them
 * (references taken), 0 sends no certificate.
 */
static int strict_cert_suits(SSL *s, tls_conn *c);

int shimssl_clientauth_cert_hook(void *arg, tls_conn *c)
{
    SSL *s = arg;
    /* During the handshake a callback may ask to be retried; after it
     * (post-handshake authentication) that is not supported and fails. */
    int may_suspend = s->hs_phase != SHIMSSL_HS_DONE;
    int r;

    /* As OpenSSL's client: cert_cb first (0 is SSL_R_CALLBACK_FAILED),
     * then client_cert_cb; a retry resumes at the callback that asked. */
    if (s->api_hello_stage < 1) {
        r = run_cert_cb(s);
        if (r < 0 && may_suspend)
            return suspend(s, SSL_X509_LOOKUP);
        if (r <= 0)
            return fail_tls(s, TLS_AD_INTERNAL_ERROR, SSL_R_CALLBACK_FAILED);
        s->api_hello_stage = 1;
    }
    if ((s->cert == NULL || s->key == NULL) && s->ctx->api_client_cert_cb != NULL) {
        X509 *x = NULL;
        EVP_PKEY *k = NULL;

        r = s->ctx->api_client_cert_cb(s, &x, &k);
        if (r < 0) {
            X509_free(x);
            EVP_PKEY_free(k);
            if (may_suspend)
                return suspend(s, SSL_X509_LOOKUP);
            s->api_hello_stage = 0;
            return fail_tls(s, TLS_AD_INTERNAL_ERROR, SSL_R_CALLBACK_FAILED);
        }
        if (r == 1 && x != NULL && k != NULL) {
            ERR_set_mark();
            if (!SSL_use_certificate(s, x) || !SSL_use_PrivateKey(s, k))
                ERR_pop_to_mark(); /* not usable: no certificate is sent */
            else
                ERR_clear_last_mark();
        }
        X509_free(x);
        EVP_PKEY_free(k);
    }
    s->api_hello_stage = 0;
    shimssl_config_identity(s);
    if ((s->cert_flags & SSL_CERT_FLAG_TLS_STRICT) && s->cfg.cert != NULL && s->cfg.key != NULL &&
        !strict_cert_suits(s, c)) {
        s->cfg.cert = NULL; /* an empty Certificate goes out */
        s->cfg.key = NULL;
        s->cfg.chain = NULL;
        return 0;
    }
    return shimssl_chain_complete(s, &s->cfg);
}

/* Whether x's issuer is among the names. */
static int issuer_listed(const STACK_OF(X509_NAME) * names, X509 *x)
{
    for (int i = 0; i < sk_X509_NAME_num(names); i++)
        if (X509_NAME_cmp(sk_X509_NAME_value(names, i), X509_get_issuer_name(x)) == 0)
            return 1;
    return 0;
}

/*
 * Strict mode (SSL_CERT_FLAG_TLS_STRICT), as OpenSSL 3.0's client checks
 * its certificate before sending it: a CertificateRequest that names CAs
 * must name the issuer of the certificate or of a certificate of its
 * configured chain. OpenSSL also requires the key's certificate type among
 * the request's types, which a TLS 1.3 request never has: there a strict
 * client sends no RSA, DSA or EC certificate. (The engine checks the types
 * of a TLS 1.2 request itself.)
 */
static int strict_cert_suits(SSL *s, tls_conn *c)
{
    const STACK_OF(X509_NAME) *names = shimssl_peer_ca_list(s);
    EVP_PKEY *pk = s->cfg.key;
    int ok;

    if (tls_conn_version(c) == TLS1_3_VERSION &&
        (EVP_PKEY_is_a(pk, "RSA") || EVP_PKEY_is_a(pk, "DSA") || EVP_PKEY_is_a(pk, "EC")))
        return 0;
    if (names == NULL || sk_X509_NAME_num(names) == 0)
        return 1;
    ok = issuer_listed(names, s->cfg.cert);
    for (int i = 0; !ok && i < sk_X509_num(s->chain); i++)
        ok = issuer_listed(names, sk_X509_value(s->chain, i));
    return ok;
}

/*
 * Server: the first ClientHello. The client-hello callback comes first (as
 * in OpenSSL), then servername and ALPN, then cert_cb, which may still
 * change the certificate before the engine picks one.
 */
int shimssl_clientauth_hello_hook(void *arg, tls_conn *c)
{
    SSL *s = arg;
    int rc;

    if (s->api_hello_stage < 1) {
        if (s->ctx->api_client_hello_cb != NULL) {
            int al = SSL_AD_INTERNAL_ERROR;

            switch (s->ctx->api_client_hello_cb(s, &al, s->ctx->api_client_hello_arg)) {
            case SSL_CLIENT_HELLO_SUCCESS:
                break;
            case SSL_CLIENT_HELLO_RETRY:
                return suspend(s, SSL_CLIENT_HELLO_CB);
            default:
                return fail_tls(s, al, SSL_R_CALLBACK_FAILED);
            }
            shimssl_config_identity(s);
        }
        s->api_hello_stage = 1;
    }
    if (s->api_hello_stage < 2) {
        if ((rc = shimssl_cb_client_hello(arg, c)) < 0)
            return rc;
        s->api_hello_stage = 2;
    }
    if (s->api_cert_cb != NULL) {
        rc = run_cert_cb(s);
        if (rc < 0)
            return suspend(s, SSL_X509_LOOKUP);
        if (rc == 0)
            return fail_tls(s, TLS_AD_INTERNAL_ERROR, SSL_R_CERT_CB_ERROR);
        shimssl_config_identity(s);
    }
    s->api_hello_stage = 0;
    /* The certificate is final now: complete its chain if it has none. */
    return shimssl_chain_complete(s, &s->cfg);
}

void shimssl_clientauth_ssl_free(SSL *s)
{
    OPENSSL_free(s->api_ca_der);
    s->api_ca_der = NULL;
    s->api_ca_der_len = 0;
    sk_X509_NAME_pop_free(s->api_peer_ca, X509_NAME_free);
    s->api_peer_ca = NULL;
}

/* --- the CA names a server sent us ---------------------------------------------- */

/* Client: the certificate_authorities of the server's CertificateRequest
 * (the engine checked the framing), decoded; NULL if none came. */
const STACK_OF(X509_NAME) * shimssl_peer_ca_list(const SSL *s)
{
    SSL *m = (SSL *)s;
    tls_der_iter it;
    const uint8_t *der;
    size_t len;
    STACK_OF(X509_NAME) * names;

    if (s->server || s->conn == NULL)
        return NULL;
    if (!tls_conn_peer_ca_name_iter(s->conn, &it))
        return NULL;
    if ((names = sk_X509_NAME_new_null()) == NULL)
        return NULL;
    while (tls_der_iter_next(&it, &der, &len)) {
        X509_NAME *name = d2i_X509_NAME(NULL, &der, (long)len);

        if (name != NULL && !sk_X509_NAME_push(names, name))
            X509_NAME_free(name);
    }
    sk_X509_NAME_pop_free(m->api_peer_ca, X509_NAME_free);
    m->api_peer_ca = names;
    return names;
}

/* --- post-handshake authentication ---------------------------------------------- */

int SSL_verify_client_post_handshake(SSL *s)
{
    int rc;

    if (s->conn == NULL || tls_conn_version(s->conn) != TLS_V13) {
        SHIMSSL_ERR(SSL_R_WRONG_SSL_VERSION);
        return 0;
    }
    if (!s->server) {
        SHIMSSL_ERR(SSL_R_NOT_SERVER);
        return 0;
    }
    if (!tls_conn_handshake_done(s->conn)) {
        SHIMSSL_ERR(SSL_R_STILL_IN_INIT);
        return 0;
    }
    if (!(s->verify_mode & SSL_VERIFY_PEER)) {
        SHIMSSL_ERR(SSL_R_INVALID_CONFIG);
        return 0;
    }
    /* The mode as it is now (s_server's "c" command sets it just before
     * asking): FAIL_IF_NO_PEER_CERT and CLIENT_ONCE apply to this request. */
    s->cfg.flags &= ~(uint32_t)(TLS_CFG_REQUIRE_CERT | TLS_CFG_CLIENT_ONCE);
    if (s->verify_mode & SSL_VERIFY_FAIL_IF_NO_PEER_CERT)
        s->cfg.flags |= TLS_CFG_REQUIRE_CERT;
    if (s->verify_mode & SSL_VERIFY_CLIENT_ONCE)
        s->cfg.flags |= TLS_CFG_CLIENT_ONCE;
    rc = tls_conn_request_cert(s->conn);
    if (rc == TLS_ERR(TLS_AD_NONE, TLS_R_EXTENSION_NOT_RECEIVED)) {
        SHIMSSL_ERR(SSL_R_EXTENSION_NOT_RECEIVED);
        return 0;
    }
    if (rc == TLS_ERR(TLS_AD_NONE, TLS_R_UNEXPECTED_MESSAGE)) {
        SHIMSSL_ERR(SSL_R_REQUEST_SENT);
        return 0;
    }
    if (rc == TLS_ERR(TLS_AD_NONE, TLS_R_INVALID_CONFIG)) {
        SHIMSSL_ERR(SSL_R_INVALID_CONFIG);
        return 0;
    }
    if (rc < 0) {
        shimssl_err_from_tls(rc);
        return 0;
    }
    /* The request goes out with the next SSL_read / SSL_write /
     * SSL_do_handshake, as in OpenSSL. */
    return 1;
}

/* --- client-hello callback ------------------------------------------------------- */

void SSL_CTX_set_client_hello_cb(SSL_CTX *ctx, SSL_client_hello_cb_fn cb, void *arg)
{
    ctx->api_client_hello_cb = cb;
    ctx->api_client_hello_arg = arg;
}
