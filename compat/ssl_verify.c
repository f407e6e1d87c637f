/*
 * Peer certificate verification: the decision core asks for through
 * tls_config.verify_chain, and the OpenSSL calls that configure it.
 *
 * The path building and checking itself is libcrypto's X509_verify_cert;
 * this file only sets it up the way libssl does (the SSL reachable from the
 * store context for callbacks, the "ssl_server"/"ssl_client" purpose, the
 * SSL's verify parameters with host names, the security level as
 * authentication level), records the result for SSL_get_verify_result, and
 * turns a failure into the alert OpenSSL sends for it.
 */
#include "compat/compat.h"
#include "compat/init.h"

#include <pthread.h>

#include <openssl/x509v3.h>

/* --- the store-context ex_data index for the SSL -------------------------- */

static int store_ctx_idx = -1;
static pthread_once_t store_ctx_once = PTHREAD_ONCE_INIT;

static void make_store_ctx_idx(void)
{
    store_ctx_idx = X509_STORE_CTX_get_ex_new_index(0, "SSL for verify callback", NULL, NULL, NULL);
}

int SSL_get_ex_data_X509_STORE_CTX_idx(void)
{
    pthread_once(&store_ctx_once, make_store_ctx_idx);
    return store_ctx_idx;
}

/* --- the decision --------------------------------------------------------- */

/*
 * The alert for a verification failure, as OpenSSL chooses it: chain
 * problems are the peer's unknown CA, validity and name problems a bad
 * certificate, signature problems decrypt_error.
 */
static int verify_alert(long err)
{
    switch (err) {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_CERT_CHAIN_TOO_LONG:
    case X509_V_ERR_PATH_LENGTH_EXCEEDED:
    case X509_V_ERR_INVALID_CA:
    case X509_V_ERR_UNABLE_TO_GET_CRL:
    case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER:
        return TLS_AD_UNKNOWN_CA;
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CRL_HAS_EXPIRED:
        return TLS_AD_CERTIFICATE_EXPIRED;
    case X509_V_ERR_CERT_REVOKED:
        return TLS_AD_CERTIFICATE_REVOKED;
    case X509_V_ERR_INVALID_PURPOSE:
        return TLS_AD_UNSUPPORTED_CERTIFICATE;
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
    case X509_V_ERR_CRL_SIGNATURE_FAILURE:
    case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
    case X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE:
        return TLS_AD_DECRYPT_ERROR;
    case X509_V_ERR_APPLICATION_VERIFICATION:
        return TLS_AD_HANDSHAKE_FAILURE;
    case X509_V_ERR_OUT_OF_MEM:
    case X509_V_ERR_INVALID_CALL:
    case X509_V_ERR_STORE_LOOKUP:
    case X509_V_ERR_UNSPECIFIED:
        return TLS_AD_INTERNAL_ERROR;
    case X509_V_ERR_CERT_NOT_YET_VALID:
    case X509_V_ERR_CRL_NOT_YET_VALID:
    case X509_V_ERR_CERT_UNTRUSTED:
    case X509_V_ERR_CERT_REJECTED:
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_EMAIL_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
    case X509_V_ERR_EE_KEY_TOO_SMALL:
    case X509_V_ERR_CA_KEY_TOO_SMALL:
    case X509_V_ERR_CA_MD_TOO_WEAK:
    case X509_V_ERR_DANE_NO_MATCH:
    case X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD:
    case X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD:
    case X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD:
    case X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD:
    case X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY:
        return TLS_AD_BAD_CERTIFICATE;
    default:
        return TLS_AD_CERTIFICATE_UNKNOWN;
    }
}

int shimssl_verify_alert(long x509_err)
{
    return verify_alert(x509_err);
}

static void chain_free(STACK_OF(X509) * sk)
{
    sk_X509_pop_free(sk, X509_free);
}

static X509_VERIFY_PARAM *ssl_param(const SSL *s)
{
    return s->param != NULL ? s->param : s->ctx->param;
}

/*
 * Keep our own references: the engine's chain dies with the connection, the
 * getters must answer until SSL_free. SSL_get_peer_cert_chain shows a server
 * the client's chain without the client's own certificate (documented
 * OpenSSL behaviour), a client the whole chain.
 */
static void keep_peer_chain(SSL *s, STACK_OF(X509) * chain)
{
    STACK_OF(X509) *copy = X509_chain_up_ref(chain);

    if (copy == NULL)
        return;
    X509_free(s->api_peer_cert);
    s->api_peer_cert = sk_X509_value(copy, 0);
    X509_up_ref(s->api_peer_cert);
    if (s->server)
        X509_free(sk_X509_shift(copy));
    chain_free(s->api_peer_chain);
    s->api_peer_chain = copy;
}

/* No certificate from the peer: only a server can meet this (RFC 8446 4.4.2.4). */
static int no_peer_cert(SSL *s)
{
    s->verify_result = X509_V_OK;
    if (s->server && (s->verify_mode & SSL_VERIFY_PEER) &&
        (s->verify_mode & SSL_VERIFY_FAIL_IF_NO_PEER_CERT))
        return TLS_ERR(TLS_AD_CERTIFICATE_REQUIRED, SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE);
    return 0;
}

int shimssl_verify_chain(void *arg, STACK_OF(X509) * chain)
{
    SSL *s = arg;
    X509_STORE_CTX *xs;
    /* SSL_set0_verify_cert_store / SSL_CTX_set0_verify_cert_store override
     * the trust store for this purpose. */
    X509_STORE *store = s->verify_store != NULL        ? s->verify_store
                        : s->ctx->verify_store != NULL ? s->ctx->verify_store
                                                       : s->ctx->cert_store;
    int ok;

    if (chain == NULL || sk_X509_num(chain) == 0)
        return no_peer_cert(s);
    /* A retried verification (client) uses the chain the application saw
     * and may have added certificates to, as OpenSSL's session chain. */
    if (s->api_verify_retry && !s->server && s->api_peer_chain != NULL)
        chain = s->api_peer_chain;
    else
        keep_peer_chain(s, chain);
    s->api_verify_retry = 0;
    s->rwstate = SSL_NOTHING;
    if ((xs = X509_STORE_CTX_new_ex(s->ctx->libctx, s->ctx->propq)) == NULL)
        return TLS_ERR_INTERNAL;
    if (!X509_STORE_CTX_init(xs, store, sk_X509_value(chain, 0), chain) ||
        !X509_STORE_CTX_set_ex_data(xs, SSL_get_ex_data_X509_STORE_CTX_idx(), s)) {
        X509_STORE_CTX_free(xs);
        return TLS_ERR_INTERNAL;
    }
    shimssl_dane_attach(s, xs);
    /* A client checks a server certificate and the other way round. */
    X509_STORE_CTX_set_default(xs, s->server ? "ssl_client" : "ssl_server");
    X509_VERIFY_PARAM_set1(X509_STORE_CTX_get0_param(xs), ssl_param(s));
    X509_VERIFY_PARAM_set_auth_level(X509_STORE_CTX_get0_param(xs), s->security_level);
    if (s->verify_callback != NULL)
        X509_STORE_CTX_set_verify_cb(xs, s->verify_callback);
    if (s->ctx->api_cert_verify_cb != NULL)
        ok = s->ctx->api_cert_verify_cb(xs, s->ctx->api_cert_verify_arg);
    else
        ok = X509_verify_cert(xs);
    s->verify_result = X509_STORE_CTX_get_error(xs);
    /* The host name that matched, for SSL_get0_peername. */
    X509_VERIFY_PARAM_move_peername(ssl_param(s), X509_STORE_CTX_get0_param(xs));
    chain_free(s->api_verified_chain);
    s->api_verified_chain = X509_STORE_CTX_get1_chain(xs);
    X509_STORE_CTX_free(xs);
    /* OpenSSL 3.0: a client's callback that called SSL_set_retry_verify and
     * returned > 0 suspends the handshake (SSL_ERROR_WANT_RETRY_VERIFY);
     * the next call verifies again. A server ignores the request. */
    if (ok > 0 && s->rwstate == SSL_RETRY_VERIFY) {
        if (s->server) {
            s->rwstate = SSL_NOTHING;
        } else {
            s->api_verify_retry = 1;
            s->api_suspend_want = SSL_RETRY_VERIFY;
            return TLS_WANT_CALLBACK;
        }
    }
    s->peer_rejected = 0;
    if (ok > 0)
        return 0;
    /* A refusing callback that left X509_V_OK still fails, with
     * certificate_unknown (as OpenSSL). The refused certificate is not the
     * peer's (SSL_get0_peer_certificate, the session's peer), as OpenSSL
     * 3.0 takes it only after verification. */
    s->peer_rejected = (s->verify_mode & SSL_VERIFY_PEER) != 0;
    if (s->verify_mode & SSL_VERIFY_PEER)
        return TLS_ERR(verify_alert(s->verify_result), TLS_R_CERTIFICATE_VERIFY_FAILED);
    return 0;
}

/* --- mode, callback, depth ------------------------------------------------- */

void SSL_CTX_set_verify(SSL_CTX *ctx, int mode, SSL_verify_cb cb)
{
    ctx->verify_mode = mode;
    ctx->verify_callback = cb;
}

void SSL_set_verify(SSL *s, int mode, SSL_verify_cb cb)
{
    s->verify_mode = mode;
    if (cb != NULL)
        s->verify_callback = cb;
}

int SSL_CTX_get_verify_mode(const SSL_CTX *ctx)
{
    return ctx->verify_mode;
}
int SSL_get_verify_mode(const SSL *s)
{
    return s->verify_mode;
}
SSL_verify_cb SSL_CTX_get_verify_callback(const SSL_CTX *ctx)
{
    return ctx->verify_callback;
}
SSL_verify_cb SSL_get_verify_callback(const SSL *s)
{
    return s->verify_callback;
}

int SSL_CTX_get_verify_depth(const SSL_CTX *ctx)
{
    return X509_VERIFY_PARAM_get_depth(ctx->param);
}
int SSL_get_verify_depth(const SSL *s)
{
    return X509_VERIFY_PARAM_get_depth(ssl_param(s));
}
void SSL_CTX_set_verify_depth(SSL_CTX *ctx, int depth)
{
    X509_VERIFY_PARAM_set_depth(ctx->param, depth);
}
void SSL_set_verify_depth(SSL *s, int depth)
{
    X509_VERIFY_PARAM_set_depth(ssl_param(s), depth);
}

void SSL_CTX_set_cert_verify_callback(SSL_CTX *ctx, int (*cb)(X509_STORE_CTX *, void *), void *arg)
{
    ctx->api_cert_verify_cb = cb;
    ctx->api_cert_verify_arg = arg;
}

long SSL_get_verify_result(const SSL *s)
{
    return s->verify_result;
}
void SSL_set_verify_result(SSL *s, long v)
{
    s->verify_result = v;
}

/* --- parameters and host names ------------------------------------------------ */

X509_VERIFY_PARAM *SSL_CTX_get0_param(SSL_CTX *ctx)
{
    return ctx->param;
}
X509_VERIFY_PARAM *SSL_get0_param(SSL *s)
{
    return ssl_param(s);
}
int SSL_CTX_set1_param(SSL_CTX *ctx, X509_VERIFY_PARAM *vpm)
{
    return X509_VERIFY_PARAM_set1(ctx->param, vpm);
}
int SSL_set1_param(SSL *s, X509_VERIFY_PARAM *vpm)
{
    return X509_VERIFY_PARAM_set1(ssl_param(s), vpm);
}

int SSL_set1_host(SSL *s, const char *hostname)
{
    X509_VERIFY_PARAM *p = ssl_param(s);
    int is_ip;

    /* An IP address literal is checked as an address, not as a DNS name;
     * trying it must not leave an error behind for a DNS name. */
    ERR_set_mark();
    is_ip = hostname != NULL && X509_VERIFY_PARAM_set1_ip_asc(p, hostname) == 1;
    if (!is_ip)
        X509_VERIFY_PARAM_set1_ip(p, NULL, 0);
    ERR_pop_to_mark();
    return X509_VERIFY_PARAM_set1_host(p, is_ip ? NULL : hostname, 0);
}

int SSL_add1_host(SSL *s, const char *hostname)
{
    X509_VERIFY_PARAM *p = ssl_param(s);

    if (hostname != NULL) {
        ASN1_OCTET_STRING *ip = a2i_IPADDRESS(hostname);

        if (ip != NULL) {
            int ok = 0;
            char *old = X509_VERIFY_PARAM_get1_ip_asc(p);

            /* Only one address can be checked; a second one is refused. */
            if (old == NULL)
                ok = X509_VERIFY_PARAM_set1_ip(p, ASN1_STRING_get0_data(ip),
                                               (size_t)ASN1_STRING_length(ip));
            OPENSSL_free(old);
            ASN1_OCTET_STRING_free(ip);
            return ok;
        }
        ERR_clear_error();
    }
    return X509_VERIFY_PARAM_add1_host(p, hostname, 0);
}

void SSL_set_hostflags(SSL *s, unsigned int flags)
{
    X509_VERIFY_PARAM_set_hostflags(ssl_param(s), flags);
}

const char *SSL_get0_peername(SSL *s)
{
    return X509_VERIFY_PARAM_get0_peername(ssl_param(s));
}

/* --- trust store ---------------------------------------------------------------- */

X509_STORE *SSL_CTX_get_cert_store(const SSL_CTX *ctx)
{
    return ctx->cert_store;
}

void SSL_CTX_set_cert_store(SSL_CTX *ctx, X509_STORE *store)
{
    X509_STORE_free(ctx->cert_store);
    ctx->cert_store = store;
}

void SSL_CTX_set1_cert_store(SSL_CTX *ctx, X509_STORE *store)
{
    if (store != NULL)
        X509_STORE_up_ref(store);
    SSL_CTX_set_cert_store(ctx, store);
}

int SSL_CTX_load_verify_file(SSL_CTX *ctx, const char *file)
{
    return X509_STORE_load_file_ex(ctx->cert_store, file, ctx->libctx, ctx->propq);
}

int SSL_CTX_load_verify_dir(SSL_CTX *ctx, const char *dir)
{
    return X509_STORE_load_path(ctx->cert_store, dir);
}

int SSL_CTX_load_verify_store(SSL_CTX *ctx, const char *uri)
{
    return X509_STORE_load_store_ex(ctx->cert_store, uri, ctx->libctx, ctx->propq);
}

int SSL_CTX_load_verify_locations(SSL_CTX *ctx, const char *file, const char *path)
{
    if (file == NULL && path == NULL)
        return 0;
    if (file != NULL && !SSL_CTX_load_verify_file(ctx, file))
        return 0;
    if (path != NULL && !SSL_CTX_load_verify_dir(ctx, path))
        return 0;
    return 1;
}

/*
 * The default locations (SSL_CERT_FILE / SSL_CERT_DIR or the build's
 * defaults). A missing default directory or file is not an error, and
 * OpenSSL leaves no trace of it on the error queue.
 */
int SSL_CTX_set_default_verify_paths(SSL_CTX *ctx)
{
    int ok;

    ERR_set_mark();
    ok = X509_STORE_set_default_paths_ex(ctx->cert_store, ctx->libctx, ctx->propq);
    ERR_pop_to_mark();
    return ok;
}

static int add_default_lookup(SSL_CTX *ctx, X509_LOOKUP_METHOD *m, int kind)
{
    X509_LOOKUP *l = X509_STORE_add_lookup(ctx->cert_store, m);

    if (l == NULL)
        return 0;
    ERR_set_mark();
    switch (kind) {
    case 0:
        X509_LOOKUP_add_dir(l, NULL, X509_FILETYPE_DEFAULT);
        break;
    case 1:
        X509_LOOKUP_load_file_ex(l, NULL, X509_FILETYPE_DEFAULT, ctx->libctx, ctx->propq);
        break;
    default:
        X509_LOOKUP_add_store_ex(l, NULL, ctx->libctx, ctx->propq);
        break;
    }
    ERR_pop_to_mark();
    return 1;
}

int SSL_CTX_set_default_verify_dir(SSL_CTX *ctx)
{
    return add_default_lookup(ctx, X509_LOOKUP_hash_dir(), 0);
}
int SSL_CTX_set_default_verify_file(SSL_CTX *ctx)
{
    return add_default_lookup(ctx, X509_LOOKUP_file(), 1);
}
int SSL_CTX_set_default_verify_store(SSL_CTX *ctx)
{
    return add_default_lookup(ctx, X509_LOOKUP_store(), 2);
}

/* --- the peer's certificates --------------------------------------------------- */

/* The engine's chain when no verification ran (verify_chain not called). */
static void sync_peer(const SSL *s)
{
    STACK_OF(X509) * c;

    if (s->api_peer_cert != NULL || s->conn == NULL || (c = tls_conn_peer_chain(s->conn)) == NULL ||
        sk_X509_num(c) == 0)
        return;
    keep_peer_chain((SSL *)s, c);
}

X509 *SSL_get0_peer_certificate(const SSL *s)
{
    if (s == NULL || s->peer_rejected)
        return NULL;
    sync_peer(s);
    return s->api_peer_cert;
}

X509 *SSL_get1_peer_certificate(const SSL *s)
{
    X509 *x = SSL_get0_peer_certificate(s);

    if (x != NULL)
        X509_up_ref(x);
    return x;
}

STACK_OF(X509) * SSL_get_peer_cert_chain(const SSL *s)
{
    if (s == NULL)
        return NULL;
    sync_peer(s);
    return s->api_peer_chain;
}

STACK_OF(X509) * SSL_get0_verified_chain(const SSL *s)
{
    return s != NULL ? s->api_verified_chain : NULL;
}

void shimssl_verify_ssl_free(SSL *s)
{
    chain_free(s->api_peer_chain);
    chain_free(s->api_verified_chain);
    X509_free(s->api_peer_cert);
    s->api_peer_cert = NULL;
    s->api_peer_chain = s->api_verified_chain = NULL;
}
