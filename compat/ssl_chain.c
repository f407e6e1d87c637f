/*
 * The certificates sent after our own: automatic chain completion and
 * SSL_CTX_build_cert_chain / SSL_build_cert_chain.
 *
 * What OpenSSL 3.0 sends after a certificate (its documented behaviour,
 * SSL_CTX_add_extra_chain_cert(3), SSL_CTX_set1_chain(3)):
 *   1. the chain configured for that certificate (set0/set1_chain,
 *      add0/add1_chain_cert, use_certificate_chain_file with more than the
 *      leaf, use_cert_and_key with a chain, a built chain), even if empty;
 *   2. else the SSL_CTX's extra chain certificates;
 *   3. else, unless SSL_MODE_NO_AUTO_CHAIN, whatever X509_verify_cert can
 *      build upward from the leaf in the chain store (set1_chain_cert_store)
 *      or, without one, the SSL_CTX's certificate store: the store
 *      load_verify_locations / -CAfile / SSLCACertificateFile fill. The
 *      verification result is ignored (the root is usually absent, and a
 *      partial chain is still worth sending); a root the store does hold
 *      is sent with the rest. The queue of errors is emptied afterwards.
 * Case 3 happens when the Certificate message is written, with the store
 * as it is then, so it is done here per handshake, for the certificate the
 * handshake may use, after every callback that can still change it.
 * Building costs one X509_verify_cert per handshake, as in OpenSSL:
 * measured with a leaf -> intermediate -> root chain in memory (client and
 * server in one process, CPU time), about 40 us of a 1.25 ms handshake
 * pair here, 80 us on OpenSSL. The result is not kept across handshakes:
 * libcrypto's public API cannot tell when it goes stale (certificates added
 * to the store, a hashed directory that gains a file, store flags, the
 * store's verify callback, validity periods that pick among issuers).
 * Servers that want to avoid the cost configure the chain, or build it
 * once with SSL_CTX_build_cert_chain.
 *
 * SSL_build_cert_chain instead builds once and stores the result as the
 * certificate's chain (case 1), which also turns case 3 off for it.
 */
#include "compat/compat.h"
#include "compat/chain.h"

#include <openssl/x509v3.h>

/* The store case 3 and SSL_build_cert_chain complete chains from. */
static X509_STORE *completion_store(X509_STORE *chain_store, const SSL_CTX *ctx)
{
    return chain_store != NULL ? chain_store : ctx->cert_store;
}

/*
 * What X509_verify_cert builds from leaf in store, without the leaf (which
 * the engine sends first anyway). NULL only when memory ran out.
 */
static STACK_OF(X509) * complete_from_store(SSL *s, X509 *leaf)
{
    X509_STORE *store = completion_store(s->chain_store, s->ctx);
    X509_STORE_CTX *xs = X509_STORE_CTX_new_ex(s->ctx->libctx, s->ctx->propq);
    STACK_OF(X509) *chain = NULL;

    if (xs == NULL)
        return NULL;
    if (store != NULL && X509_STORE_CTX_init(xs, store, leaf, NULL)) {
        /* A failed verification still leaves the part it could build. */
        (void)X509_verify_cert(xs);
        chain = X509_STORE_CTX_get1_chain(xs);
    }
    /* OpenSSL empties the whole queue here, not only what this added. */
    ERR_clear_error();
    X509_STORE_CTX_free(xs);
    if (chain == NULL)
        chain = sk_X509_new_null();
    else
        X509_free(sk_X509_shift(chain));
    return chain;
}

static void release_auto(SSL *s)
{
    for (size_t i = 0; i < SHIMSSL_AUTO_CHAINS; i++) {
        sk_X509_pop_free(s->api_auto_chain[i], X509_free);
        s->api_auto_chain[i] = NULL;
    }
}

/*
 * The chain for one identity whose own chain is unset (NULL): the
 * extra chain certificates, else a completed one (kept in *slot), else
 * none. 0 when memory ran out.
 */
static int fill_one(SSL *s, X509 *leaf, STACK_OF(X509) * *chain, STACK_OF(X509) * *slot)
{
    if (leaf == NULL || *chain != NULL)
        return 1;
    if (sk_X509_num(s->ctx->extra_certs) > 0) {
        *chain = s->ctx->extra_certs;
        return 1;
    }
    if (s->mode & SSL_MODE_NO_AUTO_CHAIN)
        return 1;
    if ((*slot = complete_from_store(s, leaf)) == NULL)
        return 0;
    *chain = *slot;
    return 1;
}

int shimssl_chain_complete(SSL *s, tls_config *cfg)
{
    release_auto(s);
    if (!fill_one(s, cfg->cert, &cfg->chain, &s->api_auto_chain[0]))
        return TLS_ERR_INTERNAL;
    for (size_t i = 0; i < cfg->n_ids && i + 1 < SHIMSSL_AUTO_CHAINS; i++)
        if (!fill_one(s, cfg->ids[i].cert, &cfg->ids[i].chain, &s->api_auto_chain[i + 1]))
            return TLS_ERR_INTERNAL;
    return 0;
}

void shimssl_chain_ssl_free(SSL *s)
{
    release_auto(s);
}

/* --- SSL_CTX_build_cert_chain / SSL_build_cert_chain -------------------------- */

/* A store trusting exactly the configured chain and the leaf (FLAG_CHECK). */
static X509_STORE *store_of(X509 *leaf, STACK_OF(X509) * chain)
{
    X509_STORE *st = X509_STORE_new();

    if (st == NULL)
        return NULL;
    for (int i = 0; i < sk_X509_num(chain); i++)
        if (!X509_STORE_add_cert(st, sk_X509_value(chain, i)))
            goto fail;
    /* The leaf too: it may be self-signed. */
    if (!X509_STORE_add_cert(st, leaf))
        goto fail;
    return st;
fail:
    X509_STORE_free(st);
    return NULL;
}

/*
 * Rebuild *chain for leaf (SSL_build_cert_chain(3)): 1 built, 2 built
 * although verification failed (IGNORE_ERROR; as in OpenSSL, only when the
 * result holds no CA certificate, since checking one resets the value),
 * 0 failed with an ERR entry and the chain unchanged.
 */
static long build_chain(X509 *leaf, STACK_OF(X509) * *chain, X509_STORE *chain_store, SSL_CTX *ctx,
                        long flags)
{
    X509_STORE *store, *own = NULL;
    X509_STORE_CTX *xs = NULL;
    STACK_OF(X509) *built = NULL;
    long rv = 0;
    int ok;

    if (leaf == NULL) {
        SHIMSSL_ERR(SSL_R_NO_CERTIFICATE_SET);
        return 0;
    }
    if (flags & SSL_BUILD_CHAIN_FLAG_CHECK) {
        if ((store = own = store_of(leaf, *chain)) == NULL)
            return 0;
    } else {
        store = completion_store(chain_store, ctx);
    }
    if ((xs = X509_STORE_CTX_new_ex(ctx->libctx, ctx->propq)) == NULL) {
        ERR_raise(ERR_LIB_SSL, ERR_R_MALLOC_FAILURE);
        goto done;
    }
    if (!X509_STORE_CTX_init(
            xs, store, leaf,
            (flags & (SSL_BUILD_CHAIN_FLAG_CHECK | SSL_BUILD_CHAIN_FLAG_UNTRUSTED)) ==
                    SSL_BUILD_CHAIN_FLAG_UNTRUSTED
                ? *chain
                : NULL)) {
        ERR_raise(ERR_LIB_SSL, ERR_R_X509_LIB);
        goto done;
    }
    ok = X509_verify_cert(xs) > 0;
    if (!ok && (flags & SSL_BUILD_CHAIN_FLAG_IGNORE_ERROR)) {
        if (flags & SSL_BUILD_CHAIN_FLAG_CLEAR_ERROR)
            ERR_clear_error();
        ok = 1;
        rv = 2;
    }
    if (!ok) {
        ERR_raise_data(ERR_LIB_SSL, SSL_R_CERTIFICATE_VERIFY_FAILED, "Verify error:%s",
                       X509_verify_cert_error_string(X509_STORE_CTX_get_error(xs)));
        goto done;
    }
    if ((built = X509_STORE_CTX_get1_chain(xs)) == NULL) {
        rv = 0;
        goto done;
    }
    X509_free(sk_X509_shift(built));
    if ((flags & SSL_BUILD_CHAIN_FLAG_NO_ROOT) && sk_X509_num(built) > 0) {
        X509 *top = sk_X509_value(built, sk_X509_num(built) - 1);

        if (X509_get_extension_flags(top) & EXFLAG_SS)
            X509_free(sk_X509_pop(built));
    }
    if (sk_X509_num(built) > 0)
        rv = 1;
    sk_X509_pop_free(*chain, X509_free);
    *chain = built;
    if (rv == 0)
        rv = 1;
done:
    X509_STORE_CTX_free(xs);
    X509_STORE_free(own);
    return rv;
}

long shimssl_ctx_build_cert_chain(SSL_CTX *ctx, long flags)
{
    return build_chain(ctx->cert, &ctx->chain, ctx->chain_store, ctx, flags);
}

long shimssl_ssl_build_cert_chain(SSL *s, long flags)
{
    return build_chain(s->cert, &s->chain, s->chain_store, s->ctx, flags);
}
