/*
 * SSL_CTX lifecycle and the plain settings stored in it. The defaults are
 * the values OpenSSL 3.0 (as built by Debian 12) reports for a fresh
 * SSL_CTX_new(TLS_method()): programs print and compare them, so they are
 * part of the behaviour, not a choice of ours.
 */
#include "compat/compat.h"

#include <string.h>

#include "compat/init.h"

/* shimssl_init (compat-api) loads the configuration file and the error
 * strings. The reference must be strong: it is what pulls compat-api's
 * objects, and with them the lifecycle hooks, out of a static archive. */

#define SHIMSSL_DEFAULT_OPTIONS    (SSL_OP_NO_COMPRESSION | SSL_OP_ENABLE_MIDDLEBOX_COMPAT)
#define SHIMSSL_DEFAULT_TIMEOUT    7200 /* seconds, TLS_method's session lifetime */
#define SHIMSSL_DEFAULT_SECLEVEL   2    /* Debian builds with security level 2 */
#define SHIMSSL_DEFAULT_CACHE_SIZE (1024 * 20)

SSL_CTX *SSL_CTX_new_ex(OSSL_LIB_CTX *libctx, const char *propq, const SSL_METHOD *meth)
{
    SSL_CTX *ctx;

    if (meth == NULL) {
        SHIMSSL_ERR(SSL_R_NULL_SSL_METHOD_PASSED);
        return NULL;
    }
    if (!shimssl_init())
        return NULL;
    if (meth->dtls) {
        /* DTLS is not implemented; refuse rather than misbehave later. */
        SHIMSSL_ERR(SSL_R_UNSUPPORTED_PROTOCOL);
        return NULL;
    }
    ctx = OPENSSL_zalloc(sizeof(*ctx));
    if (ctx == NULL) {
        ERR_raise(ERR_LIB_SSL, ERR_R_MALLOC_FAILURE);
        return NULL;
    }
    ctx->references = 1;
    ctx->method = meth;
    ctx->libctx = libctx;
    if (propq != NULL && (ctx->propq = OPENSSL_strdup(propq)) == NULL)
        goto fail;
    /* Everything the handshakes need is fetched here, once per library
     * context and property query. As OpenSSL, a context in which no cipher
     * suite can work (no provider loaded, say) makes no SSL_CTX. */
    if ((ctx->crypto = tls_crypto_get(libctx, ctx->propq)) == NULL)
        goto fail;
    if (!tls_crypto_usable(ctx->crypto)) {
        SHIMSSL_ERR(SSL_R_LIBRARY_HAS_NO_CIPHERS);
        tls_crypto_free(ctx->crypto);
        OPENSSL_free(ctx->propq);
        OPENSSL_free(ctx);
        return NULL;
    }
    ctx->options = SHIMSSL_DEFAULT_OPTIONS;
    ctx->mode = SSL_MODE_AUTO_RETRY;
    ctx->session_cache_mode = SSL_SESS_CACHE_SERVER;
    ctx->session_cache_size = SHIMSSL_DEFAULT_CACHE_SIZE;
    ctx->session_timeout = SHIMSSL_DEFAULT_TIMEOUT;
    ctx->max_send_fragment = SSL3_RT_MAX_PLAIN_LENGTH;
    ctx->num_tickets = 2;
    ctx->security_level = SHIMSSL_DEFAULT_SECLEVEL;
    ctx->status_type = -1;
    ctx->verify_mode = SSL_VERIFY_NONE;
    ctx->max_cert_list = SSL_MAX_CERT_LIST_DEFAULT;
    if ((ctx->cert_store = X509_STORE_new()) == NULL ||
        (ctx->ctlog_store = CTLOG_STORE_new_ex(libctx, ctx->propq)) == NULL ||
        (ctx->param = X509_VERIFY_PARAM_new()) == NULL ||
        (ctx->extra_certs = sk_X509_new_null()) == NULL ||
        (ctx->api_client_ca = sk_X509_NAME_new_null()) == NULL ||
        (ctx->api_ca_names = sk_X509_NAME_new_null()) == NULL)
        goto fail;
    if (!CRYPTO_new_ex_data(CRYPTO_EX_INDEX_SSL_CTX, ctx, &ctx->ex_data))
        goto fail;
    if (!shimssl_api_ctx_init(ctx)) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;

fail:
    ERR_raise(ERR_LIB_SSL, ERR_R_MALLOC_FAILURE);
    X509_STORE_free(ctx->cert_store);
    CTLOG_STORE_free(ctx->ctlog_store);
    X509_VERIFY_PARAM_free(ctx->param);
    sk_X509_free(ctx->extra_certs);
    sk_X509_NAME_free(ctx->api_client_ca);
    sk_X509_NAME_free(ctx->api_ca_names);
    tls_crypto_free(ctx->crypto);
    OPENSSL_free(ctx->propq);
    OPENSSL_free(ctx);
    return NULL;
}

SSL_CTX *SSL_CTX_new(const SSL_METHOD *meth)
{
    return SSL_CTX_new_ex(NULL, NULL, meth);
}

int SSL_CTX_up_ref(SSL_CTX *ctx)
{
    shimssl_ref_inc(&ctx->references);
    return 1;
}

void SSL_CTX_free(SSL_CTX *ctx)
{
    if (ctx == NULL || shimssl_ref_dec(&ctx->references) > 0)
        return;
    /* Applications' ex_data free callbacks still see a complete SSL_CTX. */
    CRYPTO_free_ex_data(CRYPTO_EX_INDEX_SSL_CTX, ctx, &ctx->ex_data);
    shimssl_api_ctx_free(ctx);
    X509_STORE_free(ctx->cert_store);
    X509_STORE_free(ctx->verify_store);
    X509_STORE_free(ctx->chain_store);
    CTLOG_STORE_free(ctx->ctlog_store);
    X509_VERIFY_PARAM_free(ctx->param);
    X509_free(ctx->cert);
    EVP_PKEY_free(ctx->key);
    sk_X509_pop_free(ctx->chain, X509_free);
    sk_X509_pop_free(ctx->extra_certs, X509_free);
    shimssl_u16_list_free(&ctx->groups);
    shimssl_u16_list_free(&ctx->sigalgs);
    shimssl_u16_list_free(&ctx->client_sigalgs);
    OPENSSL_free(ctx->tls13_suites);
    OPENSSL_free(ctx->alpn);
    tls_crypto_free(ctx->crypto);
    OPENSSL_free(ctx->propq);
    OPENSSL_free(ctx);
}

/* --- options ------------------------------------------------------------ */

uint64_t SSL_CTX_get_options(const SSL_CTX *ctx)
{
    return ctx->options;
}
uint64_t SSL_CTX_set_options(SSL_CTX *ctx, uint64_t op)
{
    return ctx->options |= op;
}
uint64_t SSL_CTX_clear_options(SSL_CTX *ctx, uint64_t op)
{
    return ctx->options &= ~op;
}
uint64_t SSL_get_options(const SSL *s)
{
    return s->options;
}
uint64_t SSL_set_options(SSL *s, uint64_t op)
{
    return s->options |= op;
}
uint64_t SSL_clear_options(SSL *s, uint64_t op)
{
    return s->options &= ~op;
}

/* --- timeouts ------------------------------------------------------------ */

long SSL_CTX_set_timeout(SSL_CTX *ctx, long t)
{
    long old = ctx->session_timeout;

    ctx->session_timeout = t;
    return old;
}

long SSL_CTX_get_timeout(const SSL_CTX *ctx)
{
    return ctx->session_timeout;
}

long SSL_get_default_timeout(const SSL *s)
{
    (void)s;
    return SHIMSSL_DEFAULT_TIMEOUT;
}

/* --- security level (stored; the engine's own minimums are stricter) ----- */

void SSL_CTX_set_security_level(SSL_CTX *ctx, int level)
{
    ctx->security_level = level;
}
int SSL_CTX_get_security_level(const SSL_CTX *ctx)
{
    return ctx->security_level;
}
void SSL_set_security_level(SSL *s, int level)
{
    s->security_level = level;
}
int SSL_get_security_level(const SSL *s)
{
    return s->security_level;
}
void SSL_CTX_set0_security_ex_data(SSL_CTX *ctx, void *ex)
{
    ctx->security_ex_data = ex;
}
void *SSL_CTX_get0_security_ex_data(const SSL_CTX *ctx)
{
    return ctx->security_ex_data;
}
void SSL_set0_security_ex_data(SSL *s, void *ex)
{
    s->security_ex_data = ex;
}
void *SSL_get0_security_ex_data(const SSL *s)
{
    return s->security_ex_data;
}

void SSL_CTX_set_security_callback(SSL_CTX *ctx,
                                   int (*cb)(const SSL *s, const SSL_CTX *ctx, int op, int bits,
                                             int nid, void *other, void *ex))
{
    ctx->security_cb = cb;
}

int (*SSL_CTX_get_security_callback(const SSL_CTX *ctx))(const SSL *s, const SSL_CTX *ctx, int op,
                                                         int bits, int nid, void *other, void *ex)
{
    return ctx->security_cb;
}

void SSL_set_security_callback(SSL *s, int (*cb)(const SSL *s, const SSL_CTX *ctx, int op, int bits,
                                                 int nid, void *other, void *ex))
{
    s->security_cb = cb;
}

int (*SSL_get_security_callback(const SSL *s))(const SSL *s, const SSL_CTX *ctx, int op, int bits,
                                               int nid, void *other, void *ex)
{
    return s->security_cb;
}

/* --- quiet shutdown ------------------------------------------------------ */

void SSL_CTX_set_quiet_shutdown(SSL_CTX *ctx, int mode)
{
    ctx->quiet_shutdown = mode;
}
int SSL_CTX_get_quiet_shutdown(const SSL_CTX *ctx)
{
    return ctx->quiet_shutdown;
}
void SSL_set_quiet_shutdown(SSL *s, int mode)
{
    s->quiet_shutdown = mode;
}
int SSL_get_quiet_shutdown(const SSL *s)
{
    return s->quiet_shutdown;
}

/* --- password callback (used by compat-api's PEM key loading) ----------- */

void SSL_CTX_set_default_passwd_cb(SSL_CTX *ctx, pem_password_cb *cb)
{
    ctx->default_passwd_cb = cb;
}
void SSL_CTX_set_default_passwd_cb_userdata(SSL_CTX *ctx, void *u)
{
    ctx->default_passwd_cb_userdata = u;
}
pem_password_cb *SSL_CTX_get_default_passwd_cb(SSL_CTX *ctx)
{
    return ctx->default_passwd_cb;
}
void *SSL_CTX_get_default_passwd_cb_userdata(SSL_CTX *ctx)
{
    return ctx->default_passwd_cb_userdata;
}
void SSL_set_default_passwd_cb(SSL *s, pem_password_cb *cb)
{
    s->default_passwd_cb = cb;
}
void SSL_set_default_passwd_cb_userdata(SSL *s, void *u)
{
    s->default_passwd_cb_userdata = u;
}
pem_password_cb *SSL_get_default_passwd_cb(SSL *s)
{
    return s->default_passwd_cb;
}
void *SSL_get_default_passwd_cb_userdata(SSL *s)
{
    return s->default_passwd_cb_userdata;
}

/* --- tickets --------------------------------------------------------------- */

int SSL_CTX_set_num_tickets(SSL_CTX *ctx, size_t n)
{
    ctx->num_tickets = n;
    return 1;
}

size_t SSL_CTX_get_num_tickets(const SSL_CTX *ctx)
{
    return ctx->num_tickets;
}

int SSL_set_num_tickets(SSL *s, size_t n)
{
    s->num_tickets = n;
    return 1;
}

size_t SSL_get_num_tickets(const SSL *s)
{
    return s->num_tickets;
}
